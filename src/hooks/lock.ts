import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Per-node lock files, so overlapping hook invocations never act on one node at the same time.
 * A lock is `<dir>/<node>.lock`, created with O_EXCL, holding "pid start-ms hook". A lock whose pid
 * is dead is stale and is taken over; the takeover itself is serialized by a short-lived
 * `<node>.takeover` file so two processes that both saw the stale lock cannot both win.
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

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): { pid: number; text: string } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return { pid: Number(text.split(' ')[0]), text };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function nodeLocks(dir: string, hook: string): NodeLocks {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mine = `${process.pid} ${Date.now()} ${hook}\n`;
  const held: string[] = [];
  const lockPath = (node: string) => join(dir, `${node}.lock`);

  // Removes a stale lock only if it still holds the content judged stale; then claims it.
  function takeOver(node: string, staleText: string): boolean {
    const guard = join(dir, `${node}.takeover`);
    if (!tryCreate(guard, mine)) {
      const g = readOwner(guard);
      if (g && !pidAlive(g.pid) && g.text === readOwner(guard)?.text) unlinkQuiet(guard);
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
          } else if (pidAlive(owner.pid)) {
            res.busy.push({ node, pid: owner.pid });
            done = true;
          } else if (takeOver(node, owner.text)) {
            res.held.push(node);
            res.takenOver.push({ node, pid: owner.pid });
            done = true;
          }
        }
        if (!done) {
          const owner = readOwner(lockPath(node));
          res.busy.push({ node, pid: owner?.pid ?? 0 });
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
