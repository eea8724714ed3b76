import { AsyncLocalStorage } from 'node:async_hooks';

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

/** A call that gets no reply: the connection is reset (ECONNRESET at the client) or held open (`hang`). */
export interface ConnectionFault extends CountedFault {
  /** After the fake has done the work (it happened, the reply is lost); default: before it (it did not). */
  afterWork?: boolean;
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
  /** The next `count` matching calls get their connection reset with no reply (ECONNRESET at the client). */
  reset?: ConnectionFault;
  /** The next `count` matching calls get no reply at all: the connection stays open until the client gives up. */
  hang?: ConnectionFault;
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
  private resets: ConnectionFault[] = [];
  private hangs: ConnectionFault[] = [];
  private capacities: CapacityFault[] = [];
  private partialNext: number | undefined;
  private deleteFaults: { count: number; code: string }[] = [];
  slowMs = 0;

  apply(spec: FaultSpec): void {
    if (spec.clear) this.clear();
    if (spec.throttle) this.throttle(spec.throttle.count, spec.throttle.operation);
    if (spec.serverErrors) this.serverError(spec.serverErrors.count, spec.serverErrors.operation);
    if (spec.reset) this.reset(spec.reset.count, spec.reset.operation, { afterWork: spec.reset.afterWork === true });
    if (spec.hang) this.hang(spec.hang.count, spec.hang.operation, { afterWork: spec.hang.afterWork === true });
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

  /**
   * The next `count` matching calls get no reply: the fake resets the connection, before doing the work
   * (the call never happened) or, with `afterWork`, after it (it happened but the reply was lost).
   */
  reset(count: number, operation?: string, opts: { afterWork?: boolean } = {}): this {
    this.resets.push(connectionFault(count, operation, opts));
    return this;
  }

  /**
   * The next `count` matching calls are never answered: the fake holds the connection open until the
   * client gives up (a reply lost in the network), before doing the work or, with `afterWork`, after it.
   */
  hang(count: number, operation?: string, opts: { afterWork?: boolean } = {}): this {
    this.hangs.push(connectionFault(count, operation, opts));
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
    this.resets = [];
    this.hangs = [];
    this.capacities = [];
    this.partialNext = undefined;
    this.deleteFaults = [];
    this.slowMs = 0;
  }

  /**
   * Consumes one throttle for this call, if any is armed. Both fakes call this first for every API
   * request, so it also applies a reset or hang: before the work it throws ConnectionDrop (the request
   * is not handled), after it it marks the request so that FakeServer (http.ts) sends no reply.
   */
  takeThrottle(operation: string): boolean {
    const ctx = requestScope.getStore();
    for (const [list, mode] of [
      [this.resets, 'reset'],
      [this.hangs, 'hang'],
    ] as const) {
      const f = ctx && list.find((x) => x.operation === undefined || x.operation === operation);
      if (!ctx || !f) continue;
      take(list, operation);
      if (!f.afterWork) throw new ConnectionDrop(operation, mode);
      ctx.noReply = mode;
      break;
    }
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
      reset: this.resets[0],
      hang: this.hangs[0],
      capacity: this.capacities,
      ...(this.partialNext !== undefined && { partial: this.partialNext }),
      ...(this.deleteFaults[0] && { deleteErrors: this.deleteFaults[0] }),
      slowMs: this.slowMs,
    };
  }
}

export type NoReply = 'reset' | 'hang';

/** What a fake knows about the request it is handling, for faults that act on the connection. */
export interface RequestContext {
  /** Instead of sending the reply: reset the connection, or hold it open. */
  noReply?: NoReply;
}

/** Set by FakeServer around each API request; read by Faults.takeThrottle. */
export const requestScope = new AsyncLocalStorage<RequestContext>();

/** Thrown out of a fake's handler to reset the connection before the request is handled. */
export class ConnectionDrop extends Error {
  constructor(
    readonly operation: string,
    readonly mode: NoReply,
  ) {
    super(`no reply (${mode}) to ${operation}`);
  }
}

function connectionFault(count: number, operation: string | undefined, opts: { afterWork?: boolean }): ConnectionFault {
  return { count, ...(operation && { operation }), ...(opts.afterWork && { afterWork: true }) };
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
