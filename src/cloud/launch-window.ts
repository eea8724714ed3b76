import type { RetryPolicy } from './retry.js';
import type { CloudProvider } from './types.js';

/**
 * The launch window, a policy kept apart from the retrying in retry.ts (which applies it to launch calls).
 * Launches. A launch sent with moments left is cut off while the cloud may still be creating the
 * instance, and the node is failed with it half made: so a launch attempt is not sent with less than
 * `minMs` left, and it must be over `tailMs` before the deadline, so the resume run can still list the
 * nodes of a cut-off launch and terminate what it started (src/hooks/resume.ts).
 * RunInstances answers in seconds; a bulkInsert's operation takes up to a minute. Neither floor may be
 * more than a share of the run's whole budget, or a short budget (a small ResumeTimeout, the tests)
 * would never launch: with ResumeTimeout 600 (5 min budget) they are 20 s / 60 s and a 10 s tail;
 * at the 5 s least budget, 1.25 s and 0.5 s.
 */
export const MIN_LAUNCH_MS: Record<CloudProvider, number> = { aws: 20_000, gcp: 60_000 };
export const MIN_LAUNCH_SHARE = 0.25;
export const LAUNCH_TAIL_MS = 10_000;
export const LAUNCH_TAIL_SHARE = 0.1;

/** The launch calls by the adapters' operation names. */
const LAUNCH_OPERATIONS: Record<string, CloudProvider> = { RunInstances: 'aws', 'instances.bulkInsert': 'gcp' };

export function launchWindow(provider: CloudProvider, totalMs: number): { minMs: number; tailMs: number } {
  return {
    minMs: Math.min(MIN_LAUNCH_MS[provider], MIN_LAUNCH_SHARE * totalMs),
    tailMs: Math.min(LAUNCH_TAIL_MS, LAUNCH_TAIL_SHARE * totalMs),
  };
}

// The run's clock, for the launch window's share: an adapter keeps one policy for its life, so the
// first call through it is the start of the run (a hook's first call comes right after it starts).
const firstCallAt = new WeakMap<RetryPolicy, number>();

/** Starts the run's clock at the first call through `policy` (callWithRetry calls it for every call). */
export function startRunClock(policy: RetryPolicy, now: number): void {
  if (!firstCallAt.has(policy)) firstCallAt.set(policy, now);
}

/** The limits of a launch call (by its operation name), or undefined for every other call. */
export function launchLimitsOf(
  operation: string,
  policy: RetryPolicy,
  now: number,
): { until: number; sendBy: number; minMs: number } | undefined {
  const provider = LAUNCH_OPERATIONS[operation];
  return provider ? launchLimits(provider, policy, now) : undefined;
}

/**
 * For a launch by `provider` starting at `now` under `policy`: `until`, by when it must be over (its
 * request and, for GCE, the wait for its operation), and `sendBy`, before when an attempt may start.
 */
export function launchLimits(
  provider: CloudProvider,
  policy: RetryPolicy,
  now = Date.now(),
): { until: number; sendBy: number; minMs: number } {
  if (!firstCallAt.has(policy)) firstCallAt.set(policy, now);
  const deadline = policy.deadlineMs ?? Number.POSITIVE_INFINITY;
  const runMs = Math.min(policy.budgetMs, deadline - (firstCallAt.get(policy) ?? now));
  const { minMs, tailMs } = launchWindow(provider, runMs);
  const end = Math.min(now + policy.budgetMs, deadline);
  return { until: end - tailMs, sendBy: end - minMs, minMs };
}
