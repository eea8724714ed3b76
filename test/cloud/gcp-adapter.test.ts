import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GcpAdapter } from '../../src/cloud/gcp/adapter.js';
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
    const deadlineMs = Date.now() + 400;
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
    await restart({ operationMs: 1500 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const bounded = new GcpAdapter(rt, { deadlineMs: Date.now() + 300, pollMs: 20, onApiCall: (c) => calls.push(c) });
    const t0 = Date.now();
    const r = await bounded.launch(batch(rt, 'small', [1, 2], ZA));
    expect(Date.now() - t0).toBeLessThan(1500);
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
  });

  it('a delete still running at the deadline counts as accepted and waitGone reports it', async () => {
    await restart({ operationMs: 800 });
    const rt = cloudRuntime('gcp', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', [1, 2], ZA));
    const bounded = new GcpAdapter(rt, { deadlineMs: Date.now() + 150, pollMs: 20 });
    const out = await bounded.terminate(r.launched);
    expect(out.terminated.sort()).toEqual(r.launched.map((i) => i.id).sort());
    expect(await bounded.waitGone(r.launched, Date.now() + 100)).toHaveLength(2);
    expect(await adapter.waitGone(r.launched, Date.now() + 3000)).toEqual([]);
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
