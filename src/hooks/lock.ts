import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CitcError, ExitCode } from '../core/errors.js';

/**
 * Per-node lock files, so overlapping hook invocations never act on one node at the same time.
 * A lock is `<dir>/<node>.lock` holding "pid start-ms hook proc-start": written to a private file first
 * and hard-linked into place, so it never exists without its owner in it. A lock whose owner is gone
 * (pid dead, or the pid now belongs to a process started at another time) is stale and is taken over;
 * the takeover itself is serialized by a short-lived `<node>.takeover` file so two processes that both
 * saw the stale lock cannot both win.
 */
export interface LockResult {
  /** Nodes this process now holds. */
  held: string[];
  /** Nodes another live process holds: that process is handling them, so skip them. */
  busy: { node: string; pid: number }[];
  /** Stale locks that were taken over (their owner died). */
  takenOver: { node: string; pid: number }[];
}

export interface NodeLocks {
  acquire(nodes: readonly string[]): LockResult;
  release(): void;
}

/** A lock file without a readable owner younger than this is being written by someone else: busy. */
const UNREADABLE_GRACE_MS = 10_000;

/** The kernel's start time of a process (clock ticks since boot, /proc/PID/stat field 22), if known. */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm)" come the fields from 3 (state) on: starttime, field 22, is the 20th.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Owner {
  pid: number;
  /** The owner's /proc start time when the lock recorded it. */
  started?: string;
  text: string;
  /** Age of the file in ms. */
  ageMs: number;
}

const pidOf = (o: Owner | undefined): number => (o && Number.isInteger(o.pid) ? o.pid : 0);

/** Whether the owner of a lock still runs: its pid lives and, when recorded, started when it did. */
function ownerAlive(o: Owner): boolean {
  if (!Number.isInteger(o.pid) || o.pid <= 0) return o.ageMs < UNREADABLE_GRACE_MS; // not ours to judge yet
  if (!pidAlive(o.pid)) return false;
  if (o.started === undefined) return true;
  const now = procStart(o.pid);
  return now === undefined || now === o.started;
}

/** Creates `path` with `content`, atomically and only if it does not exist. */
function tryCreate(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuiet(tmp);
  }
}

function readOwner(path: string): Owner | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const [pid, , , started] = text.trim().split(' ');
    return { pid: Number(pid || Number.NaN), ...(started && started !== '-' && { started }), text, ageMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function nodeLocks(dir: string, hook: string): NodeLocks {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mine = `${process.pid} ${Date.now()} ${hook} ${procStart(process.pid) ?? '-'}\n`;
  const held: string[] = [];
  const lockPath = (node: string) => join(dir, `${node}.lock`);

  // Removes a stale lock only if it still holds the content judged stale; then claims it.
  function takeOver(node: string, staleText: string): boolean {
    const guard = join(dir, `${node}.takeover`);
    if (!tryCreate(guard, mine)) {
      const g = readOwner(guard);
      if (g && !ownerAlive(g) && g.text === readOwner(guard)?.text) unlinkQuiet(guard);
      return false;
    }
    try {
      const now = readOwner(lockPath(node));
      if (now && now.text !== staleText) return false;
      if (now) unlinkQuiet(lockPath(node));
      return tryCreate(lockPath(node), mine);
    } finally {
      unlinkQuiet(guard);
    }
  }

  return {
    acquire(nodes) {
      const res: LockResult = { held: [], busy: [], takenOver: [] };
      for (const node of nodes) {
        let done = false;
        for (let attempt = 0; attempt < 3 && !done; attempt++) {
          if (tryCreate(lockPath(node), mine)) {
            res.held.push(node);
            done = true;
            break;
          }
          const owner = readOwner(lockPath(node));
          if (!owner) continue; // released between our two calls: try again
          if (owner.pid === process.pid) {
            res.held.push(node);
            done = true;
          } else if (ownerAlive(owner)) {
            res.busy.push({ node, pid: pidOf(owner) });
            done = true;
          } else if (takeOver(node, owner.text)) {
            res.held.push(node);
            res.takenOver.push({ node, pid: pidOf(owner) });
            done = true;
          }
        }
        if (!done) {
          const owner = readOwner(lockPath(node));
          res.busy.push({ node, pid: pidOf(owner) });
        }
      }
      held.push(...res.held);
      return res;
    },
    release() {
      for (const node of held.splice(0)) {
        // Only remove what is still ours: a lock taken over after we were presumed dead is not.
        if (readOwner(lockPath(node))?.text === mine) unlinkQuiet(lockPath(node));
      }
    },
  };
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * nodeLocks, with its failure named by its real cause: `mkdir -p` on a read-only file system reports
 * ENOENT for the missing directory, so the nearest existing ancestor is tried with a file of our own, and
 * that error (EROFS, EACCES, ENOSPC) is the one reported. A directory that exists but cannot be written
 * is found here too, before any node is judged.
 */
export function openNodeLocks(dir: string, hook: string): NodeLocks {
  try {
    const locks = nodeLocks(dir, hook);
    probeWritable(dir);
    return locks;
  } catch (err) {
    const cause = realCause(dir, err as NodeJS.ErrnoException);
    throw new CitcError(
      'LOCK_DIR_UNUSABLE',
      `cannot use the lock directory: ${cause.code ?? 'Error'}: ${cause.message}`,
      {
        subject: dir,
        remedy:
          'Make paths.lockDir of runtime.json a writable directory for the user the hooks run as (it is /run/citc/locks, made at boot by tmpfiles.d).',
        exitCode: ExitCode.failure,
        cause,
      },
    );
  }
}

function probeWritable(dir: string): void {
  const probe = join(dir, `.probe.${process.pid}`);
  writeFileSync(probe, '');
  unlinkQuiet(probe);
}

function realCause(dir: string, err: NodeJS.ErrnoException): NodeJS.ErrnoException {
  if (err.code !== 'ENOENT') return err;
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    probeWritable(d);
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
  return err;
}
