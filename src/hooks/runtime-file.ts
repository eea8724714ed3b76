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

/**
 * What a runtime that failed its check still tells: its log file, log format and scontrol, when they are
 * absolute paths. So the error of a malformed runtime lands in the cluster's own log, not the default.
 */
export function runtimeHints(path: string): { logFile?: string; format?: 'text' | 'json'; scontrol?: string } {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as {
      paths?: { logFile?: unknown; scontrol?: unknown };
      log?: { format?: unknown };
    };
    const abs = (v: unknown) => (typeof v === 'string' && v.startsWith('/') ? v : undefined);
    const logFile = abs(raw?.paths?.logFile);
    const scontrol = abs(raw?.paths?.scontrol);
    const format = raw?.log?.format === 'json' || raw?.log?.format === 'text' ? raw.log.format : undefined;
    return { ...(logFile && { logFile }), ...(scontrol && { scontrol }), ...(format && { format }) };
  } catch {
    return {};
  }
}
