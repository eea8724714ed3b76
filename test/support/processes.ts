import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/**
 * SIGKILL by pid and wait for the exit (slurmd is slow to honour SIGTERM). With SIGTERM (a daemon that
 * saves its state on the way out), SIGKILL follows after `graceMs`.
 */
export function stopDaemon(
  child: ChildProcess | undefined,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
  graceMs = 15_000,
): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = signal === 'SIGTERM' ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill(signal);
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

/**
 * The new pid namespace `pid` starts its children in (`unshare --pid` creates one), as its inode link;
 * undefined until it has one of its own (before unshare(2) it is ours, which must never be killed).
 */
export function childPidNamespace(pid: number): string | undefined {
  try {
    const ns = readlinkSync(`/proc/${pid}/ns/pid_for_children`);
    return ns === readlinkSync('/proc/self/ns/pid') ? undefined : ns;
  } catch {
    return undefined;
  }
}

/** Every process in one of the pid namespaces `ns` (links from childPidNamespace), by host pid. */
export function processesIn(ns: ReadonlySet<string>): number[] {
  if (ns.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (ns.has(readlinkSync(`/proc/${entry}/ns/pid`))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** SIGKILLs every process of pid namespace `ns` and waits until none is left. */
export async function killNamespace(ns: string, ms = 10_000): Promise<void> {
  const set = new Set([ns]);
  await waitFor(
    `every process of ${ns} to end`,
    ms,
    async () => {
      const left = processesIn(set);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      return left.length === 0;
    },
    50,
  );
}

/** Processes whose command line names `path` (a hook's bundle), by pid. */
export function processesWith(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(path)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
