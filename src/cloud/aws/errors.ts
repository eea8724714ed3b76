import { isTransientNetworkCode, networkErrorCode } from '../retry.js';
import type { LaunchFailureKind } from '../types.js';

/** EC2 codes that mean "no room for this type in this zone now": the planner fails over, the adapter does not retry. */
const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
  'MaxSpotInstanceCountExceeded',
  'SpotMaxPriceTooLow',
  'Unsupported',
]);
const QUOTA = new Set(['InstanceLimitExceeded', 'VcpuLimitExceeded', 'InsufficientFreeAddressesInSubnet']);
const THROTTLE = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
]);
const TRANSIENT = new Set(['ServiceUnavailable', 'Unavailable', 'InternalError', 'InternalFailure']);

export interface Ec2ErrorInfo {
  code: string;
  message: string;
  status: number | undefined;
}

export function ec2Error(err: unknown): Ec2ErrorInfo {
  const e = err as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  // No reply: the SDK throws Node's error (a reset one renamed TimeoutError); its code says what broke.
  // A reply that is not EC2's XML (a proxy's 502 page) has no code: its HTTP status is the news.
  const unnamed = e.name === 'Unknown' && status !== undefined ? String(status) : undefined;
  return {
    code: e.Code ?? networkErrorCode(err) ?? unnamed ?? e.name ?? 'Error',
    message: e.message ?? String(err),
    status,
  };
}

/** Throttled, transiently unavailable (5xx) or no reply (connection reset): worth another attempt within the budget. */
export function isRetryable(info: Ec2ErrorInfo): boolean {
  return (
    THROTTLE.has(info.code) ||
    TRANSIENT.has(info.code) ||
    isTransientNetworkCode(info.code) ||
    info.status === 429 ||
    info.status === 503 ||
    (info.status ?? 0) >= 500
  );
}

export function launchFailureKind(code: string): LaunchFailureKind {
  if (CAPACITY.has(code)) return 'capacity';
  if (QUOTA.has(code)) return 'quota';
  if (THROTTLE.has(code)) return 'throttled';
  if (code.startsWith('Invalid') || code === 'MissingParameter' || code === 'UnauthorizedOperation') return 'invalid';
  return 'other';
}
