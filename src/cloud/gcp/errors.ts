import { isTransientNetworkCode, networkErrorCode } from '../retry.js';
import type { LaunchFailureKind } from '../types.js';

/** Operation error codes that mean "no room in this zone for this machine type now". */
const CAPACITY = new Set([
  'ZONE_RESOURCE_POOL_EXHAUSTED',
  'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
  'RESOURCE_POOL_EXHAUSTED',
  'STOCKOUT',
  'UNSUPPORTED_OPERATION',
]);
const QUOTA = new Set(['QUOTA_EXCEEDED', 'quotaExceeded', 'RESOURCE_EXHAUSTED']);
const THROTTLE = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);

export interface GceErrorInfo {
  /** The API's reason (rateLimitExceeded, notFound ...) or HTTP-ish code. */
  code: string;
  message: string;
  /** HTTP status when the call itself failed. */
  status: number | undefined;
}

// gax maps HTTP statuses to gRPC codes; map back the ones citc acts on.
const GRPC_TO_HTTP: Record<number, number> = {
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  13: 500,
  14: 503,
  4: 504,
};

/**
 * Reads what the REST fallback throws: a GoogleError (gRPC code) or a GaxiosError whose message is the
 * API's JSON error body (`{error:{code,message,errors:[{reason}]}}`) and whose response has the HTTP status.
 */
export function gceError(err: unknown): GceErrorInfo {
  const e = err as {
    code?: number | string;
    status?: number;
    response?: { status?: number };
    message?: string;
    reason?: string;
    errors?: { reason?: string }[];
  };
  // withTimeout's: the REST fallback has no request timeout of its own.
  if ((err as Error)?.name === 'TimeoutError')
    return { code: 'TimeoutError', message: e.message ?? 'timed out', status: undefined };
  // No reply at all (connection reset or refused, DNS): Node's code says what broke.
  const network = networkErrorCode(err);
  if (network) return { code: network, message: e.message ?? String(err), status: undefined };
  const body = parseBody(e.message ?? '');
  const status =
    e.response?.status ??
    body?.code ??
    (typeof e.code === 'string' && /^\d{3}$/.test(e.code) ? Number(e.code) : undefined) ??
    (typeof e.code === 'number' ? GRPC_TO_HTTP[e.code] : undefined);
  const reason = e.reason ?? e.errors?.[0]?.reason ?? body?.errors?.[0]?.reason;
  return {
    code: reason ?? (status ? String(status) : String(e.code ?? 'Error')),
    message: body?.message ?? e.message ?? String(err),
    status,
  };
}

/** One call's error inside a batch response: its HTTP status and the API's JSON error body. */
export function batchPartError(status: number, body: unknown): GceErrorInfo {
  const e = (body as { error?: { message?: string; errors?: { reason?: string }[] } } | undefined)?.error;
  const reason = e?.errors?.[0]?.reason;
  return {
    code: reason ?? String(status),
    message: e?.message ?? (typeof body === 'string' ? body.slice(0, 200) : `HTTP ${status}`),
    status,
  };
}

function parseBody(message: string): { code?: number; message?: string; errors?: { reason?: string }[] } | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    return (JSON.parse(message) as { error?: { code?: number; message?: string; errors?: { reason?: string }[] } })
      .error;
  } catch {
    return undefined;
  }
}

/** Throttled, a server or gateway error (500, 502, 503, 504) or no reply (connection reset): worth another attempt. */
export function isRetryable(info: GceErrorInfo): boolean {
  return (
    THROTTLE.has(info.code) ||
    isTransientNetworkCode(info.code) ||
    info.status === 429 ||
    info.status === 500 ||
    info.status === 502 ||
    info.status === 503 ||
    info.status === 504 ||
    info.code === 'backendError'
  );
}

export function isNotFound(info: GceErrorInfo): boolean {
  return info.status === 404 || info.code === 'notFound';
}

export function launchFailureKind(code: string): LaunchFailureKind {
  if (CAPACITY.has(code)) return 'capacity';
  if (QUOTA.has(code)) return 'quota';
  if (THROTTLE.has(code)) return 'throttled';
  if (code === 'invalid' || code === 'badRequest' || code.startsWith('INVALID')) return 'invalid';
  return 'other';
}
