import { ExitCode } from '../core/errors.js';
import { planSuspend } from '../core/plan/suspend.js';
import type { LiveInstance } from '../core/plan/types.js';
import { hookBudgetMs } from './budget.js';
import { terminateInstances } from './cleanup.js';
import { type Cloud, cloudUnavailable } from './cloud.js';
import { defaultSleep, type HookDeps } from './deps.js';
import { nodesFromHostlist } from './nodes.js';
import { timed } from './timed.js';

const LOCK_POLL_MS = 200;
/**
 * Time kept after waiting for locks, for the list and terminate calls (GCE counts a delete that is
 * under way when the deadline comes as done): at most this, and at most half the hook's budget.
 */
export const TERMINATE_RESERVE_MS = 15_000;

/**
 * SuspendProgram and ResumeFailProgram: terminate every instance of these nodes, then wait (within
 * the budget) until they are gone, so a quick resume of the same node name (GCE instance names are
 * unique) does not collide with the old instance. Absent nodes are already done. Node names the
 * config no longer lists (maxNodes lowered, shape or partition removed) are terminated too.
 * Exit: 0 all gone or absent, 4 some could not be terminated or were unknown, 2 bad input, 1 failure.
 */
export async function runTerminate(
  deps: HookDeps,
  hostlist: string,
  timeoutSeconds: number,
  why: 'suspend' | 'resume-fail' = 'suspend',
): Promise<ExitCode> {
  const { runtime, log, locks } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.deadline ?? now() + hookBudgetMs(timeoutSeconds);
  // Names the config no longer lists are still ours to terminate: the config may have shrunk while
  // their instances ran, and nothing else would ever terminate them.
  const { known, retired, unknown } = nodesFromHostlist(runtime, hostlist, log, { retired: true });
  const nodes = [...known.map((r) => r.node), ...retired];
  if (nodes.length === 0) return unknown.length > 0 ? ExitCode.usage : ExitCode.ok;

  // A resume that just failed these nodes (DOWN + POWER_DOWN_FORCE) may still hold their locks while
  // it tells Slurm (each scontrol call may take 20 s) when slurmctld starts us: wait for it as long as
  // the budget allows, keeping time for the terminate, rather than leave an instance behind.
  const lock = locks.acquire(nodes);
  const waitUntil = deadline - Math.min(TERMINATE_RESERVE_MS, Math.max(0, deadline - now()) / 2);
  while (lock.busy.length > 0 && now() < waitUntil) {
    await sleep(LOCK_POLL_MS);
    const again = locks.acquire(lock.busy.map((b) => b.node));
    lock.held.push(...again.held);
    lock.busy = again.busy;
  }
  log.many(
    'error',
    'node',
    lock.busy.map((b) => ({ node: b.node, outcome: 'skipped', reason: `locked by pid ${b.pid}` })),
  );
  const held = new Set(lock.held);
  const mine = nodes.filter((node) => held.has(node));
  try {
    let cloud: Cloud;
    let live: LiveInstance[];
    try {
      cloud = await deps.cloud();
      live = await timed(deps, 'list', mine.length, () => cloud.list(mine));
    } catch (err) {
      // Slurm counts these nodes powered down whatever we exit with: their instances are orphans now,
      // and the reconcile pass terminates them once the cloud answers.
      log.warn('left-to-reconcile', { nodes: mine.length, reason: 'cloud unavailable' });
      throw cloudUnavailable(err, runtime.cluster.provider.kind);
    }
    const plan = planSuspend(
      mine.map((node) => ({ node })),
      live,
    );
    log.many(
      'info',
      'node',
      plan.absent.map((node) => ({ node, outcome: 'absent' })),
    );
    // What cannot be terminated now (the cloud unreachable, a refused call) stays an orphan of a
    // powered-down node: the reconcile pass terminates it once the cloud answers.
    const out = await terminateInstances(
      cloud,
      log,
      plan.terminate.map((t) => ({ ...t, why })),
      { wait: true, deadline, now },
    );
    log.info('done', {
      terminated: out.terminated.length,
      terminating: out.terminating.length,
      absent: plan.absent.length,
      failed: out.failed.length,
      skipped: lock.busy.length,
      notInConfig: retired.length,
      unknown: unknown.length,
    });
    return out.failed.length > 0 || unknown.length > 0 || lock.busy.length > 0 ? ExitCode.partial : ExitCode.ok;
  } finally {
    locks.release();
  }
}
