import { launchWindow } from '../cloud/launch-window.js';
import { cloudCodeOf } from '../cloud/retry.js';
import { ExitCode } from '../core/errors.js';
import { chunk, SCONTROL_BATCH_LIMIT } from '../core/plan/batch-limits.js';
import { deniedAt } from '../core/plan/deny-list.js';
import { describeOption } from '../core/plan/failover.js';
import { expireResume, nextResume, type ResumeStep, startResume, summarizeResume } from '../core/plan/resume.js';
import {
  type AddressUpdate,
  addressUpdates,
  type DownUpdate,
  downUpdates,
  failureReason,
} from '../core/plan/slurm-updates.js';
import type { BatchOutcome, LaunchOption, LiveInstance, NodeOutcome, PlannedBatch } from '../core/plan/types.js';
import { reconcileConfigOf } from '../core/reconcile/settings.js';
import type { ResumeFile } from '../core/resume-file.js';
import { stateDirOf } from '../core/runtime.js';
import { backoffMs, hookBudgetMs } from './budget.js';
import { terminateInstances } from './cleanup.js';
import { type Cloud, cloudUnavailable } from './cloud.js';
import { defaultSleep, type HookDeps } from './deps.js';
import { nodesFromHostlist } from './nodes.js';
import { readDenyList, recordCapacityFailures } from './state-file.js';
import { timed } from './timed.js';

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
  const budgetMs = Math.max(0, deadline - now());
  // The adapters keep to the same window per call (src/cloud/retry.ts).
  const launchTime = launchWindow(runtime.cluster.provider.kind, budgetMs);

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
    let cloud: Cloud;
    let live: LiveInstance[];
    try {
      cloud = await deps.cloud();
      // Listing after taking the locks: an instance an earlier run launched is seen and reused.
      live = await timed(deps, 'list', mine.length, () => cloud.list(mine.map((r) => r.node)));
    } catch (err) {
      // No cloud, no launch: fail the nodes now so their jobs requeue instead of waiting for ResumeTimeout.
      const code = cloudCodeOf(err);
      log.error('cloud-unavailable', { code, message: (err as Error).message, nodes: mine.length });
      locks.release();
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
    // (type, zone) pairs that just ran out of capacity are skipped until their time is up.
    const stateDir = stateDirOf(runtime.paths);
    const denyMs = reconcileConfigOf(runtime.cluster).capacityDenySeconds * 1000;
    const denied = denyMs > 0 ? deniedAt(readDenyList(stateDir, log), now()) : undefined;
    let step: ResumeStep = startResume(runtime.cluster, mine, live, denied ? { denied } : {});
    const capacityFailures: { option: LaunchOption; code: string }[] = [];
    let round = 0;
    // Nodes whose launch was cut off (or got no reply): the cloud may have started their instance anyway.
    const cutOff = new Set<string>();
    while (step.batches.length > 0) {
      if (step.state.throttled) {
        const wait = Math.min(backoffMs(round), Math.max(0, deadline - launchTime.minMs - now()));
        log.info('backoff', { ms: wait, round });
        await sleep(wait);
      }
      // A launch started with moments left is cut off while the instance is being made: do not start one.
      const left = deadline - now();
      if (left <= 0 || left < launchTime.minMs) {
        const why = `no time left for another launch attempt: ${Math.max(0, Math.round(left))} ms of the hook's ${Math.round(budgetMs)} ms time budget left, a launch needs ${Math.round(launchTime.minMs)} ms`;
        log.warn('no-time-to-launch', {
          nodes: step.state.pending.size,
          left: Math.round(left),
          needs: Math.round(launchTime.minMs),
        });
        step = { state: expireResume(step.state, why), batches: [] };
        break;
      }
      round++;
      const results = await Promise.all(step.batches.map((b) => launchBatch(deps, cloud, b)));
      for (const r of results) {
        for (const f of r.failed) if (maybeStarted(f)) cutOff.add(f.node);
        const capacity = r.failed.find((f) => f.kind === 'capacity');
        if (capacity) capacityFailures.push({ option: r.batch.option, code: capacity.code });
      }
      step = nextResume(step.state, results);
    }
    recordCapacityFailures(stateDir, capacityFailures, now(), denyMs, log);
    const summary = summarizeResume(step.state);
    const failedNodes = new Set<string>(summary.failed.map((o) => o.node));
    await sweep(
      deps,
      cloud,
      [...cutOff].filter((n) => failedNodes.has(n)),
      deadline,
    );
    logOutcomes(deps, [...summary.running, ...summary.launched, ...summary.failed]);
    // The cloud work is done: a suspend that our POWER_DOWN_FORCE starts must not wait on our locks
    // while the scontrol calls run (up to 20 s each). A resume that takes them now only finds the instances.
    locks.release();
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

/**
 * A launch that timed out (cut off at the time left, an operation not done, no reply) may have started
 * an instance; one that was never sent (HookTimeBudget) or that the cloud refused did not.
 */
function maybeStarted(f: { kind: string; code: string }): boolean {
  return f.kind === 'timeout' && f.code !== 'HookTimeBudget';
}

/**
 * With the time kept for it (the launch window's tail), lists the nodes whose launch was cut off once
 * more and terminates what exists for them: Slurm is about to be told they are down, and the
 * SuspendProgram run that follows may list too early to see an instance the cloud was still creating.
 * Best effort: a failure is logged, and that SuspendProgram run still gets its turn.
 */
async function sweep(deps: HookDeps, cloud: Cloud, nodes: string[], deadline: number): Promise<void> {
  if (nodes.length === 0) return;
  const { log } = deps;
  let live: LiveInstance[];
  try {
    live = await timed(deps, 'list', nodes.length, () => cloud.list(nodes));
  } catch (err) {
    log.error('sweep-failed', { nodes: nodes.length, code: cloudCodeOf(err), message: (err as Error).message });
    return;
  }
  await terminateInstances(
    cloud,
    log,
    live.map((i) => ({ node: i.node, instanceId: i.id, why: 'cut-off-launch' })),
    { wait: false, deadline, ...(deps.now && { now: deps.now }) },
  );
}

function downAll(nodes: string[], reason: string): DownUpdate[] {
  return chunk(nodes, SCONTROL_BATCH_LIMIT).map((c) => ({ nodes: c, reason }));
}

async function launchBatch(deps: HookDeps, cloud: Cloud, batch: PlannedBatch): Promise<BatchOutcome> {
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
