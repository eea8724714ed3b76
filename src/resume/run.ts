import { cloudCodeOf } from '../cloud/retry.js';
import { ExitCode } from '../core/errors.js';
import { chunk, SCONTROL_BATCH_LIMIT } from '../core/plan/batch-limits.js';
import { describeOption } from '../core/plan/failover.js';
import { expireResume, nextResume, type ResumeStep, startResume, summarizeResume } from '../core/plan/resume.js';
import {
  type AddressUpdate,
  addressUpdates,
  type DownUpdate,
  downUpdates,
  failureReason,
} from '../core/plan/slurm-updates.js';
import type { BatchOutcome, LiveInstance, NodeOutcome, PlannedBatch } from '../core/plan/types.js';
import type { ResumeFile } from '../core/resume-file.js';
import { backoffMs, hookBudgetMs } from '../hooks/budget.js';
import { cloudUnavailable, type HookCloud } from '../hooks/cloud-port.js';
import { defaultSleep, type HookDeps } from '../hooks/deps.js';
import { nodesFromHostlist } from '../hooks/nodes.js';

/**
 * ResumeProgram: launch an instance per node (or find the one already running), tell Slurm the
 * addresses, and fail the rest at once (DOWN + POWER_DOWN_FORCE with the cloud's error in the reason)
 * so their jobs requeue now rather than at ResumeTimeout.
 * Exit: 0 every node running, 4 some failed or were unknown, 2 bad input, 1 failure.
 */
export async function runResume(deps: HookDeps, hostlist: string, resumeFile?: ResumeFile): Promise<ExitCode> {
  const { runtime, log, locks } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.deadline ?? now() + hookBudgetMs(runtime.cluster.slurm.resumeTimeout);

  const { known, unknown } = nodesFromHostlist(runtime, hostlist, log);
  if (resumeFile) {
    log.info('resume-file', {
      jobs: resumeFile.jobs.map((j) => j.jobId).join(',') || '-',
      allNodes: resumeFile.allNodes,
    });
  }
  if (unknown.length > 0) {
    await tellSlurm(deps, [], downAll(unknown, `citc: not a node of cluster ${runtime.cluster.name}`));
  }
  if (known.length === 0) return unknown.length > 0 ? ExitCode.usage : ExitCode.ok;

  // Nodes another live invocation holds are its business: do not launch them twice.
  const lock = locks.acquire(known.map((r) => r.node));
  log.many(
    'info',
    'node',
    lock.busy.map((b) => ({ node: b.node, outcome: 'skipped', reason: `locked by pid ${b.pid}` })),
  );
  log.many(
    'warn',
    'lock',
    lock.takenOver.map((t) => ({ node: t.node, outcome: 'stale-lock-taken', pid: t.pid })),
  );
  const held = new Set(lock.held);
  const mine = known.filter((r) => held.has(r.node));
  try {
    let cloud: HookCloud;
    let live: LiveInstance[];
    try {
      cloud = await deps.cloud();
      // Listing after taking the locks: an instance an earlier run launched is seen and reused.
      live = await timed(deps, 'list', mine.length, () => cloud.list(mine.map((r) => r.node)));
    } catch (err) {
      // No cloud, no launch: fail the nodes now so their jobs requeue instead of waiting for ResumeTimeout.
      const code = cloudCodeOf(err);
      log.error('cloud-unavailable', { code, message: (err as Error).message, nodes: mine.length });
      await tellSlurm(
        deps,
        [],
        downAll(
          mine.map((r) => r.node),
          `citc: ${code} (cloud unavailable)`,
        ),
      );
      throw cloudUnavailable(err, runtime.cluster.provider.kind);
    }
    let step: ResumeStep = startResume(runtime.cluster, mine, live);
    let round = 0;
    while (step.batches.length > 0) {
      if (now() >= deadline) {
        step = { state: expireResume(step.state, 'hook time budget spent'), batches: [] };
        break;
      }
      if (step.state.throttled) {
        const wait = Math.min(backoffMs(round), Math.max(0, deadline - now()));
        log.info('backoff', { ms: wait, round });
        await sleep(wait);
      }
      round++;
      const results = await Promise.all(step.batches.map((b) => launchBatch(deps, cloud, b)));
      step = nextResume(step.state, results);
    }
    const summary = summarizeResume(step.state);
    logOutcomes(deps, [...summary.running, ...summary.launched, ...summary.failed]);
    const slurmErrors = await tellSlurm(
      deps,
      addressUpdates([...summary.running, ...summary.launched]),
      downUpdates(summary.failed),
    );
    log.info('done', {
      running: summary.running.length,
      launched: summary.launched.length,
      failed: summary.failed.length,
      skipped: lock.busy.length,
      unknown: unknown.length,
      slurmErrors,
    });
    return summary.failed.length > 0 || unknown.length > 0 || slurmErrors > 0 ? ExitCode.partial : ExitCode.ok;
  } finally {
    locks.release();
  }
}

/**
 * Every update is attempted even when one fails (one bad node name must not leave the others
 * unaddressed); failures are logged by Scontrol's call log and counted.
 */
async function tellSlurm(deps: HookDeps, addrs: AddressUpdate[], downs: DownUpdate[]): Promise<number> {
  let errors = 0;
  for (const u of addrs) await deps.scontrol.setAddresses(u).catch(() => errors++);
  for (const u of downs) await deps.scontrol.markDown(u).catch(() => errors++);
  return errors;
}

function downAll(nodes: string[], reason: string): DownUpdate[] {
  return chunk(nodes, SCONTROL_BATCH_LIMIT).map((c) => ({ nodes: c, reason }));
}

async function launchBatch(deps: HookDeps, cloud: HookCloud, batch: PlannedBatch): Promise<BatchOutcome> {
  const started = (deps.now ?? Date.now)();
  try {
    const out = await cloud.launch(batch);
    const codes = [...new Set(out.failed.map((f) => f.code))].join(',');
    deps.log.apiCall(
      `launch ${describeOption(batch.option)}`,
      batch.nodes.length,
      (deps.now ?? Date.now)() - started,
      codes || undefined,
    );
    return out;
  } catch (err) {
    // An adapter that throws (network down, bad credentials) fails the batch, not the whole hook.
    const code = cloudCodeOf(err);
    deps.log.apiCall(
      `launch ${describeOption(batch.option)}`,
      batch.nodes.length,
      (deps.now ?? Date.now)() - started,
      code,
    );
    return {
      batch,
      launched: [],
      failed: batch.nodes.map((node) => ({ node, kind: 'other' as const, code, message: (err as Error).message })),
    };
  }
}

async function timed<T>(deps: HookDeps, op: string, count: number, fn: () => Promise<T>): Promise<T> {
  const started = (deps.now ?? Date.now)();
  try {
    const r = await fn();
    deps.log.apiCall(op, count, (deps.now ?? Date.now)() - started);
    return r;
  } catch (err) {
    deps.log.apiCall(
      op,
      count,
      (deps.now ?? Date.now)() - started,
      (err as { code?: string }).code ?? (err as Error).name,
    );
    throw err;
  }
}

function logOutcomes(deps: HookDeps, outcomes: NodeOutcome[]): void {
  const ok: Record<string, string | undefined>[] = [];
  const bad: Record<string, string | undefined>[] = [];
  for (const o of outcomes) {
    if (o.status === 'failed') {
      bad.push({
        node: o.node,
        outcome: 'failed',
        kind: o.kind,
        code: o.code,
        reason: failureReason(o),
        message: o.message,
      });
    } else {
      const where = o.status === 'launched' ? { type: o.option.instanceType, zone: o.option.zone } : {};
      ok.push({ node: o.node, outcome: o.status, instance: o.instanceId, ip: o.privateIp, ...where });
    }
  }
  deps.log.many('info', 'node', ok);
  deps.log.many('error', 'node', bad);
}

export { timed };
