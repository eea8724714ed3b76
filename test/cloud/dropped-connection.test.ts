import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsAdapter } from '../../src/cloud/aws/adapter.js';
import { GcpAdapter } from '../../src/cloud/gcp/adapter.js';
import type { ApiCall, CloudAdapter, CloudAdapterOptions } from '../../src/cloud/types.js';
import type { NodeName } from '../../src/core/naming.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { batch, cloudRuntime } from '../support/runtime.js';

/** The hooks list named nodes (zone by zone on Google Cloud); destroy lists everything. */
const NODES = ['compute-small-1', 'compute-small-2'] as NodeName[];

/**
 * A call that gets no HTTP reply (connection reset, refused, a gateway's 502/504) is retried like a
 * throttled one: every call the adapters make is safe to repeat (list, terminate/delete, RunInstances
 * with a ClientToken, bulkInsert with fixed names). Against the fakes, through the real SDKs.
 */
describe.each([
  { kind: 'aws', list: 'DescribeInstances', terminate: 'TerminateInstances', launch: 'RunInstances' },
  { kind: 'gcp', list: 'list', terminate: 'delete', launch: 'bulkInsert' },
] as const)('$kind: dropped connections', ({ kind, list, terminate, launch }) => {
  let fake: Ec2Fake | GceFake;
  let calls: ApiCall[];
  const zone = kind === 'aws' ? 'us-east-1a' : 'europe-west4-a';
  const make = (endpoint: string, opts: CloudAdapterOptions = {}): CloudAdapter => {
    const rt = cloudRuntime(kind, endpoint);
    const o = { budgetMs: 5000, pollMs: 20, onApiCall: (c: ApiCall) => calls.push(c), ...opts };
    return kind === 'aws' ? new AwsAdapter(rt, o) : new GcpAdapter(rt, o);
  };
  const live = () => fake.live('alpha').filter((i) => !('status' in i) || i.status !== 'TERMINATED');
  const resets = () => calls.filter((c) => c.errorCode === 'ECONNRESET').length;

  beforeEach(async () => {
    fake = kind === 'aws' ? new Ec2Fake() : new GceFake();
    await fake.start();
    calls = [];
  });
  afterEach(() => fake.stop());

  it('list recovers from connections reset before the reply', async () => {
    const adapter = make(fake.endpoint);
    await adapter.launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [1, 2], zone));
    fake.faults.reset(2, list);
    const listed = await adapter.list(NODES);
    expect(listed.map((i) => i.node).sort()).toEqual(['compute-small-1', 'compute-small-2']);
    expect(resets()).toBe(2);
  });

  it('terminate recovers when the reply is lost after the cloud acted, and the instances are gone', async () => {
    const adapter = make(fake.endpoint);
    const r = await adapter.launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [1, 2], zone));
    fake.faults.reset(1, terminate, { afterWork: true });
    fake.faults.reset(1, terminate);
    const out = await adapter.terminate(r.launched);
    expect(out.failed).toEqual([]);
    expect(out.terminated.sort()).toEqual(r.launched.map((i) => i.id).sort());
    expect(resets()).toBe(2);
    expect(await adapter.waitGone(r.launched, Date.now() + 3000)).toEqual([]);
    expect(live()).toHaveLength(0);
  });

  it('a launch whose reply was lost is retried without launching twice', async () => {
    const adapter = make(fake.endpoint);
    fake.faults.reset(1, launch, { afterWork: true });
    const r = await adapter.launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [1, 2, 3], zone));
    expect(r.failed).toEqual([]);
    expect(r.launched.map((i) => i.node).sort()).toEqual(['compute-small-1', 'compute-small-2', 'compute-small-3']);
    expect(resets()).toBe(1);
    expect(live()).toHaveLength(3);
  });

  it('a connection reset on every call ends within the budget with the Node code', async () => {
    const adapter = make(fake.endpoint, { budgetMs: 600 });
    const r = await make(fake.endpoint).launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [1], zone));
    fake.faults.reset(1_000_000);
    const t0 = Date.now();
    const err = await adapter.list().catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(err).toMatchObject({ code: 'CLOUD_UNREACHABLE', cloudCode: 'ECONNRESET' });
    expect(resets()).toBeGreaterThan(1);
    const out = await adapter.terminate(r.launched);
    expect(out.failed.map((f) => f.code)).toEqual(['ECONNRESET']);
    const launched = await adapter.launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [2], zone));
    expect(launched.failed.map((f) => `${f.kind}:${f.code}`)).toEqual(['timeout:ECONNRESET']);
    expect(Date.now() - t0).toBeLessThan(5000);
    fake.faults.clear();
    expect(live()).toHaveLength(1);
  });

  it('POST /__fake/faults arms the same faults for a fake in another process', async () => {
    const adapter = make(fake.endpoint);
    const res = await fetch(`${fake.endpoint}/__fake/faults`, {
      method: 'POST',
      body: JSON.stringify({ reset: { count: 1, operation: list }, hang: { count: 1, operation: terminate } }),
    });
    expect(await res.json()).toMatchObject({ reset: { count: 1, operation: list }, hang: { count: 1 } });
    expect(await adapter.list(NODES)).toEqual([]);
    expect(resets()).toBe(1);
  });

  it('a gateway in front of the API answering 502 and 504 is retried', async () => {
    const gateway = await badGateway(fake.endpoint, [502, 504]);
    try {
      const adapter = make(gateway.endpoint);
      const r = await adapter.launch(batch(cloudRuntime(kind, fake.endpoint), 'small', [1], zone));
      expect(r.failed).toEqual([]);
      expect(r.launched).toHaveLength(1);
      expect(calls.slice(0, 2).map((c) => c.errorCode)).toEqual(['502', '504']);
      expect(live()).toHaveLength(1);
    } finally {
      await new Promise((res) => gateway.server.close(res));
    }
  });
});

/** A proxy that answers the first requests with these statuses (an HTML page, as a load balancer does), then forwards. */
async function badGateway(target: string, statuses: number[]): Promise<{ server: Server; endpoint: string }> {
  const to = new URL(target);
  const left = [...statuses];
  const server = createServer((req, res) => {
    const status = left.shift();
    if (status !== undefined) {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(`<html><body>${status} Bad Gateway</body></html>`);
      });
      return;
    }
    const fwd = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
