import { ExitCode } from '../core/errors.js';
import { reconcileConfigOf } from '../core/reconcile/settings.js';
import { openRunCloud } from './cloud.js';
import { lazy } from './deps.js';
import { type NodeLocks, openNodeLocks } from './lock.js';
import { logExitLine, type RunContext } from './main.js';
import {
  flatAction,
  formatNodesTable,
  type NodesTable,
  nodesTable,
  type PassDeps,
  type PassReport,
  readView,
  runReconcile,
} from './reconcile.js';

/** How long one pass may take with its cloud calls: the interval, at least 30 s, at most 5 minutes. */
export function passBudgetMs(intervalSeconds: number): number {
  return Math.min(300_000, Math.max(30_000, intervalSeconds * 1000));
}

/** Locks that hold nothing: `nodes` and a dry run change nothing, so they need none. */
const NO_LOCKS: NodeLocks = { acquire: (n) => ({ held: [...n], busy: [], takenOver: [] }), release: () => {} };

function passDeps(ctx: RunContext, locks: NodeLocks): PassDeps {
  const deadline = Date.now() + passBudgetMs(reconcileConfigOf(ctx.runtime.cluster).intervalSeconds);
  return {
    runtime: ctx.runtime,
    cloud: lazy(() => openRunCloud(ctx.runtime, ctx.log, deadline)),
    scontrol: ctx.scontrol,
    log: ctx.log,
    locks,
    deadline,
  };
}

export type ReconcileOutcome =
  | { code: ExitCode; report: PassReport }
  | { code: ExitCode; busy: { pid: number | null } };

/**
 * One reconcile pass under the pass lock (`reconcile-pass.lock` in the lock directory): a pass still
 * running when the timer fires again is left to finish, and this one ends at once with exit 0.
 */
export async function reconcileOnce(ctx: RunContext, opts: { dryRun: boolean }): Promise<ReconcileOutcome> {
  const { log } = ctx;
  log.info('start', { dryRun: opts.dryRun, target: log.target });
  const passLock = opts.dryRun ? undefined : openNodeLocks(ctx.runtime.paths.lockDir, 'reconcile');
  if (passLock) {
    const got = passLock.acquire(['reconcile-pass']);
    if (got.held.length === 0) {
      const pid = got.busy[0]?.pid ?? null;
      log.info('busy', { pid });
      logExitLine(log, ExitCode.ok);
      return { code: ExitCode.ok, busy: { pid } };
    }
  }
  try {
    const locks = opts.dryRun ? NO_LOCKS : openNodeLocks(ctx.runtime.paths.lockDir, 'reconcile');
    const { code, report } = await runReconcile(passDeps(ctx, locks), opts);
    logExitLine(log, code);
    return { code, report };
  } finally {
    passLock?.release();
  }
}

/** What a pass did (or, dry, would do), one line per action, for people. */
export function formatReport(out: ReconcileOutcome): string {
  if ('busy' in out) return `another reconcile pass (pid ${out.busy.pid ?? '?'}) is running: nothing done\n`;
  const { report } = out;
  const lines = report.actions.map((r) => {
    const f = flatAction(r.action);
    const detail = Object.entries(f)
      .filter(([k]) => k !== 'action' && k !== 'node')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    return `${r.result.padEnd(7)} ${f.action} ${r.action.node || '-'} ${detail}${r.error ? `: ${r.error}` : ''}`;
  });
  const tail = `${report.actions.length} action(s)${report.dryRun ? ' planned (dry run: nothing changed)' : ''}`;
  return `${[...lines, tail].join('\n')}\n`;
}

/** The joined table of Slurm and the cloud. */
export async function nodesOnce(ctx: RunContext): Promise<NodesTable> {
  return nodesTable(await readView(passDeps(ctx, NO_LOCKS)), ctx.runtime);
}

export { formatNodesTable };
