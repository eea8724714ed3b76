import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/**
 * Every daemon the harness starts, by pid, so it can always stop them: on stop(), and on process exit
 * or a fatal signal (a failed or interrupted test must leave no munged/slurmctld/slurmd behind).
 */
const live = new Map<number, { name: string; child: ChildProcess }>();
let hooked = false;

function killAllSync(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHandlers(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

export function startDaemon(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  installExitHandlers();
  const child = spawn(cmd, args, { stdio: 'ignore', ...opts });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  const pid = child.pid;
  live.set(pid, { name, child });
  child.once('exit', () => live.delete(pid));
  return child;
}

/** SIGKILL by pid and wait for the exit (slurmd is slow to honour SIGTERM). */
export function stopDaemon(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      child.kill('SIGKILL');
    } catch {
      resolve();
    }
  });
}

export function runningDaemons(): string[] {
  return [...live.entries()].map(([pid, d]) => `${d.name}[${pid}]`);
}

export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined | false>,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + ms;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${ms} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`,
  );
}
