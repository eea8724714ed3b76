import type { HookLogger } from './log.js';

/** Runs one cloud call and logs it as an `api` line (operation, count, ms, and the error code if it threw). */
export async function timed<T>(
  deps: { log: Pick<HookLogger, 'apiCall'>; now?: () => number },
  op: string,
  count: number,
  fn: () => Promise<T>,
): Promise<T> {
  const now = deps.now ?? Date.now;
  const started = now();
  try {
    const r = await fn();
    deps.log.apiCall(op, count, now() - started);
    return r;
  } catch (err) {
    deps.log.apiCall(op, count, now() - started, (err as { code?: string }).code ?? (err as Error).name);
    throw err;
  }
}
