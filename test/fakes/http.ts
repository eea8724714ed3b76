import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallRecord,
  ConnectionDrop,
  type FaultSpec,
  Faults,
  type InstanceEvent,
  type NoReply,
  type RequestContext,
  requestScope,
} from './faults.js';

export interface Reply {
  status: number;
  body: string;
  contentType: string;
}

/**
 * The loopback HTTP server both fakes share: binds 127.0.0.1 only, serves the control paths
 * (POST /__fake/faults, GET /__fake/state, GET /__fake/calls), delays replies when told.
 */
export abstract class FakeServer extends EventEmitter {
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  private server: Server | undefined;
  port = 0;
  private host = '127.0.0.1';
  private inflight = 0;
  private busySince = 0;
  private busyTotal = 0;
  private outage: Outage | undefined;
  private readonly held = new Set<IncomingMessage>();

  protected abstract handle(method: string, url: URL, body: string): Reply | Promise<Reply>;
  abstract state(): unknown;

  /** Listens on 127.0.0.1 unless `host` says otherwise (the rehearsal lab's address, inside its own namespace). */
  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, resolve);
      this.host = host;
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /**
   * The cloud goes away and keeps its state: `refused` closes the listening socket (connection refused,
   * open connections reset), `hang` accepts API calls and never answers them. Control paths stay up in
   * `hang` mode only.
   */
  async offline(mode: Outage): Promise<void> {
    this.outage = mode;
    if (mode !== 'refused' || !this.server) return;
    const closed = new Promise<void>((r) => this.server?.close(() => r()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Back on the same port, with the same instances; calls held by a `hang` outage are reset. */
  async online(): Promise<void> {
    const was = this.outage;
    this.outage = undefined;
    for (const req of this.held) req.socket.resetAndDestroy();
    this.held.clear();
    if (was !== 'refused' || !this.server) return;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.port, '127.0.0.1', resolve);
    });
  }

  get endpoint(): string {
    return `http://${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /**
   * Wall ms during which at least one API request was open here (reading it, answering, waiting in a
   * long poll): the fake's own latency as its clients saw it, for the bench to subtract.
   */
  get busyMs(): number {
    return this.busyTotal + (this.inflight > 0 ? performance.now() - this.busySince : 0);
  }

  /** Calls of one operation (the fakes' call log), for assertions on API usage. */
  callsOf(operation: string): CallRecord[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  override on(event: 'instance', listener: (e: InstanceEvent) => void): this {
    return super.on(event, listener);
  }

  protected emitInstance(e: InstanceEvent): void {
    this.emit('instance', e);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.inflight++ === 0) this.busySince = performance.now();
    try {
      await this.serveOne(req, res);
    } finally {
      if (--this.inflight === 0) this.busyTotal += performance.now() - this.busySince;
    }
  }

  private async serveOne(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let reply: Reply;
    const ctx: RequestContext = {};
    try {
      if (url.pathname === '/__fake/faults' && req.method === 'POST') {
        this.faults.apply(JSON.parse(body || '{}') as FaultSpec);
        reply = json(200, this.faults.snapshot());
      } else if (url.pathname === '/__fake/state') {
        reply = json(200, this.state());
      } else if (url.pathname === '/__fake/calls') {
        reply = json(200, this.calls);
      } else if (this.outage) {
        // Not answered, not logged: the call never reached the cloud.
        this.held.add(req);
        return;
      } else {
        if (this.faults.slowMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowMs));
        reply = await requestScope.run(ctx, () => this.handle(req.method ?? 'GET', url, body));
      }
    } catch (err) {
      if (err instanceof ConnectionDrop) {
        // Never handled: logged with status 0 so tests can count the attempts.
        this.calls.push({ operation: err.operation, params: {}, status: 0, errorCode: NO_REPLY_CODE[err.mode] });
        return noReply(req, err.mode);
      }
      reply = json(500, {
        error: { code: 500, message: (err as Error).stack ?? String(err) },
      });
    }
    // The work is done (and in the call log) but the client never hears of it.
    if (ctx.noReply) return noReply(req, ctx.noReply);
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  }
}

export type Outage = 'refused' | 'hang';

const NO_REPLY_CODE = { reset: 'ECONNRESET', hang: 'NoReply' } as const;

/**
 * No reply at all: a TCP reset, which the client sees as ECONNRESET (a dropped connection, a crashed
 * proxy), or silence on an open connection until the client gives up (stop() closes what is left).
 */
function noReply(req: IncomingMessage, mode: NoReply): void {
  if (mode === 'reset') req.socket.resetAndDestroy();
}

export function json(status: number, value: unknown): Reply {
  return {
    status,
    body: JSON.stringify(value),
    contentType: 'application/json',
  };
}
