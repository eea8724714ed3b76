import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GcpAdapter } from '../../src/cloud/gcp/adapter.js';
import { decodeBatch, encodeBatch } from '../../src/cloud/gcp/batch.js';
import type { ApiCall } from '../../src/cloud/types.js';
import type { NodeName } from '../../src/core/naming.js';
import { GceFake } from '../fakes/gce/server.js';
import { batch, cloudRuntime, range } from '../support/runtime.js';

let fake: GceFake;
let calls: ApiCall[];
let adapter: GcpAdapter;
const ZA = 'europe-west4-a';
const ZB = 'europe-west4-b';

function make(budgetMs = 5000, name = 'alpha'): GcpAdapter {
  return new GcpAdapter(cloudRuntime('gcp', fake.endpoint, name), {
    budgetMs,
    pollMs: 20,
    onApiCall: (c) => calls.push(c),
  });
}

async function restart(opts: ConstructorParameters<typeof GceFake>[0]) {
  await fake.stop();
  fake = new GceFake(opts);
  await fake.start();
  adapter = make();
}

beforeEach(async () => {
  fake = new GceFake();
  await fake.start();
  calls = [];
  adapter = make();
});
afterEach(() => fake.stop());

describe('GcpAdapter.launch', () => {
  it('launches two shapes across two zones with one bulkInsert each, named after the nodes', async () => {
    await restart({ operationMs: 50 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const a = await adapter.launch(batch(rt, 'small', [1, 2, 3], ZA));
    const b = await adapter.launch(batch(rt, 'big', [1, 2], ZB));
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(a.launched.map((i) => `${i.id}@${i.zone}/${i.instanceType}`).sort()).toEqual([
      'alpha-compute-small-1@europe-west4-a/e2-small',
      'alpha-compute-small-2@europe-west4-a/e2-small',
      'alpha-compute-small-3@europe-west4-a/e2-small',
    ]);
    expect(b.launched.map((i) => i.node).sort()).toEqual(['compute-big-1', 'compute-big-2']);
    expect(a.launched.every((i) => /^127\.\d+\.\d+\.\d+$/.test(i.privateIp ?? ''))).toBe(true);
    expect(fake.callsOf('bulkInsert')).toHaveLength(2);
    expect(fake.callsOf('operations.wait').length).toBeGreaterThanOrEqual(2);
    const body = fake.callsOf('bulkInsert')[0]?.params.body as {
      count: string | number;
      minCount: string | number;
      instanceProperties: {
        labels: Record<string, string>;
        networkInterfaces: { accessConfigs?: unknown[] }[];
        disks: { initializeParams: { sourceImage: string } }[];
      };
    };
    expect(Number(body.count)).toBe(3);
    expect(Number(body.minCount)).toBe(1);
    expect(body.instanceProperties.labels).toMatchObject({
      'citc-cluster': 'alpha',
      'citc-role': 'compute',
      team: 'hpc',
    });
    expect(body.instanceProperties.networkInterfaces[0]?.accessConfigs ?? []).toEqual([]);
    expect(body.instanceProperties.disks[0]?.initializeParams.sourceImage).toBe(
      'projects/proj/global/images/citc-compute-1',
    );
    expect((await adapter.list()).map((i) => i.node).sort()).toEqual([
      'compute-big-1',
      'compute-big-2',
      'compute-small-1',
      'compute-small-2',
      'compute-small-3',
    ]);
    expect((await adapter.list(['compute-small-2' as NodeName])).map((i) => i.id)).toEqual(['alpha-compute-small-2']);
  });

  it("lists only the bulkInsert's own instances afterwards (by its launch label), not the whole zone", async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.seed(
      'proj',
      ZA,
      range(100, 1299).map((i) => `alpha-compute-small-${i}`),
      { 'citc-cluster': 'alpha' },
    );
    const r = await adapter.launch(batch(rt, 'small', [1, 2, 3], ZA));
    expect(r.launched.map((i) => i.node).sort()).toEqual(['compute-small-1', 'compute-small-2', 'compute-small-3']);
    const lists = fake.callsOf('list');
    expect(lists).toHaveLength(1);
    expect(String((lists[0]?.params.query as Record<string, string> | undefined)?.filter)).toMatch(
      /labels\.citc-launch = "[0-9a-f]{32}"/,
    );
  });

  it('a same-name TERMINATED or SUSPENDED instance that bulkInsert skips is not reported as launched', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.seed('proj', ZA, ['alpha-compute-small-1'], { 'citc-cluster': 'alpha' }, 'TERMINATED');
    fake.seed('proj', ZA, ['alpha-compute-small-2'], { 'citc-cluster': 'alpha' }, 'SUSPENDED');
    const r = await adapter.launch(batch(rt, 'small', [1, 2, 3], ZA));
    expect(r.launched.map((i) => i.node)).toEqual(['compute-small-3']);
    expect(r.failed.map((f) => `${f.node}:${f.kind}`)).toEqual([
      'compute-small-1:capacity',
      'compute-small-2:capacity',
    ]);
  });

  it('spot sets provisioningModel SPOT with DELETE on preemption', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    await adapter.launch({ ...batch(rt, 'small', [1], ZA), spot: true });
    const body = fake.callsOf('bulkInsert')[0]?.params.body as {
      instanceProperties: { scheduling: Record<string, unknown> };
    };
    expect(body.instanceProperties.scheduling).toMatchObject({
      provisioningModel: 'SPOT',
      instanceTerminationAction: 'DELETE',
    });
  });

  it('is idempotent: existing names are not created twice', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const first = await adapter.launch(batch(rt, 'small', [1, 2], ZA));
    const again = await adapter.launch(batch(rt, 'small', [1, 2, 3], ZA));
    expect(first.launched).toHaveLength(2);
    expect(again.launched.map((i) => i.id).sort()).toEqual([
      'alpha-compute-small-1',
      'alpha-compute-small-2',
      'alpha-compute-small-3',
    ]);
    expect(fake.live('alpha')).toHaveLength(3);
    const ids = fake.live('alpha').map((i) => i.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('capacity per machine type and per zone comes back as kind capacity with the operation error code', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.faults.capacity({ instanceType: 'e2-small' });
    fake.faults.capacity({ zone: ZB, code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS' });
    const byType = await adapter.launch(batch(rt, 'small', [1, 2], ZA));
    expect(byType.launched).toEqual([]);
    expect(byType.failed.map((f) => [f.node, f.kind, f.code])).toEqual([
      ['compute-small-1', 'capacity', 'ZONE_RESOURCE_POOL_EXHAUSTED'],
      ['compute-small-2', 'capacity', 'ZONE_RESOURCE_POOL_EXHAUSTED'],
    ]);
    const byZone = await adapter.launch(batch(rt, 'small', [1], ZB, 'e2-medium'));
    expect(byZone.failed[0]).toMatchObject({ kind: 'capacity', code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS' });
    const ok = await adapter.launch(batch(rt, 'small', [1, 2], ZA, 'e2-medium'));
    expect(ok.launched).toHaveLength(2);
    expect(fake.live()).toHaveLength(2);
  });

  it('quota errors are kind quota', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.faults.capacity({ code: 'QUOTA_EXCEEDED', times: 1 });
    const r = await adapter.launch(batch(rt, 'big', [1], ZA));
    expect(r.failed[0]).toMatchObject({ kind: 'quota', code: 'QUOTA_EXCEEDED' });
  });

  it('partial launch: K of N launched, the rest failed as capacity', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.faults.partial(2);
    const r = await adapter.launch(batch(rt, 'small', range(1, 5), ZA));
    expect(r.launched).toHaveLength(2);
    expect(r.failed).toHaveLength(3);
    expect(r.failed.every((f) => f.kind === 'capacity' && f.code === 'ZONE_RESOURCE_POOL_EXHAUSTED')).toBe(true);
    expect(new Set([...r.launched.map((i) => i.node), ...r.failed.map((f) => f.node)]).size).toBe(5);
  });

  it('throttling (403 rateLimitExceeded) and 503s are retried within the budget', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.faults.throttle(3, 'bulkInsert');
    fake.faults.serverError(1, 'list');
    const r = await adapter.launch(batch(rt, 'small', [1], ZA));
    expect(r.launched).toHaveLength(1);
    expect(calls.filter((c) => c.errorCode === 'rateLimitExceeded')).toHaveLength(3);
    expect(calls.filter((c) => c.operation === 'instances.list' && c.errorCode)).toHaveLength(1);
    expect(fake.live()).toHaveLength(1);
  });

  it('throttling past the budget fails the nodes as throttled with the API reason, nothing launched', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const tight = make(300);
    fake.faults.throttle(1000);
    const r = await tight.launch(batch(rt, 'small', [1, 2], ZA));
    expect(r.launched).toEqual([]);
    expect(r.failed.map((f) => `${f.node}:${f.kind}:${f.code}`)).toEqual([
      'compute-small-1:throttled:rateLimitExceeded',
      'compute-small-2:throttled:rateLimitExceeded',
    ]);
    expect(fake.live()).toHaveLength(0);
  });

  it('the run deadline bounds every call together: after it, nothing more is sent', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    // Room for the client's construction (a few hundred ms on a loaded machine) and a few attempts.
    const deadlineMs = Date.now() + 1500;
    const bounded = new GcpAdapter(rt, { budgetMs: 60_000, deadlineMs, onApiCall: (c) => calls.push(c) });
    fake.faults.throttle(1_000_000);
    const first = await bounded.launch(batch(rt, 'small', [1], ZA));
    expect(first.failed.map((f) => f.code)).toEqual(['rateLimitExceeded']);
    await new Promise((r) => setTimeout(r, Math.max(0, deadlineMs - Date.now() + 10)));
    const sent = fake.calls.length;
    expect(sent).toBeGreaterThan(1);
    const second = await bounded.launch(batch(rt, 'small', [2], ZB));
    expect(second.failed.map((f) => `${f.kind}:${f.code}`)).toEqual(['timeout:HookTimeBudget']);
    const ghost = {
      id: 'alpha-compute-small-9',
      name: 'alpha-compute-small-9',
      node: 'compute-small-9',
      cluster: 'alpha',
      zone: ZA,
      instanceType: '',
      state: 'other' as const,
    };
    expect((await bounded.terminate([ghost])).failed.map((f) => f.code)).toEqual(['HookTimeBudget']);
    await expect(bounded.list()).rejects.toMatchObject({ code: 'CLOUD_TIME_BUDGET' });
    expect(fake.calls.length).toBe(sent);
  });

  it('a bulkInsert operation still running at the deadline fails its nodes as timeout', async () => {
    await restart({ operationMs: 5000 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const bounded = new GcpAdapter(rt, { deadlineMs: Date.now() + 1500, pollMs: 20, onApiCall: (c) => calls.push(c) });
    const t0 = Date.now();
    const r = await bounded.launch(batch(rt, 'small', [1, 2], ZA));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.failed.map((f) => `${f.kind}:${f.code}`)).toEqual([
      'timeout:OperationTimeout',
      'timeout:OperationTimeout',
    ]);
  });

  it('slow replies still complete', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    fake.faults.slow(150);
    const r = await adapter.launch(batch(rt, 'small', [1], ZA));
    expect(r.launched).toHaveLength(1);
    expect(calls[0]?.ms).toBeGreaterThanOrEqual(140);
  });
});

describe('GcpAdapter.terminate / list', () => {
  it('deletes present, absent and half-present instances; 404 counts as gone', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', range(1, 4), ZA));
    const [a, b, c, d] = [...r.launched].sort((x, y) => x.id.localeCompare(y.id)) as [
      (typeof r.launched)[0],
      (typeof r.launched)[0],
      (typeof r.launched)[0],
      (typeof r.launched)[0],
    ];
    expect(await adapter.terminate([a])).toEqual({ terminated: [a.id], failed: [] });
    const ghost = { ...b, id: 'alpha-compute-small-99', name: 'alpha-compute-small-99' };
    expect(await adapter.terminate([ghost])).toEqual({ terminated: [ghost.id], failed: [] });
    const half = await adapter.terminate([b, ghost, c]);
    expect(half.terminated.sort()).toEqual([b.id, c.id, ghost.id].sort());
    expect(await adapter.waitGone([a, b, c], Date.now() + 2000)).toEqual([]);
    expect(fake.live().map((i) => i.name)).toEqual([d.id]);
  });

  it('terminate awaits the delete operations: when it returns, the instances are gone', async () => {
    await restart({ operationMs: 300 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', range(1, 20), ZA));
    expect(r.launched).toHaveLength(20);
    const out = await adapter.terminate(r.launched);
    expect(out.terminated).toHaveLength(20);
    expect(out.failed).toEqual([]);
    expect(fake.live()).toHaveLength(0);
    expect(fake.callsOf('delete')).toHaveLength(20);
    expect(fake.callsOf('operations.wait').length).toBeGreaterThanOrEqual(20);
    // All 20 deletes in one HTTP request, their operation waits in one more.
    expect(fake.callsOf('batch')).toHaveLength(2);
    expect(fake.callsOf('delete').every((c) => c.params.inBatch)).toBe(true);
    expect(fake.callsOf('operations.wait').filter((c) => c.params.inBatch).length).toBeGreaterThanOrEqual(20);
  });

  it('a delete still running at the deadline counts as accepted and waitGone reports it', async () => {
    await restart({ operationMs: 2500 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', [1, 2], ZA));
    // Room for the client's construction (a few hundred ms on a loaded machine) and the delete itself.
    const bounded = new GcpAdapter(rt, { deadlineMs: Date.now() + 1000, pollMs: 20 });
    const out = await bounded.terminate(r.launched);
    expect(out).toEqual({ terminated: r.launched.map((i) => i.id), failed: [] });
    expect(fake.callsOf('operations.wait').length).toBeGreaterThan(0);
    expect(await bounded.waitGone(r.launched, Date.now() + 100)).toHaveLength(2);
    expect(await adapter.waitGone(r.launched, Date.now() + 5000)).toEqual([]);
  });

  it('a failed delete operation is reported with its error code', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', [1, 2], ZA));
    fake.faults.deleteError(1, 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE');
    const out = await adapter.terminate(r.launched);
    expect(out.failed.map((f) => f.code)).toEqual(['RESOURCE_IN_USE_BY_ANOTHER_RESOURCE']);
    expect(out.terminated).toHaveLength(1);
    expect(fake.live()).toHaveLength(1);
  });

  it('terminates instances known only by name (no zone) by looking them up', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    await adapter.launch(batch(rt, 'big', [1], ZB));
    const stub = {
      id: 'alpha-compute-big-1',
      name: '',
      node: '',
      cluster: '',
      zone: '',
      instanceType: '',
      state: 'other' as const,
    };
    expect((await adapter.terminate([stub])).terminated).toEqual(['alpha-compute-big-1']);
    expect(fake.live()).toHaveLength(0);
  });

  it('paginates over more than 1000 instances and deletes them all', async () => {
    fake.seed(
      'proj',
      ZA,
      range(1, 1200).map((i) => `alpha-compute-small-${i}`),
      { 'citc-cluster': 'alpha' },
    );
    fake.seed(
      'proj',
      ZA,
      range(1, 20).map((i) => `beta-compute-small-${i}`),
      { 'citc-cluster': 'beta' },
    );
    const all = await adapter.list();
    expect(all).toHaveLength(1200);
    expect(new Set(all.map((i) => i.node)).size).toBe(1200);
    // Everything of the cluster: one aggregatedList, paged by the SDK (3 pages of 500 on the wire).
    expect(calls.filter((c) => c.operation === 'instances.aggregatedList')).toHaveLength(1);
    expect(fake.callsOf('aggregatedList')).toHaveLength(3);
    // Named nodes: zone by zone, 3 pages in zone a, 1 in zone b.
    const named = await adapter.list(all.map((i) => i.node as NodeName));
    expect(named).toHaveLength(1200);
    expect(calls.filter((c) => c.operation === 'instances.list')).toHaveLength(4);
    const t = await adapter.terminate(all);
    expect(t.terminated).toHaveLength(1200);
    // The batch endpoint takes at most 1000 calls a request: 1000 + 200 deletes, done at once (operationMs 0).
    expect(fake.callsOf('batch')).toHaveLength(2);
    expect(fake.callsOf('delete')).toHaveLength(1200);
    expect(
      calls
        .filter((c) => c.operation === 'instances.delete')
        .map((c) => c.count)
        .sort((a, b) => a - b),
    ).toEqual([200, 1000]);
    expect(await adapter.waitGone(all, Date.now() + 5000)).toEqual([]);
    expect(fake.live('alpha')).toHaveLength(0);
    expect(fake.live('beta')).toHaveLength(20);
  });

  it('lists the whole cluster also in zones the config no longer names (for destroy)', async () => {
    fake.seed('proj', 'europe-west4-c', ['alpha-compute-small-9'], { 'citc-cluster': 'alpha' });
    fake.seed('proj', 'europe-west4-c', ['beta-compute-small-9'], { 'citc-cluster': 'beta' });
    const all = await adapter.list();
    expect(all.map((i) => `${i.node}@${i.zone}`)).toEqual(['compute-small-9@europe-west4-c']);
    expect((await adapter.terminate(all)).terminated).toHaveLength(1);
    expect(await adapter.waitGone(all, Date.now() + 5000)).toEqual([]);
    expect(fake.live('alpha')).toHaveLength(0);
    expect(fake.live('beta')).toHaveLength(1);
  });

  it('deletes throttled inside a batch are sent again; the batch request itself is retried on a 503', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', range(1, 5), ZA));
    fake.faults.serverError(1, 'batch');
    fake.faults.throttle(2, 'delete');
    const out = await adapter.terminate(r.launched);
    expect(out.failed).toEqual([]);
    expect(out.terminated.sort()).toEqual(r.launched.map((i) => i.id).sort());
    expect(fake.live()).toHaveLength(0);
    // 503 for the whole batch, then 5 deletes of which 2 throttled (403 in their parts), then those 2.
    expect(fake.callsOf('batch').map((c) => c.status)).toEqual([503, 200, 200]);
    expect(fake.callsOf('delete').map((c) => c.status)).toEqual([403, 403, 200, 200, 200, 200, 200]);
    expect(
      calls.filter((c) => c.operation === 'instances.delete').map((c) => `${c.count}:${c.errorCode ?? ''}`),
    ).toEqual(['5:backendError', '5:', '2:rateLimitExceeded', '2:']);
  });

  it('a batch request refused as a whole (404 from a proxy without /batch) fails the deletes: not taken for gone', async () => {
    const proxy = createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: 'Not Found', errors: [{ reason: 'notFound' }] } }));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const behind = new GcpAdapter(cloudRuntime('gcp', endpoint), { budgetMs: 2000 });
      const inst = {
        id: 'alpha-compute-small-1',
        name: 'alpha-compute-small-1',
        node: 'compute-small-1',
        cluster: 'alpha',
        zone: ZA,
        instanceType: 'e2-small',
        state: 'running' as const,
      };
      const out = await behind.terminate([inst]);
      expect(out.terminated).toEqual([]);
      expect(out.failed.map((f) => `${f.id}:${f.code}`)).toEqual(['alpha-compute-small-1:notFound']);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('a delete throttled until the time runs out fails with the throttle code; the others go', async () => {
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', range(1, 3), ZA));
    const [first] = [...r.launched].sort((x, y) => x.id.localeCompare(y.id));
    const bounded = new GcpAdapter(rt, { budgetMs: 1500, pollMs: 20 });
    // Only the first instance's delete is throttled, every time.
    fake.faults.throttle(1_000_000, 'delete');
    const out = await bounded.terminate([first as (typeof r.launched)[0]]);
    expect(out.terminated).toEqual([]);
    expect(out.failed.map((f) => f.code)).toEqual(['rateLimitExceeded']);
    fake.faults.clear();
    expect((await adapter.terminate(r.launched)).terminated).toHaveLength(3);
  });

  it('two instances of one name in two zones (one still stopping) are two: both deleted, each awaited in its zone', async () => {
    await restart({ operationMs: 300 });
    const labels = { 'citc-cluster': 'alpha' };
    fake.seed('proj', ZA, ['alpha-compute-small-1'], labels, 'STOPPING');
    fake.seed('proj', ZB, ['alpha-compute-small-1'], labels);
    const both = await adapter.list(['compute-small-1' as NodeName]);
    expect(both.map((i) => `${i.id}@${i.zone}`).sort()).toEqual([
      `alpha-compute-small-1@${ZA}`,
      `alpha-compute-small-1@${ZB}`,
    ]);
    fake.faults.deleteError(1, 'RESOURCE_OPERATION_RATE_EXCEEDED');
    const out = await adapter.terminate(both);
    expect(fake.callsOf('delete')).toHaveLength(2);
    expect(out.terminated).toEqual(['alpha-compute-small-1']);
    expect(out.failed.map((f) => f.code)).toEqual(['RESOURCE_OPERATION_RATE_EXCEEDED']);
    // The one left is reported in its own zone, not hidden by (or hiding) its namesake.
    const left = await adapter.waitGone(both, Date.now() + 300);
    expect(left.map((i) => i.zone)).toEqual([fake.live().map((i) => i.zone)[0]]);
    expect((await adapter.terminate(left)).failed).toEqual([]);
    expect(await adapter.waitGone(both, Date.now() + 3000)).toEqual([]);
  });

  it('a name-only instance that exists in two zones is deleted in both', async () => {
    const labels = { 'citc-cluster': 'alpha' };
    fake.seed('proj', ZA, ['alpha-compute-small-1'], labels, 'STOPPING');
    fake.seed('proj', ZB, ['alpha-compute-small-1'], labels);
    const stub = {
      id: 'alpha-compute-small-1',
      name: '',
      node: '',
      cluster: '',
      zone: '',
      instanceType: '',
      state: 'other' as const,
    };
    expect(await adapter.terminate([stub])).toEqual({
      terminated: ['alpha-compute-small-1', 'alpha-compute-small-1'],
      failed: [],
    });
    expect(fake.live()).toHaveLength(0);
  });

  it("never lists another cluster's instances", async () => {
    const beta = make(5000, 'beta');
    await adapter.launch(batch(cloudRuntime('gcp', fake.endpoint), 'small', [1, 2], ZA));
    await beta.launch(batch(cloudRuntime('gcp', fake.endpoint, 'beta'), 'small', [1, 2, 3], ZA));
    expect((await adapter.list()).map((i) => i.cluster)).toEqual(['alpha', 'alpha']);
    expect((await beta.list()).map((i) => i.id).sort()).toEqual([
      'beta-compute-small-1',
      'beta-compute-small-2',
      'beta-compute-small-3',
    ]);
  });

  it('emits created/terminated events with node and IP', async () => {
    const events: string[] = [];
    fake.on('instance', (e) => events.push(`${e.type}:${e.node}:${e.ip}`));
    const r = await adapter.launch(batch(cloudRuntime('gcp', fake.endpoint), 'big', [1], ZA));
    await adapter.terminate(r.launched);
    const ip = r.launched[0]?.privateIp;
    expect(events).toEqual([`created:compute-big-1:${ip}`, `terminated:compute-big-1:${ip}`]);
  });
});

describe('batch requests (multipart/mixed)', () => {
  const calls = [
    { method: 'DELETE' as const, path: '/compute/v1/projects/p/zones/z/instances/a' },
    { method: 'POST' as const, path: '/compute/v1/projects/p/zones/z/operations/op-1/wait', body: { x: 1 } },
    { method: 'GET' as const, path: '/compute/v1/projects/p/zones/z/instances/b' },
  ];

  it('encodes one application/http part per call, path-only URLs, JSON bodies with their length', () => {
    const text = encodeBatch(calls, 'B');
    expect(text.split('--B\r\n')).toHaveLength(4);
    expect(text.endsWith('--B--\r\n')).toBe(true);
    expect(text).toContain(
      'Content-Type: application/http\r\nContent-ID: <citc-1>\r\n\r\nPOST /compute/v1/projects/p/zones/z/operations/op-1/wait HTTP/1.1\r\n',
    );
    expect(text).toContain('Content-Length: 7\r\n\r\n{"x":1}\r\n');
  });

  it('decodes replies in any order by Content-ID, with a quoted boundary; a missing part stays undefined', () => {
    const part = (id: number, status: string, body: string) =>
      `--"b 1"\r\nContent-Type: application/http\r\nContent-ID: <response-citc-${id}>\r\n\r\nHTTP/1.1 ${status}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${body}\r\n`;
    const text =
      `preamble\r\n${part(2, '404 Not Found', '{"error":{"code":404,"errors":[{"reason":"notFound"}]}}')}${part(0, '200 OK', '{"name":"op"}')}--"b 1"--\r\nepilogue`.replaceAll(
        '"b 1"',
        'b 1',
      );
    const out = decodeBatch('multipart/mixed; boundary="b 1"', text, 3);
    expect(out[0]).toEqual({ status: 200, body: { name: 'op' } });
    expect(out[1]).toBeUndefined();
    expect(out[2]?.status).toBe(404);
    expect(() => decodeBatch('application/json', '{}', 1)).toThrow(/not multipart/);
  });
});
