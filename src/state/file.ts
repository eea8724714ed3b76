import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CitcError, ExitCode } from '../core/errors.js';
import type { ClusterState } from '../core/state.js';

/** Where a cluster's work files live: `<dir of citc.yaml>/.citc/<cluster>/` unless overridden. */
export function clusterWorkDir(configPath: string, cluster: string, override?: string): string {
  return override ?? join(dirname(configPath), '.citc', cluster);
}

export function statePath(workDir: string): string {
  return join(workDir, 'state.json');
}

/** Reads a state file; undefined when there is none yet. A corrupt file is a CitcError, not a crash. */
export async function readState(path: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CitcError('STATE_UNREADABLE', `cannot read the state file: ${(err as Error).message}`, {
      subject: path,
      remedy: 'Check its permissions.',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CitcError('STATE_CORRUPT', `the state file is not valid JSON (${(err as Error).message})`, {
      subject: path,
      remedy: 'Restore it from a backup, or move it away and run `citc deploy` again to rebuild it.',
      exitCode: ExitCode.failure,
    });
  }
  const s = parsed as Partial<ClusterState> | null;
  if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.cluster !== 'string') {
    throw new CitcError('STATE_CORRUPT', 'the state file is not a citc state file (version 1)', {
      subject: path,
      remedy: 'Restore it from a backup, or move it away and run `citc deploy` again to rebuild it.',
    });
  }
  return s as ClusterState;
}

/** Writes atomically: a temporary file in the same directory, then rename. */
export async function writeState(path: string, state: ClusterState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
