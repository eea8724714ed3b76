import { cloudCodeOf } from '../cloud/retry.js';
import { chunk, TERMINATE_BATCH_LIMIT } from '../core/plan/batch-limits.js';
import type { Cloud } from './cloud.js';
import type { HookLogger, LogFields } from './log.js';
import { timed } from './timed.js';

/**
 * The one place that terminates instances: suspend and resume-fail (their nodes' instances), resume
 * (the sweep of cut-off launches), reconcile (orphans, duplicates, unusable instances) and `citc destroy`
 * (everything of the cluster) all come here. It terminates in the provider's batches, in parallel, waits
 * until they are gone when asked (within the deadline), and logs one line per instance with why it went.
 * It never throws: what it could not terminate is in `failed`, and reconcile finds it on its next pass.
 */
export interface Doomed {
  node: string;
  instanceId: string;
  /** Why it goes, for the log: orphan, duplicate, unusable, suspend, cut-off-launch, destroy, ... */
  why: string;
}

export interface CleanupResult {
  /** Gone, or accepted for termination when `wait` was not asked. */
  terminated: Doomed[];
  /** Accepted but still there when the deadline passed. */
  terminating: Doomed[];
  failed: (Doomed & { code: string; message: string })[];
}

export interface CleanupOptions {
  /** Wait until the instances are gone (suspend: the node name may be resumed at once; GCE names are unique). */
  wait: boolean;
  /** Epoch ms by which the calls and the wait must be over. */
  deadline: number;
  /** Log event of the per-instance lines; `node` by default (as the hooks' node outcomes). */
  event?: string;
  now?: () => number;
  /** Called with the number accepted for termination, before the wait starts (destroy's progress line). */
  beforeWait?: (accepted: number) => void;
}

export async function terminateInstances(
  cloud: Cloud,
  log: Pick<HookLogger, 'apiCall' | 'many'>,
  doomed: readonly Doomed[],
  opts: CleanupOptions,
): Promise<CleanupResult> {
  const result: CleanupResult = { terminated: [], terminating: [], failed: [] };
  if (doomed.length === 0) return result;
  const deps = { log, ...(opts.now && { now: opts.now }) };
  const byId = new Map(doomed.map((d) => [d.instanceId, d]));
  const accepted: Doomed[] = [];
  await Promise.all(
    chunk([...byId.keys()], TERMINATE_BATCH_LIMIT[cloud.provider]).map(async (ids) => {
      try {
        const out = await timed(deps, 'terminate', ids.length, () => cloud.terminate(ids));
        for (const id of out.terminated) {
          const d = byId.get(id);
          if (d) accepted.push(d);
        }
        const answered = new Set([...out.terminated, ...out.failed.map((f) => f.instanceId)]);
        for (const f of out.failed) {
          const d = byId.get(f.instanceId);
          if (d) result.failed.push({ ...d, code: f.code, message: f.message });
        }
        for (const id of ids) {
          const d = byId.get(id);
          if (d && !answered.has(id))
            result.failed.push({ ...d, code: 'NoAnswer', message: 'the terminate call did not report it' });
        }
      } catch (err) {
        const code = cloudCodeOf(err);
        for (const id of ids) {
          const d = byId.get(id) as Doomed;
          result.failed.push({ ...d, code, message: (err as Error).message });
        }
      }
    }),
  );
  let lingering = new Set<string>();
  if (opts.wait && accepted.length > 0) {
    opts.beforeWait?.(accepted.length);
    try {
      const ids = accepted.map((d) => d.instanceId);
      lingering = new Set(await timed(deps, 'waitGone', ids.length, () => cloud.waitGone(ids, opts.deadline)));
    } catch {
      // The terminate was accepted; whether it is over is for the next look (reconcile) to see.
      lingering = new Set(accepted.map((d) => d.instanceId));
    }
  }
  for (const d of accepted) (lingering.has(d.instanceId) ? result.terminating : result.terminated).push(d);
  const event = opts.event ?? 'node';
  const line = (d: Doomed, outcome: string): LogFields => ({
    node: d.node || undefined,
    outcome,
    instance: d.instanceId,
    why: d.why,
  });
  log.many('info', event, [
    ...result.terminated.map((d) => line(d, 'terminated')),
    ...result.terminating.map((d) => line(d, 'terminating')),
  ]);
  log.many(
    'error',
    event,
    result.failed.map((f) => ({ ...line(f, 'terminate-failed'), code: f.code, message: f.message })),
  );
  return result;
}
