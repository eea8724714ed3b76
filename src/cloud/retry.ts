import { CitcError, ExitCode } from '../core/errors.js';
import type { ApiCall } from './types.js';

export interface RetryPolicy {
  /** Most ms all attempts of one call may take. */
  budgetMs: number;
  baseMs: number;
  capMs: number;
  /**
   * Epoch ms by which every call of the whole hook run must be over (retries and the request itself):
   * the budget is the invocation's, so many throttled calls cannot add up past ResumeTimeout.
   */
  deadlineMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  budgetMs: 60_000,
  baseMs: 200,
  capMs: 10_000,
};

/**
 * The call could not be made within the time left: throttled past it (CLOUD_THROTTLED) or not started
 * because the run's deadline had passed (CLOUD_TIME_BUDGET). `cloudCode` is the cloud's last error code,
 * for the Slurm reason (e.g. RequestLimitExceeded), or HookTimeBudget when there was none.
 */
export class CloudBudgetError extends CitcError {
  readonly cloudCode: string;

  constructor(
    code: 'CLOUD_THROTTLED' | 'CLOUD_TIME_BUDGET',
    message: string,
    operation: string,
    cloudCode: string,
    cause?: unknown,
  ) {
    super(code, message, {
      subject: operation,
      remedy:
        code === 'CLOUD_THROTTLED'
          ? 'The API rate limit is exhausted: retry later, or lower Slurm ResumeRate/SuspendRate.'
          : 'The hook spent its time budget (half of ResumeTimeout/SuspendTimeout): check the cloud API latency in the log.',
      exitCode: ExitCode.failure,
      cause,
    });
    this.cloudCode = cloudCode;
  }
}

/**
 * Runs one API call, logging every attempt; retries throttled ones with full-jitter backoff while the
 * call's budget and the run's deadline allow. `fn` gets the ms left, to use as the request's timeout.
 */
export async function callWithRetry<T>(
  operation: string,
  count: number,
  fn: (timeoutMs: number) => Promise<T>,
  classify: (err: unknown) => { code: string; throttled: boolean },
  policy: RetryPolicy,
  onApiCall: ((c: ApiCall) => void) | undefined,
): Promise<T> {
  const start = Date.now();
  const until = Math.min(start + policy.budgetMs, policy.deadlineMs ?? Number.POSITIVE_INFINITY);
  let lastCode: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const t0 = Date.now();
    if (t0 >= until) {
      // Throttled up to here (the last back-off ran into the deadline) or never sent at all.
      throw lastCode
        ? new CloudBudgetError(
            'CLOUD_THROTTLED',
            `${operation} was throttled (${lastCode}) until the time left ran out`,
            operation,
            lastCode,
          )
        : new CloudBudgetError(
            'CLOUD_TIME_BUDGET',
            `${operation} was not sent: the hook's time budget is spent`,
            operation,
            'HookTimeBudget',
          );
    }
    try {
      const out = await fn(until - t0);
      onApiCall?.({ operation, count, ms: Date.now() - t0 });
      return out;
    } catch (err) {
      const { code, throttled } = classify(err);
      onApiCall?.({ operation, count, ms: Date.now() - t0, errorCode: code });
      // Cut off because the time left ran out: report the throttling that used the time up, if any.
      if (isTimeout(err)) {
        throw new CloudBudgetError(
          lastCode ? 'CLOUD_THROTTLED' : 'CLOUD_TIME_BUDGET',
          `${operation} got no reply within the time left (${until - t0} ms)`,
          operation,
          lastCode ?? 'TimeoutError',
          err,
        );
      }
      if (!throttled) throw err;
      lastCode = code;
      // Full jitter (AWS architecture blog): sleep uniform in [0, min(cap, base*2^n)].
      const sleep = Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
      if (Date.now() + sleep >= until) {
        throw new CloudBudgetError(
          'CLOUD_THROTTLED',
          `${operation} was throttled (${code}) for ${Date.now() - start} ms, past the time left (${until - start} ms)`,
          operation,
          code,
          err,
        );
      }
      await new Promise((r) => setTimeout(r, sleep));
    }
  }
}

/** withTimeout's TimeoutError, or the AWS SDK's abort when AbortSignal.timeout fires. */
function isTimeout(err: unknown): boolean {
  const name = (err as Error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The cloud's own code inside a budget error, else the error's code or name: for Slurm reasons and logs. */
export function cloudCodeOf(err: unknown): string {
  if (err instanceof CloudBudgetError) return err.cloudCode;
  return (err as { code?: string }).code ?? (err as Error)?.name ?? 'Error';
}

/**
 * Rejects with a TimeoutError after `ms` when the client has no request timeout of its own (the GCE
 * REST fallback ignores gax's); the entry points exit when done, so a late reply holds nothing up.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${operation} got no reply within ${Math.round(ms)} ms`);
      err.name = 'TimeoutError';
      reject(err);
    }, ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
