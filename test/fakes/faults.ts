/**
 * Fault injection shared by the EC2 and Compute Engine fakes. Tests drive it in-process
 * (`fake.faults.throttle(3)`); a fake in another process takes the same JSON at POST /__fake/faults.
 */
export interface CountedFault {
  /** How many of the next matching calls fail. */
  count: number;
  /** Only this operation (RunInstances, bulkInsert, ...); absent: any. */
  operation?: string;
}

export interface CapacityFault {
  zone?: string;
  instanceType?: string;
  /** The cloud's code; default InsufficientInstanceCapacity / ZONE_RESOURCE_POOL_EXHAUSTED. */
  code?: string;
  /** Launches it applies to; absent: until cleared. */
  times?: number;
}

export interface FaultSpec {
  throttle?: CountedFault;
  serverErrors?: CountedFault;
  capacity?: CapacityFault[];
  /** GCE: the next `count` delete operations end with this error code and leave the instance running. */
  deleteErrors?: { count: number; code: string };
  /** The next launch creates at most this many instances (partial launch). */
  partial?: number;
  /** Every reply is delayed by this many ms. */
  slowMs?: number;
  /** Drop every fault first. */
  clear?: boolean;
}

export class Faults {
  private throttles: CountedFault[] = [];
  private errors: CountedFault[] = [];
  private capacities: CapacityFault[] = [];
  private partialNext: number | undefined;
  private deleteFaults: { count: number; code: string }[] = [];
  slowMs = 0;

  apply(spec: FaultSpec): void {
    if (spec.clear) this.clear();
    if (spec.throttle) this.throttle(spec.throttle.count, spec.throttle.operation);
    if (spec.serverErrors) this.serverError(spec.serverErrors.count, spec.serverErrors.operation);
    for (const c of spec.capacity ?? []) this.capacity(c);
    if (spec.deleteErrors) this.deleteError(spec.deleteErrors.count, spec.deleteErrors.code);
    if (spec.partial !== undefined) this.partial(spec.partial);
    if (spec.slowMs !== undefined) this.slow(spec.slowMs);
  }

  throttle(count: number, operation?: string): this {
    this.throttles.push({ count, ...(operation && { operation }) });
    return this;
  }

  serverError(count: number, operation?: string): this {
    this.errors.push({ count, ...(operation && { operation }) });
    return this;
  }

  capacity(fault: CapacityFault): this {
    this.capacities.push({ ...fault });
    return this;
  }

  deleteError(count: number, code: string): this {
    this.deleteFaults.push({ count, code });
    return this;
  }

  /** The error code the next delete operation ends with, if one is armed. */
  takeDeleteError(): string | undefined {
    const f = this.deleteFaults[0];
    if (!f) return undefined;
    if (--f.count <= 0) this.deleteFaults.shift();
    return f.code;
  }

  partial(k: number): this {
    this.partialNext = k;
    return this;
  }

  slow(ms: number): this {
    this.slowMs = ms;
    return this;
  }

  clear(): void {
    this.throttles = [];
    this.errors = [];
    this.capacities = [];
    this.partialNext = undefined;
    this.deleteFaults = [];
    this.slowMs = 0;
  }

  /** Consumes one throttle for this call, if any is armed. */
  takeThrottle(operation: string): boolean {
    return take(this.throttles, operation);
  }

  takeServerError(operation: string): boolean {
    return take(this.errors, operation);
  }

  /** The capacity fault matching a launch, consumed when counted. */
  takeCapacity(zone: string, instanceType: string): CapacityFault | undefined {
    const f = this.capacities.find(
      (c) =>
        (c.zone === undefined || c.zone === zone) && (c.instanceType === undefined || c.instanceType === instanceType),
    );
    if (f?.times !== undefined && --f.times <= 0) this.capacities.splice(this.capacities.indexOf(f), 1);
    return f;
  }

  takePartial(): number | undefined {
    const k = this.partialNext;
    this.partialNext = undefined;
    return k;
  }

  snapshot(): FaultSpec {
    return {
      throttle: this.throttles[0],
      serverErrors: this.errors[0],
      capacity: this.capacities,
      ...(this.partialNext !== undefined && { partial: this.partialNext }),
      ...(this.deleteFaults[0] && { deleteErrors: this.deleteFaults[0] }),
      slowMs: this.slowMs,
    };
  }
}

function take(list: CountedFault[], operation: string): boolean {
  const f = list.find((x) => x.operation === undefined || x.operation === operation);
  if (!f) return false;
  if (--f.count <= 0) list.splice(list.indexOf(f), 1);
  return true;
}

/** Private addresses from 127.0.1.1 upward (skipping .0 and .255), so a slurmd can bind each one. */
export function loopbackIp(n: number): string {
  const third = 1 + Math.floor(n / 254);
  const fourth = 1 + (n % 254);
  return `127.${Math.floor(third / 256)}.${third % 256}.${fourth}`;
}

/** created/terminated events the e2e boot agent listens to (start/stop a slurmd per instance). */
export interface InstanceEvent {
  type: 'created' | 'terminated';
  id: string;
  name: string;
  node: string;
  cluster: string;
  zone: string;
  ip: string;
}

export interface CallRecord {
  operation: string;
  params: Record<string, unknown>;
  status: number;
  errorCode?: string;
}
