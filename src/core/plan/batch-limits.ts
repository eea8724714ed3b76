import type { ProviderKind } from '../config/types.js';

/**
 * Most nodes per launch call. EC2 RunInstances: AWS advises smaller requests and the RunInstances
 * resource bucket holds 1000, ParallelCluster uses 500. GCE instances.bulkInsert: slurm-gcp sends up to
 * 5000 per call; 1000 keeps one failed call's blast radius smaller.
 */
export const LAUNCH_BATCH_LIMIT: Record<ProviderKind, number> = { aws: 500, gcp: 1000 };

/** Most instances per terminate call (EC2 TerminateInstances accepts 1000 ids; GCE deletes one by one). */
export const TERMINATE_BATCH_LIMIT: Record<ProviderKind, number> = { aws: 1000, gcp: 1000 };

/** Most nodes per `scontrol update` call, as ParallelCluster does: the argv stays short. */
export const SCONTROL_BATCH_LIMIT = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
