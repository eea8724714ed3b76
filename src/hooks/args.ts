import { CitcError, ExitCode } from '../core/errors.js';
import { DEFAULT_RUNTIME_PATH } from '../core/runtime.js';

export interface HookArgs {
  runtimePath: string;
  /** The one ranged hostlist Slurm passes, e.g. `compute-c5-[1-3,7]`. */
  hostlist: string;
}

/** argv after the script: `[--runtime <path>] <hostlist>` (the wrapper script passes --runtime). */
export function parseHookArgs(hook: string, argv: readonly string[]): HookArgs {
  let runtimePath = DEFAULT_RUNTIME_PATH;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--runtime') {
      const v = argv[++i];
      if (!v) throw usage(hook, '--runtime needs a path');
      runtimePath = v;
    } else if (a.startsWith('--runtime=')) {
      runtimePath = a.slice('--runtime='.length);
    } else {
      rest.push(a);
    }
  }
  if (rest.length !== 1 || !rest[0]) {
    throw usage(hook, `expected one hostlist argument, got ${rest.length}${rest.length ? `: ${rest.join(' ')}` : ''}`);
  }
  return { runtimePath, hostlist: rest[0] };
}

function usage(hook: string, message: string): CitcError {
  return new CitcError('HOOK_USAGE', message, {
    subject: hook,
    remedy: `Run it as: ${hook} [--runtime /etc/citc/runtime.json] <hostlist>.`,
    exitCode: ExitCode.usage,
  });
}

export interface PassArgs {
  runtimePath: string;
  dryRun: boolean;
  json: boolean;
}

/** `reconcile [--runtime PATH] [--dry-run] [--json]` and `nodes [--runtime PATH] [--json]`. */
export function parsePassArgs(name: 'reconcile' | 'nodes', argv: readonly string[]): PassArgs {
  const out: PassArgs = { runtimePath: DEFAULT_RUNTIME_PATH, dryRun: false, json: false };
  const usageLine = `Run it as: ${name} [--runtime /etc/citc/runtime.json]${name === 'reconcile' ? ' [--dry-run]' : ''} [--json].`;
  const bad = (message: string) =>
    new CitcError('PASS_USAGE', message, { subject: name, remedy: usageLine, exitCode: ExitCode.usage });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--runtime') {
      const v = argv[++i];
      if (!v) throw bad('--runtime needs a path');
      out.runtimePath = v;
    } else if (a.startsWith('--runtime=')) out.runtimePath = a.slice('--runtime='.length);
    else if (a === '--json') out.json = true;
    else if (a === '--dry-run' && name === 'reconcile') out.dryRun = true;
    else throw bad(`unknown argument ${JSON.stringify(a)}`);
  }
  return out;
}
