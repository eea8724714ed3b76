import { ExitCode } from '../core/errors.js';
import { reconcileConfigOf } from '../core/reconcile/settings.js';
import type { PassArgs } from './args.js';
import { openRunCloud } from './cloud.js';
import { lazy } from './deps.js';
import { openNodeLocks } from './lock.js';
import type { RunContext } from './main.js';
import { formatNodesTable, nodesTable, type PassDeps, readView, runReconcile } from './reconcile.js';

/** How long one pass may take with its cloud calls: the interval, at least 30 s, at most 5 minutes. */
export function passBudgetMs(intervalSeconds: number): number {
  return Math.min(300_000, Math.max(30_000, intervalSeconds * 1000));
}

function passDeps(ctx: RunContext, name: string, locks: boolean): PassDeps {
  const deadline = Date.now() + passBudgetMs(reconcileConfigOf(ctx.runtime.cluster).intervalSeconds);
  return {
    runtime: ctx.runtime,
    cloud: lazy(() => openRunCloud(ctx.runtime, ctx.log, deadline)),
    scontrol: ctx.scontrol,
    log: ctx.log,
    locks: locks
      ? openNodeLocks(ctx.runtime.paths.lockDir, name)
      : { acquire: (n) => ({ held: [...n], busy: [], takenOver: [] }), release: () => {} },
    deadline,
  };
}

/**
 * One reconcile pass under the pass lock (`reconcile-pass.lock` in the lock directory): a pass still
 * running when the timer fires again is left to finish, and this one ends at once with exit 0.
 */
export async function reconcileCommand(
  ctx: RunContext,
  args: PassArgs,
  out: (text: string) => void,
): Promise<ExitCode> {
  const { log } = ctx;
  log.info('start', { runtime: args.runtimePath, dryRun: args.dryRun });
  const passLock = args.dryRun ? undefined : openNodeLocks(ctx.runtime.paths.lockDir, 'reconcile');
  if (passLock) {
    const got = passLock.acquire(['reconcile-pass']);
    if (got.held.length === 0) {
      log.info('busy', { pid: got.busy[0]?.pid });
      if (args.json) out(`${JSON.stringify({ busy: true, pid: got.busy[0]?.pid ?? null })}\n`);
      return ExitCode.ok;
    }
  }
  try {
    const { code, report } = await runReconcile(passDeps(ctx, 'reconcile', !args.dryRun), { dryRun: args.dryRun });
    if (args.json) out(`${JSON.stringify(report)}\n`);
    else {
      const lines = report.actions.map((r) => {
        const a = r.action;
        const what =
          a.kind === 'terminate'
            ? `terminate ${a.instanceId} (${a.why})`
            : a.kind === 'down'
              ? `down: ${a.reason}`
              : a.kind === 'set-address'
                ? `set address ${a.addr}`
                : `${a.kind} (${a.why})`;
        return `${r.result.padEnd(7)} ${a.node || '-'}: ${what}${r.error ? `: ${r.error}` : ''}`;
      });
      out(
        `${lines.join('\n')}${lines.length ? '\n' : ''}${report.actions.length} action(s)${args.dryRun ? ' planned (dry run: nothing changed)' : ''}\n`,
      );
    }
    return code;
  } finally {
    passLock?.release();
  }
}

/** The joined table of Slurm and the cloud, for people or (--json) for `citc status`. */
export async function nodesCommand(ctx: RunContext, args: PassArgs, out: (text: string) => void): Promise<ExitCode> {
  const view = await readView(passDeps(ctx, 'nodes', false));
  const table = nodesTable(view, ctx.runtime);
  out(args.json ? `${JSON.stringify(table)}\n` : formatNodesTable(table));
  return ExitCode.ok;
}
