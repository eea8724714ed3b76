import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import { loadClusterState } from '../deploy/deploy.js';
import { readState, statePath, writeState } from '../state/file.js';
import { statusCloud } from '../status/cloud/index.js';
import type { StatusCloud } from '../status/cloud/types.js';
import { type ImageRow, imageRows, withoutImages } from './prune.js';

export async function listImages(config: ClusterConfig, workDir: string, cloud?: StatusCloud): Promise<ImageRow[]> {
  const state = await loadClusterState(config, workDir);
  const c = cloud ?? (await statusCloud(config, state));
  return imageRows(config, state, await c.images());
}

export interface PruneResult {
  deleted: ImageRow[];
  kept: ImageRow[];
  failed: { id: string; error: string }[];
  dryRun: boolean;
}

/**
 * Deletes the cluster's images that are neither recorded nor the roll-back target nor pinned (aws: the AMI
 * and then its snapshots). Each deleted image also leaves the state's roll-back list.
 */
export async function pruneImages(opts: {
  config: ClusterConfig;
  workDir: string;
  dryRun?: boolean;
  onProgress?: (line: string) => void;
}): Promise<PruneResult> {
  const state = await loadClusterState(opts.config, opts.workDir);
  const cloud = await statusCloud(opts.config, state);
  const rows = imageRows(opts.config, state, await cloud.images());
  const doomed = rows.filter((r) => r.inCloud && !r.keep);
  const kept = rows.filter((r) => r.keep);
  if (opts.dryRun) return { deleted: doomed, kept, failed: [], dryRun: true };
  const deleted: ImageRow[] = [];
  const failed: PruneResult['failed'] = [];
  for (const r of doomed) {
    try {
      await cloud.deleteImage({ id: r.id, name: r.name, snapshots: r.snapshots });
      deleted.push(r);
      opts.onProgress?.(`deleted ${r.id}${r.snapshots.length ? ` and ${r.snapshots.join(', ')}` : ''}`);
    } catch (err) {
      failed.push({ id: r.id, error: (err as Error).message.split('\n')[0] ?? '' });
    }
  }
  const path = statePath(opts.workDir);
  const latest = await readState(path);
  if (latest && deleted.length > 0) await writeState(path, withoutImages(latest, new Set(deleted.map((r) => r.id))));
  if (failed.length > 0) {
    throw new CitcError(
      'IMAGE_PRUNE_FAILED',
      `${failed.length} image(s) could not be deleted: ${failed.map((f) => `${f.id}: ${f.error}`).join('; ')}`,
      {
        subject: opts.config.name,
        remedy: `${deleted.length} were deleted. Check the permissions (DeregisterImage, DeleteSnapshot / compute.images.delete) and run it again.`,
      },
    );
  }
  return { deleted, kept, failed, dryRun: false };
}
