import { CitcError, ExitCode } from '../core/errors.js';
import type { ApiCall } from './types.js';

export interface RetryPolicy {
  /** Total ms all attempts of one call may take before the adapter gives up. */
  budgetMs: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  budgetMs: 60_000,
  baseMs: 200,
  capMs: 10_000,
};

/** Runs one API call, logging every attempt; retries throttled ones with full-jitter backoff within the budget. */
export async function callWithRetry<T>(
  operation: string,
  count: number,
  fn: () => Promise<T>,
  classify: (err: unknown) => { code: string; throttled: boolean },
  policy: RetryPolicy,
  onApiCall: ((c: ApiCall) => void) | undefined,
): Promise<T> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    const t0 = Date.now();
    try {
      const out = await fn();
      onApiCall?.({ operation, count, ms: Date.now() - t0 });
      return out;
    } catch (err) {
      const { code, throttled } = classify(err);
      onApiCall?.({ operation, count, ms: Date.now() - t0, errorCode: code });
      if (!throttled) throw err;
      // Full jitter (AWS architecture blog): sleep uniform in [0, min(cap, base*2^n)].
      const sleep = Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
      if (Date.now() - start + sleep > policy.budgetMs) {
        throw new CitcError(
          'CLOUD_THROTTLED',
          `${operation} was throttled (${code}) for ${Date.now() - start} ms, past the ${policy.budgetMs} ms budget`,
          {
            subject: operation,
            remedy: 'The API rate limit is exhausted: retry later, or lower Slurm ResumeRate/SuspendRate.',
            exitCode: ExitCode.failure,
            cause: err,
          },
        );
      }
      await new Promise((r) => setTimeout(r, sleep));
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
