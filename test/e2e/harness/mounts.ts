import { execFile, execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const mounted = new Set<string>();
let hooked = false;

/** A failed or interrupted test must not leave a read-only mount behind (nor a temp dir that cannot go). */
function unmountAllSync(): void {
  for (const dir of mounted) {
    try {
      execFileSync('/usr/bin/umount', [dir]);
    } catch {
      // already gone
    }
  }
  mounted.clear();
}

/**
 * Makes `dir` read-only where it is, contents kept (a read-only bind mount of itself: EROFS for every
 * writer, root included, as a full or remounted file system gives). Returns what undoes it.
 */
export async function readOnly(dir: string): Promise<() => Promise<void>> {
  if (!hooked) {
    hooked = true;
    process.on('exit', unmountAllSync);
  }
  await mkdir(dir, { recursive: true });
  await run('/usr/bin/mount', ['--bind', dir, dir]);
  mounted.add(dir);
  await run('/usr/bin/mount', ['-o', 'remount,bind,ro', dir]);
  return async () => {
    if (!mounted.delete(dir)) return;
    await run('/usr/bin/umount', [dir]);
  };
}
