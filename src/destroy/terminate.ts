import { createCloudAdapter } from '../cloud/factory.js';
import type { CloudAdapterOptions, CloudInstance } from '../cloud/types.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import { managementHostName } from '../render/slurm-conf.js';
import { cleanupRuntime } from './adapter-runtime.js';

export interface TerminateAllOptions {
  config: ClusterConfig;
  /** How long to wait for the instances to be gone, ms. */
  waitMs: number;
  adapter?: CloudAdapterOptions;
  onProgress?: (line: string) => void;
}

export interface TerminateAllResult {
  /** Compute instances of this cluster that were live. */
  found: { id: string; name: string; zone: string }[];
  terminated: string[];
}

/**
 * Terminates every compute instance carrying this cluster's tag (aws) / label (gcp) and waits until
 * they are gone. The cloud filters by the cluster's own tag server-side, and each instance is checked
 * again here, so another cluster's instances are never touched. The management node carries the tag too
 * but is left to terraform, which owns it.
 */
export async function terminateClusterInstances(opts: TerminateAllOptions): Promise<TerminateAllResult> {
  const { config } = opts;
  const progress = opts.onProgress ?? (() => {});
  const adapter = await createCloudAdapter(cleanupRuntime(config), opts.adapter);
  const management = managementHostName(config.name);
  const live = (await adapter.list()).filter((i) => i.cluster === config.name && i.name !== management);
  const found = live.map((i) => ({ id: i.id, name: i.name, zone: i.zone }));
  if (live.length === 0) {
    progress(`No compute instances of ${config.name} are running.`);
    return { found, terminated: [] };
  }
  progress(`Terminating ${live.length} compute instance(s) of ${config.name}: ${names(live)}`);
  const result = await adapter.terminate(live);
  if (result.failed.length > 0) {
    const first = result.failed.slice(0, 5).map((f) => `${f.id} (${f.code}: ${f.message})`);
    throw new CitcError(
      'DESTROY_TERMINATE_FAILED',
      `${result.failed.length} instance(s) could not be terminated: ${first.join('; ')}`,
      {
        subject: config.name,
        remedy: 'Check the cloud permissions and run `citc destroy` again; nothing else was deleted.',
      },
    );
  }
  progress(`Waiting up to ${Math.round(opts.waitMs / 1000)} s for ${live.length} instance(s) to be gone...`);
  const left = await adapter.waitGone(live, Date.now() + opts.waitMs);
  if (left.length > 0) {
    throw new CitcError(
      'DESTROY_INSTANCES_LEFT',
      `${left.length} instance(s) are still shutting down: ${names(left)}`,
      {
        subject: config.name,
        remedy:
          'Run `citc destroy` again in a minute (or with a longer --wait); the network cannot be deleted while they exist.',
      },
    );
  }
  progress(`All ${live.length} compute instance(s) are gone.`);
  return { found, terminated: result.terminated };
}

function names(instances: CloudInstance[]): string {
  const shown = instances.slice(0, 10).map((i) => i.name || i.id);
  return instances.length > 10 ? `${shown.join(', ')} and ${instances.length - 10} more` : shown.join(', ');
}
