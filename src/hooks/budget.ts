/**
 * How long a hook may work. Slurm 23.02+ kills the hook's process group after its timeout, and a
 * resume that is still launching when ResumeTimeout strikes leaves the node DOWN anyway, so the hook
 * keeps half the timeout (at most 5 minutes, at least 5 s) and reports what it has by then.
 */
export function hookBudgetMs(timeoutSeconds: number): number {
  const half = (timeoutSeconds * 1000) / 2;
  return Math.max(5_000, Math.min(half, 300_000));
}

/** Exponential backoff with full jitter, for throttled calls. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 200, capMs = 5_000): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
