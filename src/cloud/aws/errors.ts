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
  return {
    code: e.Code ?? e.name ?? 'Error',
    message: e.message ?? String(err),
    status: e.$metadata?.httpStatusCode,
  };
}

/** Throttled or transiently unavailable: worth another attempt within the budget. */
export function isRetryable(info: Ec2ErrorInfo): boolean {
  return (
    THROTTLE.has(info.code) ||
    TRANSIENT.has(info.code) ||
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
