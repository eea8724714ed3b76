import { CitcError, ExitCode } from '../core/errors.js';
import { launchLimitsOf, startRunClock } from './launch-window.js';
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
 * The call could not be made within the time left: throttled past it (CLOUD_THROTTLED), the API not
 * reachable (connection reset/refused, DNS) until then (CLOUD_UNREACHABLE), or not started because the
 * run's deadline had passed (CLOUD_TIME_BUDGET). `cloudCode` is the cloud's last error code, for the
 * Slurm reason (e.g. RequestLimitExceeded, ECONNRESET), or HookTimeBudget when there was none.
 */
export class CloudBudgetError extends CitcError {
  readonly cloudCode: string;

  constructor(
    code: 'CLOUD_THROTTLED' | 'CLOUD_UNREACHABLE' | 'CLOUD_TIME_BUDGET',
    message: string,
    operation: string,
    cloudCode: string,
    cause?: unknown,
  ) {
    super(code, message, {
      subject: operation,
      remedy: REMEDY[code],
      exitCode: ExitCode.failure,
      cause,
    });
    this.cloudCode = cloudCode;
  }
}

const REMEDY = {
  CLOUD_THROTTLED: 'The API rate limit is exhausted: retry later, or lower Slurm ResumeRate/SuspendRate.',
  CLOUD_UNREACHABLE:
    "The connection to the cloud API kept failing: check the management node's network route, DNS and proxy to provider.endpoint.",
  CLOUD_TIME_BUDGET:
    'The hook spent its time budget (half of ResumeTimeout/SuspendTimeout): check the cloud API latency in the log.',
} as const;

/**
 * Node's codes for a connection that failed or broke with no HTTP reply (socket hang up is ECONNRESET;
 * UND_ERR_* are fetch's). No reply means the call may or may not have happened: citc retries only calls
 * that are safe to repeat (list, describe, terminate, delete, and launches made idempotent by a
 * ClientToken or fixed instance names).
 */
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The Node/network error code of an error that got no HTTP reply (on the error or its cause, as the
 * SDKs wrap it), e.g. ECONNRESET or ENOTFOUND; undefined for HTTP errors and everything else.
 */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; depth++) {
    if (typeof e.code === 'string' && /^(E(?!RR_)[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** A network error worth another attempt (a reset or refused connection, a DNS hiccup); not ENOTFOUND. */
export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_NETWORK.has(code);
}

/**
 * Runs one API call, logging every attempt; retries throttled and transiently failed ones (5xx, a
 * dropped connection) with full-jitter backoff while the call's budget and the run's deadline allow.
 * `fn` gets the ms left, to use as the request's timeout. Launch calls keep to the launch window
 * (launch-window.ts); the retrying itself knows nothing of launches.
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
  startRunClock(policy, start);
  const end = Math.min(start + policy.budgetMs, policy.deadlineMs ?? Number.POSITIVE_INFINITY);
  // Launches keep to the launch window (launch-window.ts); every other call has the whole time left.
  const launch = launchLimitsOf(operation, policy, start);
  // Every attempt is over by `until`; an attempt is only started before `sendBy`.
  const until = launch?.until ?? end;
  const sendBy = launch?.sendBy ?? end;
  let last: { code: string; network: boolean } | undefined;
  // Retried up to here (the last back-off ran into the time left) or never sent at all.
  const outOfTime = (cause?: unknown): CloudBudgetError => {
    if (!last) {
      return new CloudBudgetError(
        'CLOUD_TIME_BUDGET',
        launch
          ? `${operation} was not sent: less than the ${Math.round(launch.minMs)} ms a launch needs is left of the hook's time budget`
          : `${operation} was not sent: the hook's time budget is spent`,
        operation,
        'HookTimeBudget',
        cause,
      );
    }
    const ms = Date.now() - start;
    return last.network
      ? new CloudBudgetError(
          'CLOUD_UNREACHABLE',
          `${operation} got no reply (${last.code}) on any attempt for ${ms} ms, until the time left ran out`,
          operation,
          last.code,
          cause,
        )
      : new CloudBudgetError(
          'CLOUD_THROTTLED',
          `${operation} was throttled (${last.code}) for ${ms} ms, until the time left ran out`,
          operation,
          last.code,
          cause,
        );
  };
  for (let attempt = 0; ; attempt++) {
    const t0 = Date.now();
    if (t0 >= sendBy) throw outOfTime();
    try {
      const out = await fn(until - t0);
      onApiCall?.({ operation, count, ms: Date.now() - t0 });
      return out;
    } catch (err) {
      const { code, throttled } = classify(err);
      onApiCall?.({ operation, count, ms: Date.now() - t0, errorCode: code });
      // Cut off because the time left ran out: report the error that used the time up, if any.
      if (isTimeout(err)) {
        if (last) throw outOfTime(err);
        throw new CloudBudgetError(
          'CLOUD_TIME_BUDGET',
          `${operation} got no reply within the time left (${until - t0} ms)`,
          operation,
          'TimeoutError',
          err,
        );
      }
      if (!throttled) throw err;
      last = { code, network: isTransientNetworkCode(networkErrorCode(err)) };
      // Full jitter (AWS architecture blog): sleep uniform in [0, min(cap, base*2^n)].
      const sleep = Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
      if (Date.now() + sleep >= sendBy) throw outOfTime(err);
      await new Promise((r) => setTimeout(r, sleep));
    }
  }
}

/**
 * withTimeout's TimeoutError, or the AWS SDK's abort when AbortSignal.timeout fires. Not the AWS SDK's
 * TimeoutError for a reset or broken connection (it names ECONNRESET/EPIPE/ETIMEDOUT so): no reply.
 */
function isTimeout(err: unknown): boolean {
  const name = (err as Error)?.name;
  return (name === 'TimeoutError' || name === 'AbortError') && networkErrorCode(err) === undefined;
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
