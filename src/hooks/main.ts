import { readFileSync } from 'node:fs';
import { CitcError, type ExitCode } from '../core/errors.js';
import { DEFAULT_HOOK_PATHS, type HookRuntime } from '../core/runtime.js';
import { Scontrol } from '../slurm/scontrol.js';
import { type HookArgs, parseHookArgs } from './args.js';
import { hookBudgetMs } from './budget.js';
import { openRunCloud } from './cloud.js';
import { type HookDeps, lazy } from './deps.js';
import { nodeLocks } from './lock.js';
import { type HookLogger, openHookLog } from './log.js';
import { readHookRuntime } from './runtime-file.js';

export type HookName = 'resume' | 'suspend' | 'resume-fail';

/**
 * The shared body of the three entry points: read input, build the real dependencies, run, log any
 * error as one line with its code, subject and remedy, and set the exit code (Slurm only logs it).
 */
export async function hookMain(
  hook: HookName,
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
  let log: HookLogger | undefined;
  try {
    const args = parseHookArgs(hook, argv);
    let runtime: HookRuntime;
    try {
      runtime = readHookRuntime(args.runtimePath);
    } catch (err) {
      log = openHookLog({ hook, file: DEFAULT_HOOK_PATHS.logFile, format: 'text' });
      throw err;
    }
    log = openHookLog({
      hook,
      file: runtime.paths.logFile,
      format: runtime.log.format,
      echo: env.CITC_HOOK_ECHO === '1',
    });
    log.info('start', { hostlist: args.hostlist, runtime: args.runtimePath, slurmConf: env.SLURM_CONF ?? '-' });
    if (resumeFileError) log.warn('resume-file-unreadable', { path: env.SLURM_RESUME_FILE, error: resumeFileError });
    const hookLog = log;
    const scontrol = new Scontrol({
      path: runtime.paths.scontrol,
      slurmConf: env.SLURM_CONF,
      onCall: (c) =>
        (c.error ? hookLog.warn : hookLog.info)('scontrol', { args: c.args.join(' '), ms: c.ms, error: c.error }),
    });
    const slurm = runtime.cluster.slurm;
    // The clock starts when the process does: Slurm's timeout counts from there, not from our first call.
    const deadline =
      Math.round(performance.timeOrigin) +
      hookBudgetMs(hook === 'suspend' ? slurm.suspendTimeout : slurm.resumeTimeout);
    const cloud = lazy(() => openRunCloud(runtime, hookLog, deadline));
    const deps: HookDeps = { runtime, cloud, scontrol, log, locks: nodeLocks(runtime.paths.lockDir, hook), deadline };
    const code = await run(deps, args, input);
    logExit(log, code);
    return code;
  } catch (err) {
    const e =
      err instanceof CitcError
        ? err
        : new CitcError('HOOK_CRASHED', (err as Error)?.message ?? String(err), {
            remedy: 'This is a bug in citc: report it with the log lines above.',
            cause: err,
          });
    const line = { code: e.code, subject: e.subject, message: e.message, remedy: e.remedy, exit: e.exitCode };
    if (log) log.error('error', line);
    else process.stderr.write(`citc ${hook}: ${e.code}: ${e.toLine()}\n`);
    if (!(err instanceof CitcError) && log) log.error('stack', { stack: (err as Error)?.stack });
    if (log) logExit(log, e.exitCode);
    return e.exitCode;
  } finally {
    log?.close();
  }
}

/** The last line of every run: exit code, total time, start-up (process start to first cloud call), memory. */
function logExit(log: HookLogger, code: ExitCode): void {
  const origin = performance.timeOrigin;
  log.info('exit', {
    code,
    ms: Math.round(Date.now() - origin),
    firstApiMs: log.firstApiAt === undefined ? undefined : Math.round(log.firstApiAt - origin),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  });
}
