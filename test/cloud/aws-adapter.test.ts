import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsAdapter, NODES_TAG } from '../../src/cloud/aws/adapter.js';
import type { ApiCall } from '../../src/cloud/types.js';
import type { NodeName } from '../../src/core/naming.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { batch, cloudRuntime, range } from '../support/runtime.js';

let fake: Ec2Fake;
let calls: ApiCall[];
let adapter: AwsAdapter;

function make(budgetMs = 5000, name = 'alpha'): AwsAdapter {
  return new AwsAdapter(cloudRuntime('aws', fake.endpoint, name), {
    budgetMs,
    pollMs: 20,
    onApiCall: (c) => calls.push(c),
  });
}

beforeEach(async () => {
  fake = new Ec2Fake();
  await fake.start();
  calls = [];
  adapter = make();
});
afterEach(() => fake.stop());

describe('AwsAdapter.launch', () => {
  it('with a launch template, still sends the recorded image so that an image rebuild needs no redeploy', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    if (rt.aws) rt.aws.launchTemplateId = 'lt-0abc';
    rt.imageId = 'ami-0feedfacefeedface';
    const withTemplate = new AwsAdapter(rt, { budgetMs: 5000, pollMs: 20, onApiCall: (c) => calls.push(c) });
    const r = await withTemplate.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(r.failed).toEqual([]);
    const req = fake.callsOf('RunInstances')[0]?.params as Record<string, string>;
    expect(req['LaunchTemplate.LaunchTemplateId']).toBe('lt-0abc');
    expect(req['LaunchTemplate.Version']).toBe('$Default');
    expect(req.ImageId).toBe('ami-0feedfacefeedface');
  });

  it('launches two shapes across two zones, one RunInstances per batch, nodes mapped by launch index', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const a = await adapter.launch(batch(rt, 'small', [1, 2, 3], 'us-east-1a'));
    const b = await adapter.launch(batch(rt, 'big', [1, 2], 'us-east-1b'));
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(a.launched.map((i) => [i.node, i.zone, i.instanceType])).toEqual([
      ['compute-small-1', 'us-east-1a', 't3.small'],
      ['compute-small-2', 'us-east-1a', 't3.small'],
      ['compute-small-3', 'us-east-1a', 't3.small'],
    ]);
    expect(b.launched.map((i) => `${i.node}@${i.zone}/${i.instanceType}`)).toEqual([
      'compute-big-1@us-east-1b/c5.xlarge',
      'compute-big-2@us-east-1b/c5.xlarge',
    ]);
    expect(fake.callsOf('RunInstances')).toHaveLength(2);
    expect(a.launched.every((i) => /^127\.\d+\.\d+\.\d+$/.test(i.privateIp ?? ''))).toBe(true);
    // What reached the wire: tags on instance and volume, IMDSv2, encryption, the zone's subnet.
    const req = fake.callsOf('RunInstances')[0]?.params as Record<string, string>;
    expect(req.MinCount).toBe('1');
    expect(req.MaxCount).toBe('3');
    expect(req.SubnetId).toBe('subnet-us-east-1a');
    expect(req['MetadataOptions.HttpTokens']).toBe('required');
    expect(req['BlockDeviceMapping.1.Ebs.Encrypted']).toBe('true');
    expect(req['TagSpecification.2.ResourceType']).toBe('volume');
    const inst = fake.instances.get(a.launched[0]?.id ?? '');
    expect(inst?.tags).toMatchObject({
      'citc:cluster': 'alpha',
      'citc:role': 'compute',
      [NODES_TAG]: 'compute-small-[1-3]',
      team: 'hpc',
    });
    const listed = await adapter.list();
    expect(listed.map((i) => i.node).sort()).toEqual([
      'compute-big-1',
      'compute-big-2',
      'compute-small-1',
      'compute-small-2',
      'compute-small-3',
    ]);
    expect((await adapter.list(['compute-big-2' as NodeName])).map((i) => i.node)).toEqual(['compute-big-2']);
    expect(calls.filter((c) => c.operation === 'RunInstances').map((c) => c.count)).toEqual([3, 2]);
  });

  it('a single-node launch carries Name and citc:node; spot sets InstanceMarketOptions', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const b = { ...batch(rt, 'small', [9], 'us-east-1a'), spot: true };
    const r = await adapter.launch(b);
    const inst = fake.instances.get(r.launched[0]?.id ?? '');
    expect(inst?.tags.Name).toBe('alpha-compute-small-9');
    expect(inst?.spot).toBe(true);
    expect(r.launched[0]?.name).toBe('alpha-compute-small-9');
  });

  it('is idempotent: an identical re-run returns the same instances, none new', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const first = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    const again = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    expect(again.launched.map((i) => i.id)).toEqual(first.launched.map((i) => i.id));
    expect(fake.live('alpha')).toHaveLength(2);
    const tokens = fake.callsOf('RunInstances').map((c) => c.params.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('relaunches nodes whose earlier launch with the same token was terminated', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const first = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    await adapter.terminate(first.launched);
    expect(await adapter.waitGone(first.launched, Date.now() + 2000)).toEqual([]);
    const again = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(again.launched).toHaveLength(1);
    expect(again.launched[0]?.id).not.toBe(first.launched[0]?.id);
    expect(again.launched[0]?.state).toBe('pending');
  });

  it('a re-run after one node of the batch was terminated relaunches that node only', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const first = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    const [one, two] = first.launched as [(typeof first.launched)[0], (typeof first.launched)[0]];
    await adapter.terminate([one]);
    await adapter.waitGone([one], Date.now() + 2000);
    const again = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    expect(again.failed).toEqual([]);
    const byNode = new Map(again.launched.map((i) => [i.node, i.id]));
    expect(byNode.get('compute-small-2')).toBe(two.id);
    expect(byNode.get('compute-small-1')).not.toBe(one.id);
    expect(
      fake
        .live('alpha')
        .map((i) => fake.nodeOf(i))
        .sort(),
    ).toEqual(['compute-small-1', 'compute-small-2']);
  });

  it('separate runs use separate tokens: a node resumed and terminated five times launches every time', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const ids: string[] = [];
    for (let run = 0; run < 5; run++) {
      const r = await make().launch(batch(rt, 'small', [1], 'us-east-1a'));
      expect(r.failed).toEqual([]);
      expect(r.launched.map((i) => i.state)).toEqual(['pending']);
      ids.push(r.launched[0]?.id ?? '');
      await adapter.terminate(r.launched);
      expect(await adapter.waitGone(r.launched, Date.now() + 2000)).toEqual([]);
    }
    expect(new Set(ids).size).toBe(5);
    // One call per run: no run meets an earlier run's token.
    const tokens = fake.callsOf('RunInstances').map((c) => c.params.ClientToken);
    expect(tokens).toHaveLength(5);
    expect(new Set(tokens).size).toBe(5);
  });

  it('a new image between two runs still launches (no IdempotentParameterMismatch)', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const first = await make().launch(batch(rt, 'small', [1], 'us-east-1a'));
    await adapter.terminate(first.launched);
    await adapter.waitGone(first.launched, Date.now() + 2000);
    rt.imageId = 'ami-0rebuilt000000000';
    const second = await new AwsAdapter(rt, { budgetMs: 5000, pollMs: 20 }).launch(
      batch(rt, 'small', [1], 'us-east-1a'),
    );
    expect(second.failed).toEqual([]);
    expect(fake.instances.get(second.launched[0]?.id ?? '')?.imageId).toBe('ami-0rebuilt000000000');
    expect(fake.callsOf('RunInstances').filter((c) => c.errorCode)).toEqual([]);
  });

  it('a token taken by a different request (IdempotentParameterMismatch) moves on to a fresh token', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const opts = { budgetMs: 5000, pollMs: 20, invocationId: 'same-id' };
    await new AwsAdapter(rt, opts).launch(batch(rt, 'small', [1], 'us-east-1a'));
    rt.imageId = 'ami-0rebuilt000000000';
    const r = await new AwsAdapter(rt, opts).launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(r.failed).toEqual([]);
    expect(fake.instances.get(r.launched[0]?.id ?? '')?.imageId).toBe('ami-0rebuilt000000000');
    expect(fake.callsOf('RunInstances').map((c) => c.errorCode ?? 'ok')).toEqual([
      'ok',
      'IdempotentParameterMismatch',
      'ok',
    ]);
  });

  it('a throttled call retried within one run sends the same token and launches once', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.throttle(2, 'RunInstances');
    const r = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    const again = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    expect(r.failed).toEqual([]);
    expect(again.launched.map((i) => i.id)).toEqual(r.launched.map((i) => i.id));
    const tokens = fake.callsOf('RunInstances').map((c) => c.params.ClientToken);
    expect(tokens).toHaveLength(4);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.live('alpha')).toHaveLength(2);
  });

  it('an instance handed back stopped by its token is not counted as launched; the node gets a new one', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const first = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    const old = fake.instances.get(first.launched[0]?.id ?? '');
    if (old) old.state = 'stopped';
    const again = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(again.failed).toEqual([]);
    expect(again.launched).toHaveLength(1);
    expect(again.launched[0]?.id).not.toBe(old?.id);
  });

  it('RunInstances asks for terminate on instance-initiated shutdown', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(fake.callsOf('RunInstances')[0]?.params.InstanceInitiatedShutdownBehavior).toBe('terminate');
  });

  it('splits a batch whose hostlist does not fit one tag value, mapping still exact', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const odd = range(1, 200).map((i) => i * 2 + 1000); // no runs: long hostlist
    const r = await adapter.launch(batch(rt, 'small', odd, 'us-east-1a'));
    expect(r.failed).toEqual([]);
    expect(fake.callsOf('RunInstances').length).toBeGreaterThan(1);
    expect(r.launched.map((i) => i.node)).toEqual(odd.map((i) => `compute-small-${i}`));
    for (const i of fake.live()) expect(i.tags[NODES_TAG]?.length).toBeLessThanOrEqual(256);
    const listed = await adapter.list();
    expect(new Set(listed.map((i) => i.node)).size).toBe(200);
  });

  it('capacity per instance type and per zone comes back as kind capacity with the EC2 code', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.capacity({ instanceType: 't3.small' });
    fake.faults.capacity({
      zone: 'us-east-1b',
      code: 'InsufficientHostCapacity',
    });
    const byType = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    expect(byType.launched).toEqual([]);
    expect(byType.failed.map((f) => [f.node, f.kind, f.code])).toEqual([
      ['compute-small-1', 'capacity', 'InsufficientInstanceCapacity'],
      ['compute-small-2', 'capacity', 'InsufficientInstanceCapacity'],
    ]);
    const byZone = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1b', 't3.medium'));
    expect(byZone.failed.map((f) => f.code)).toEqual(['InsufficientHostCapacity', 'InsufficientHostCapacity']);
    const ok = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a', 't3.medium'));
    expect(ok.launched).toHaveLength(2);
    // Capacity errors are not retried by the adapter.
    expect(calls.filter((c) => c.errorCode !== undefined)).toHaveLength(2);
  });

  it('quota errors are kind quota', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.capacity({ code: 'VcpuLimitExceeded', times: 1 });
    const r = await adapter.launch(batch(rt, 'big', [1], 'us-east-1a'));
    expect(r.failed[0]).toMatchObject({
      kind: 'quota',
      code: 'VcpuLimitExceeded',
    });
  });

  it('partial launch: K of N launched, the rest failed as capacity', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.partial(3);
    const r = await adapter.launch(batch(rt, 'small', range(1, 5), 'us-east-1a'));
    expect(r.launched.map((i) => i.node)).toEqual(['compute-small-1', 'compute-small-2', 'compute-small-3']);
    expect(r.failed.map((f) => `${f.node}:${f.kind}`)).toEqual([
      'compute-small-4:capacity',
      'compute-small-5:capacity',
    ]);
  });

  it('throttling is retried within the budget', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.throttle(3, 'RunInstances');
    fake.faults.serverError(1, 'DescribeInstances');
    const r = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(r.launched).toHaveLength(1);
    expect(calls.filter((c) => c.errorCode === 'RequestLimitExceeded')).toHaveLength(3);
    expect(await adapter.list()).toHaveLength(1);
    expect(calls.filter((c) => c.errorCode === 'InternalError')).toHaveLength(1);
    expect(fake.live()).toHaveLength(1);
  });

  it('throttling past the budget fails the nodes as throttled with the EC2 code, nothing launched', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const tight = make(300);
    fake.faults.throttle(1000);
    const r = await tight.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    expect(r.launched).toEqual([]);
    expect(r.failed.map((f) => `${f.node}:${f.kind}:${f.code}`)).toEqual([
      'compute-small-1:throttled:RequestLimitExceeded',
      'compute-small-2:throttled:RequestLimitExceeded',
    ]);
    expect(fake.live()).toHaveLength(0);
  });

  it('the run deadline bounds every call together: after it, nothing more is sent', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    // A generous per-call budget: only the shared deadline can stop these.
    const deadlineMs = Date.now() + 400;
    const bounded = new AwsAdapter(rt, { budgetMs: 60_000, deadlineMs, onApiCall: (c) => calls.push(c) });
    fake.faults.throttle(1_000_000);
    const first = await bounded.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(first.failed.map((f) => f.code)).toEqual(['RequestLimitExceeded']);
    // It gives up as soon as the next backoff would cross the deadline; then the deadline passes.
    await new Promise((r) => setTimeout(r, Math.max(0, deadlineMs - Date.now() + 10)));
    const sent = fake.calls.length;
    expect(sent).toBeGreaterThan(1);
    const second = await bounded.launch(batch(rt, 'small', [2], 'us-east-1b'));
    expect(second.failed.map((f) => `${f.kind}:${f.code}`)).toEqual(['timeout:HookTimeBudget']);
    const term = await bounded.terminate([
      { id: 'i-0000000000000dead', name: '', node: '', cluster: '', zone: '', instanceType: '', state: 'other' },
    ]);
    expect(term.failed.map((f) => f.code)).toEqual(['HookTimeBudget']);
    await expect(bounded.list()).rejects.toMatchObject({ code: 'CLOUD_TIME_BUDGET' });
    expect(fake.calls.length).toBe(sent);
  });

  it('a reply slower than the time left is cut off and the nodes fail as timeout', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const bounded = new AwsAdapter(rt, { deadlineMs: Date.now() + 300, onApiCall: (c) => calls.push(c) });
    fake.faults.slow(1500);
    const t0 = Date.now();
    const r = await bounded.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r.failed.map((f) => f.kind)).toEqual(['timeout']);
  });

  it('slow replies still complete', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    fake.faults.slow(150);
    const r = await adapter.launch(batch(rt, 'small', [1], 'us-east-1a'));
    expect(r.launched).toHaveLength(1);
    expect(calls[0]?.ms).toBeGreaterThanOrEqual(140);
  });
});

describe('AwsAdapter.terminate / list', () => {
  it('terminates present, absent and half-present instances; absent counts as gone', async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', range(1, 4), 'us-east-1a'));
    const [a, b, c, d] = r.launched as [
      (typeof r.launched)[0],
      (typeof r.launched)[0],
      (typeof r.launched)[0],
      (typeof r.launched)[0],
    ];
    const present = await adapter.terminate([a]);
    expect(present).toEqual({ terminated: [a.id], failed: [] });
    const ghost = { ...b, id: 'i-0000000000000dead' };
    const absent = await adapter.terminate([ghost]);
    expect(absent).toEqual({ terminated: [ghost.id], failed: [] });
    const half = await adapter.terminate([b, ghost, c, { ...d, id: 'i-0000000000000beef' }]);
    expect(half.terminated.sort()).toEqual([b.id, c.id, ghost.id, 'i-0000000000000beef'].sort());
    expect(half.failed).toEqual([]);
    expect(await adapter.waitGone([a, b, c], Date.now() + 2000)).toEqual([]);
    expect(fake.live().map((i) => i.id)).toEqual([d.id]);
  });

  it('waitGone returns the instances still shutting down at the deadline', async () => {
    await fake.stop();
    fake = new Ec2Fake({ terminateDelayMs: 400 });
    await fake.start();
    adapter = make();
    const rt = cloudRuntime('aws', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    await adapter.terminate(r.launched);
    expect((await adapter.waitGone(r.launched, Date.now() + 100)).map((i) => i.id).sort()).toEqual(
      r.launched.map((i) => i.id).sort(),
    );
    expect(await adapter.waitGone(r.launched, Date.now() + 3000)).toEqual([]);
  });

  it('paginates over more than 1000 instances and terminates them in batches of at most 1000', async () => {
    fake.seed(2500, {
      tags: {
        'citc:cluster': 'alpha',
        'citc:role': 'compute',
        'citc:nodes': 'compute-small-[1-2500]',
      },
    });
    fake.seed(30, {
      tags: { 'citc:cluster': 'beta', 'citc:nodes': 'compute-small-[1-30]' },
    });
    const all = await adapter.list();
    expect(all).toHaveLength(2500);
    expect(new Set(all.map((i) => i.node)).size).toBe(2500);
    expect(calls.filter((c) => c.operation === 'DescribeInstances')).toHaveLength(3);
    const t = await adapter.terminate(all);
    expect(t.terminated).toHaveLength(2500);
    expect(
      fake
        .callsOf('TerminateInstances')
        .map((c) => Object.keys(c.params).filter((k) => k.startsWith('InstanceId.')).length),
    ).toEqual([1000, 1000, 500]);
    expect(await adapter.waitGone(all, Date.now() + 5000)).toEqual([]);
    expect(fake.live('alpha')).toHaveLength(0);
    expect(fake.live('beta')).toHaveLength(30);
  });

  it("never lists another cluster's instances", async () => {
    const rt = cloudRuntime('aws', fake.endpoint);
    const beta = make(5000, 'beta');
    await adapter.launch(batch(rt, 'small', [1, 2], 'us-east-1a'));
    await beta.launch(batch(cloudRuntime('aws', fake.endpoint, 'beta'), 'small', [1, 2, 3], 'us-east-1a'));
    expect((await adapter.list()).map((i) => i.cluster)).toEqual(['alpha', 'alpha']);
    expect((await beta.list()).every((i) => i.cluster === 'beta')).toBe(true);
    expect(await beta.list()).toHaveLength(3);
  });

  it('emits created/terminated events with node and IP', async () => {
    const events: string[] = [];
    fake.on('instance', (e) => events.push(`${e.type}:${e.node}:${e.ip}`));
    const rt = cloudRuntime('aws', fake.endpoint);
    const r = await adapter.launch(batch(rt, 'big', [1], 'us-east-1a'));
    await adapter.terminate(r.launched);
    await adapter.waitGone(r.launched, Date.now() + 2000);
    const ip = r.launched[0]?.privateIp;
    expect(events).toEqual([`created:compute-big-1:${ip}`, `terminated:compute-big-1:${ip}`]);
  });
});
