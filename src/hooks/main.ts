import { readFileSync } from 'node:fs';
import { CitcError, type ExitCode } from '../core/errors.js';
import { expandHostlist } from '../core/hostlist.js';
import type { AddressUpdate, DownUpdate } from '../core/plan/slurm-updates.js';
import { DEFAULT_HOOK_PATHS, type HookRuntime } from '../core/runtime.js';
import { Scontrol } from '../slurm/scontrol.js';
import { type HookArgs, parseHookArgs } from './args.js';
import { hookBudgetMs } from './budget.js';
import { openRunCloud } from './cloud.js';
import { type HookDeps, lazy } from './deps.js';
import { openNodeLocks } from './lock.js';
import { type HookLogger, openHookLog } from './log.js';
import { readHookRuntime, runtimeHints } from './runtime-file.js';

export type HookName = 'resume' | 'suspend' | 'resume-fail' | 'reconcile' | 'nodes';

/** What every entry point opens first: the runtime, the log (the cluster's), scontrol. */
export interface RunContext {
  runtime: HookRuntime;
  log: HookLogger;
  scontrol: Scontrol;
}

/**
 * Reads the runtime and opens the log and scontrol. When the runtime cannot be read, the error is
 * logged to the log file it names if its text says (or the default) and rethrown, with `log` set.
 */
function openContext(
  hook: HookName,
  runtimePath: string,
  env: NodeJS.ProcessEnv,
  holder: { log?: HookLogger },
): RunContext {
  let runtime: HookRuntime;
  try {
    runtime = readHookRuntime(runtimePath);
  } catch (err) {
    const hints = runtimeHints(runtimePath);
    holder.log = openHookLog({
      hook,
      file: hints.logFile ?? DEFAULT_HOOK_PATHS.logFile,
      format: hints.format ?? 'text',
    });
    throw err;
  }
  const log = openHookLog({
    hook,
    file: runtime.paths.logFile,
    format: runtime.log.format,
    echo: env.CITC_HOOK_ECHO === '1',
  });
  holder.log = log;
  const scontrol = new Scontrol({
    path: runtime.paths.scontrol,
    slurmConf: env.SLURM_CONF,
    onCall: (c) => (c.error ? log.warn : log.info)('scontrol', { args: c.args.join(' '), ms: c.ms, error: c.error }),
  });
  return { runtime, log, scontrol };
}

/**
 * The shared body of the three hooks Slurm starts: read input, build the real dependencies, run, log any
 * error as one line with its code, subject and remedy, and set the exit code (Slurm only logs it).
 * Resume has a safety net: if it fails before telling Slurm about a node (runtime unreadable, lock
 * directory unusable, a bug), the nodes it was given are set DOWN with a `citc:` reason naming the cause
 * and powered down, so their jobs requeue now; the reconcile pass returns them once the cause is gone.
 */
export async function hookMain(
  hook: 'resume' | 'suspend' | 'resume-fail',
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  run: (deps: HookDeps, args: HookArgs, input: { resumeFileText?: string }) => Promise<ExitCode>,
): Promise<ExitCode> {
  // SLURM_RESUME_FILE is a memfd of slurmctld: read it first, it vanishes if slurmctld restarts.
  const input: { resumeFileText?: string } = {};
  let resumeFileError: string | undefined;
  if (env.SLURM_RESUME_FILE) {
    try {
      input.resumeFileText = readFileSync(env.SLURM_RESUME_FILE, 'utf8');
    } catch (err) {
      resumeFileError = (err as Error).message;
    }
  }
  const holder: { log?: HookLogger } = {};
  let args: HookArgs | undefined;
  let scontrol: Scontrol | undefined;
  const told = new Set<string>();
  try {
    args = parseHookArgs(hook, argv);
    const ctx = openContext(hook, args.runtimePath, env, holder);
    const { runtime, log } = ctx;
    scontrol = ctx.scontrol;
    log.info('start', { hostlist: args.hostlist, runtime: args.runtimePath, slurmConf: env.SLURM_CONF ?? '-' });
    if (resumeFileError) log.warn('resume-file-unreadable', { path: env.SLURM_RESUME_FILE, error: resumeFileError });
    const slurm = runtime.cluster.slurm;
    // The clock starts when the process does: Slurm's timeout counts from there, not from our first call.
    const deadline =
      Math.round(performance.timeOrigin) +
      hookBudgetMs(hook === 'suspend' ? slurm.suspendTimeout : slurm.resumeTimeout);
    const cloud = lazy(() => openRunCloud(runtime, log, deadline));
    const deps: HookDeps = {
      runtime,
      cloud,
      scontrol: hook === 'resume' ? recordTold(ctx.scontrol, told) : ctx.scontrol,
      log,
      locks: openNodeLocks(runtime.paths.lockDir, hook),
      deadline,
    };
    const code = await run(deps, args, input);
    logExit(log, code);
    return code;
  } catch (err) {
    const e = asCitcError(err);
    const log = holder.log;
    const line = { code: e.code, subject: e.subject, message: e.message, remedy: e.remedy, exit: e.exitCode };
    if (log) log.error('error', line);
    else process.stderr.write(`citc ${hook}: ${e.code}: ${e.toLine()}\n`);
    if (!(err instanceof CitcError) && log) log.error('stack', { stack: (err as Error)?.stack });
    if (hook === 'resume' && args && e.code !== 'HOSTLIST_INVALID') {
      await safetyNet(args.hostlist, told, e, scontrol ?? fallbackScontrol(args.runtimePath, env, log), log);
    }
    if (log) logExit(log, e.exitCode);
    return e.exitCode;
  } finally {
    holder.log?.close();
  }
}

/**
 * The reconcile pass and the nodes table (the bundled entry points and `citc reconcile` / `citc nodes`):
 * opens the runtime, log and scontrol, runs, and logs an error like the hooks do before rethrowing it.
 */
export async function withContext<T>(
  name: 'reconcile' | 'nodes',
  runtimePath: string,
  env: NodeJS.ProcessEnv,
  run: (ctx: RunContext) => Promise<T>,
): Promise<T> {
  const holder: { log?: HookLogger } = {};
  try {
    const ctx = openContext(name, runtimePath, env, holder);
    return await run(ctx);
  } catch (err) {
    const e = asCitcError(err);
    holder.log?.error('error', {
      code: e.code,
      subject: e.subject,
      message: e.message,
      remedy: e.remedy,
      exit: e.exitCode,
    });
    if (!(err instanceof CitcError)) holder.log?.error('stack', { stack: (err as Error)?.stack });
    if (holder.log && name === 'reconcile') logExit(holder.log, e.exitCode);
    throw e;
  } finally {
    holder.log?.close();
  }
}

/** withContext for a bundled entry point: the error as one line on stderr, and its exit code. */
export async function passMain(
  name: 'reconcile' | 'nodes',
  runtimePath: string,
  env: NodeJS.ProcessEnv,
  run: (ctx: RunContext) => Promise<ExitCode>,
): Promise<ExitCode> {
  try {
    return await withContext(name, runtimePath, env, run);
  } catch (err) {
    const e = asCitcError(err);
    process.stderr.write(`citc ${name}: ${e.code}: ${e.toLine()}\n`);
    return e.exitCode;
  }
}

function asCitcError(err: unknown): CitcError {
  return err instanceof CitcError
    ? err
    : new CitcError('HOOK_CRASHED', (err as Error)?.message ?? String(err), {
        remedy: 'This is a bug in citc: report it with the log lines above.',
        cause: err,
      });
}

/** Remembers the nodes the run told Slurm about (an address, or DOWN): the safety net leaves those be. */
function recordTold(scontrol: Scontrol, told: Set<string>): Scontrol {
  const wrapped = Object.create(scontrol) as Scontrol;
  wrapped.setAddresses = async (u: AddressUpdate) => {
    await scontrol.setAddresses(u);
    for (const n of u.nodes) told.add(n);
  };
  wrapped.markDown = async (u: DownUpdate) => {
    await scontrol.markDown(u);
    for (const n of u.nodes) told.add(n);
  };
  return wrapped;
}

/** scontrol when the runtime could not be read: the path it names if its text says, else the absolute default. */
function fallbackScontrol(runtimePath: string, env: NodeJS.ProcessEnv, log: HookLogger | undefined): Scontrol {
  const hints = runtimeHints(runtimePath);
  return new Scontrol({
    path: hints.scontrol ?? DEFAULT_HOOK_PATHS.scontrol,
    slurmConf: env.SLURM_CONF,
    ...(log && {
      onCall: (c: { args: string[]; ms: number; error?: string }) =>
        (c.error ? log.warn : log.info)('scontrol', { args: c.args.join(' '), ms: c.ms, error: c.error }),
    }),
  });
}

/** The `citc:` reason of a resume that failed before it could tell Slurm: the code and its errno, if any. */
export function safetyNetReason(e: CitcError): string {
  const errno = errnoOf(e);
  return `citc: resume failed: ${e.code}${errno ? ` (${errno})` : ''}`;
}

function errnoOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

async function safetyNet(
  hostlist: string,
  told: ReadonlySet<string>,
  e: CitcError,
  scontrol: Scontrol,
  log: HookLogger | undefined,
): Promise<void> {
  let nodes: string[];
  try {
    nodes = expandHostlist(hostlist).filter((n) => !told.has(n));
  } catch {
    return;
  }
  if (nodes.length === 0) return;
  const reason = safetyNetReason(e);
  // Named by the hostlist Slurm gave when nothing was told yet: one pair of calls for any number of nodes.
  const names = told.size === 0 ? [hostlist] : nodes;
  try {
    await scontrol.markDown({ nodes: names, reason });
    log?.warn('safety-net', { nodes: nodes.length, reason, outcome: 'down-and-powered-down' });
  } catch (err) {
    log?.error('safety-net-failed', { nodes: nodes.length, reason, message: (err as Error).message });
    if (!log) process.stderr.write(`citc resume: could not set ${hostlist} down: ${(err as Error).message}\n`);
  }
}

/** The last line of every run: exit code, total time, start-up (process start to first cloud call), memory. */
export function logExitLine(log: HookLogger, code: ExitCode): void {
  logExit(log, code);
}

function logExit(log: HookLogger, code: ExitCode): void {
  const origin = performance.timeOrigin;
  log.info('exit', {
    code,
    ms: Math.round(Date.now() - origin),
    firstApiMs: log.firstApiAt === undefined ? undefined : Math.round(log.firstApiAt - origin),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  });
}
