import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, waitFor } from './processes.js';

const MUNGE_KEY = '/etc/munge/munge.key';

/** A private munged (own socket under `dir`), so a munge already running on the machine is untouched. */
export async function startMunged(dir: string): Promise<{ socket: string; child: ChildProcess }> {
  await mkdir(join(dir, 'munge'), { recursive: true });
  const socket = join(dir, 'munge', 'munge.socket');
  const pidFile = join(dir, 'munge', 'munged.pid');
  // --force: munged refuses the container's log directory ownership otherwise (local-slurm.md).
  const child = startDaemon('munged', '/usr/sbin/munged', [
    '--foreground',
    '--force',
    `--socket=${socket}`,
    `--key-file=${MUNGE_KEY}`,
    `--pid-file=${pidFile}`,
    `--log-file=${join(dir, 'log', 'munged.log')}`,
    `--seed-file=${join(dir, 'munge', 'munged.seed')}`,
  ]);
  await waitFor('munged to start', 10_000, async () => {
    if (child.exitCode !== null) throw new Error(`munged exited with ${child.exitCode}`);
    await readFile(pidFile);
    return true;
  });
  return { socket, child };
}
