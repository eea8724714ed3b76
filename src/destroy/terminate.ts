import type { CloudAdapterOptions } from '../cloud/types.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import type { LiveInstance } from '../core/plan/types.js';
import { terminateInstances } from '../hooks/cleanup.js';
import { openCloud } from '../hooks/cloud.js';
import type { HookLogger } from '../hooks/log.js';
import { managementHostName } from '../render/slurm-conf.js';

const STILL_LAUNCHING =
  'slurmctld on the management node is still resuming nodes for pending jobs: cancel them (scancel) or stop slurmctld, then run `citc destroy` again.';

export interface TerminateAllOptions {
  config: ClusterConfig;
  /** How long all rounds together may take to leave no instance behind, ms. */
  waitMs: number;
  adapter?: CloudAdapterOptions;
  onProgress?: (line: string) => void;
}

export interface TerminateAllResult {
  /** Compute instances of this cluster that were live, over every round. */
  found: { id: string; name: string; zone: string }[];
  terminated: string[];
  /**
   * Rounds of list, terminate and wait that found something (0: nothing was running). More than one
   * when slurmctld, still running on the management node, launched nodes while destroy ran.
   */
  rounds: number;
}

/**
 * Terminates every compute instance carrying this cluster's tag (aws) / label (gcp) and waits until
 * they are gone, then lists again and repeats until a list comes back empty: slurmctld keeps resuming
 * nodes for pending jobs until terraform deletes the management node, and an instance it launches
 * after the first list would block the network's deletion and keep billing. All rounds share one
 * deadline. The cloud filters by the cluster's own tag server-side, and each instance is checked again
 * here, so another cluster's instances are never touched. The management node carries the tag too but
 * is left to terraform, which owns it.
 */
export async function terminateClusterInstances(opts: TerminateAllOptions): Promise<TerminateAllResult> {
  const { config } = opts;
  const progress = opts.onProgress ?? (() => {});
  // Listing and terminating need the cluster only: no image or launch settings after a half-finished deploy.
  const cloud = await openCloud({ cluster: config }, opts.adapter);
  const deadline = Date.now() + opts.waitMs;
  const management = managementHostName(config.name);
  const found: TerminateAllResult['found'] = [];
  const terminated: string[] = [];
  for (let round = 1; ; round++) {
    const live = (await cloud.list()).filter((i) => i.name !== management);
    if (live.length === 0) {
      progress(
        round === 1
          ? `No compute instances of ${config.name} are running.`
          : `No more compute instances of ${config.name} appeared: ${found.length} terminated in ${round - 1} round(s).`,
      );
      return { found, terminated, rounds: round - 1 };
    }
    if (round > 1 && Date.now() >= deadline) {
      throw new CitcError(
        'DESTROY_INSTANCES_LEFT',
        `${live.length} compute instance(s) were launched while destroy ran and are still there after ${round - 1} round(s): ${names(live)}`,
        {
          subject: config.name,
          remedy: STILL_LAUNCHING,
        },
      );
    }
    found.push(...live.map((i) => ({ id: i.id, name: i.name ?? i.id, zone: i.zone ?? '' })));
    progress(
      round === 1
        ? `Terminating ${live.length} compute instance(s) of ${config.name}: ${names(live)}`
        : `Round ${round}: ${live.length} more compute instance(s) of ${config.name} were launched meanwhile; terminating ${names(live)}`,
    );
    const result = await terminateInstances(
      cloud,
      quiet,
      live.map((i) => ({ node: i.node, instanceId: i.id, why: 'destroy' })),
      {
        wait: true,
        deadline,
        beforeWait: (n) =>
          progress(
            `Waiting up to ${Math.ceil(Math.max(0, deadline - Date.now()) / 1000)} s for ${n} instance(s) to be gone (round ${round})...`,
          ),
      },
    );
    terminated.push(...result.terminated.map((d) => d.instanceId), ...result.terminating.map((d) => d.instanceId));
    if (result.failed.length > 0) {
      const first = result.failed.slice(0, 5).map((f) => `${f.instanceId} (${f.code}: ${f.message})`);
      throw new CitcError(
        'DESTROY_TERMINATE_FAILED',
        `${result.failed.length} instance(s) could not be terminated: ${first.join('; ')}`,
        {
          subject: config.name,
          remedy: 'Check the cloud permissions and run `citc destroy` again; nothing else was deleted.',
        },
      );
    }
    if (result.terminating.length > 0) {
      const late = round > 1 ? ` after ${round} rounds of instances launched while destroy ran` : '';
      const byId = new Map(live.map((i) => [i.id, i]));
      const left = result.terminating.map((d) => byId.get(d.instanceId) as LiveInstance);
      throw new CitcError(
        'DESTROY_INSTANCES_LEFT',
        `${left.length} instance(s) are still shutting down${late}: ${names(left)}`,
        {
          subject: config.name,
          remedy:
            round > 1
              ? STILL_LAUNCHING
              : 'Run `citc destroy` again in a minute (or with a longer --wait); the network cannot be deleted while they exist.',
        },
      );
    }
    progress(`Round ${round}: all ${live.length} compute instance(s) are gone; listing again for late launches.`);
  }
}

/** Destroy reports progress in its own words; the per-instance log lines of the hooks are not for it. */
const quiet: Pick<HookLogger, 'apiCall' | 'many'> = { apiCall: () => {}, many: () => {} };

function names(instances: LiveInstance[]): string {
  const shown = instances.slice(0, 10).map((i) => i.name || i.id);
  return instances.length > 10 ? `${shown.join(', ')} and ${instances.length - 10} more` : shown.join(', ');
}
