import { readFileSync } from 'node:fs';
import { CitcError, ExitCode } from '../core/errors.js';
import { checkHookRuntime, type HookRuntime } from '../core/runtime.js';

/** Reads and shape-checks runtime.json; any problem is one CitcError with exit code 2. */
export function readHookRuntime(path: string): HookRuntime {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CitcError('RUNTIME_UNREADABLE', `cannot read the hook runtime: ${(err as Error).message}`, {
      subject: path,
      remedy: 'Run `citc deploy` (it installs runtime.json) or pass --runtime <path>.',
      exitCode: ExitCode.usage,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CitcError('RUNTIME_INVALID', `the hook runtime is not JSON: ${(err as Error).message}`, {
      subject: path,
      remedy: 'Run `citc deploy` again to reinstall it.',
      exitCode: ExitCode.usage,
    });
  }
  const problem = checkHookRuntime(raw);
  if (problem) {
    throw new CitcError('RUNTIME_INVALID', `the hook runtime is malformed: ${problem}`, {
      subject: path,
      remedy: 'Run `citc deploy` again to reinstall it.',
      exitCode: ExitCode.usage,
    });
  }
  const rt = raw as HookRuntime;
  if (!rt.log || (rt.log.format !== 'json' && rt.log.format !== 'text')) rt.log = { format: 'text' };
  return rt;
}
