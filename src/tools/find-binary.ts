import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CitcError, ExitCode } from '../core/errors.js';

/** The absolute path of an executable on PATH, or undefined. */
export async function onPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next PATH entry
    }
  }
  return undefined;
}

/** Finds an executable on PATH, or throws the exit-3 error naming what to install. */
export async function findBinary(
  name: string,
  installHint: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const found = await onPath(name, env);
  if (found) return found;
  throw new CitcError('TOOL_MISSING', `${name} is not installed (not found on PATH)`, {
    subject: name,
    remedy: installHint,
    exitCode: ExitCode.missingTool,
  });
}
