import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandHostlist } from '../../src/core/plan/hostlist-expand.js';
import { NODES_TAG } from '../../src/cloud/aws/adapter.js';
import { expandNodesTag } from '../../src/cloud/aws/node-tag.js';
import { TAG } from '../../src/core/naming.js';
import { Ec2Fake, type Ec2FakeInstance } from '../fakes/ec2/server.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { nodeOutcomes, readLog, type RuntimeFiles, runHook, writeRuntime } from './harness.js';

/**
 * The hooks as Slurm runs them (child processes, only SLURM_CONF in the environment) against the
 * EC2 fake through the real @aws-sdk/client-ec2, with a real slurmctld holding the nodes. Each test
 * uses its own nodes so they do not see each other's instances.
 */
describe('resume / suspend / resume-fail against the EC2 fake and a real slurmctld', () => {
  let ctld: Slurmctld;
  let fake: Ec2Fake;
  let files: RuntimeFiles;
  let env: Record<string, string>;

  const nodesOf = (hostlist: string) => expandHostlist(hostlist);
  const liveFor = (hostlist: string) => {
    const want = new Set(nodesOf(hostlist));
    return fake.live('demo').filter((i) => want.has(nodeOf(i)));
  };
  const powerUp = async (hostlist: string) => {
    await ctld.scontrol('update', `nodename=${hostlist}`, 'state=power_up');
    await ctld.waitForState(nodesOf(hostlist), /POWERING_UP/);
  };

  beforeAll(async () => {
    fake = new Ec2Fake();
    await fake.start();
    const config = clusterConfig('aws');
    config.provider.endpoint = fake.endpoint;
    files = writeRuntime(config);
    env = { SLURM_CONF: '' };
    ctld = await startSlurmctld({
      nodes: [...nodesOf('compute-c5-[1-40]'), ...nodesOf('compute-m5-[1-4]')].map((name) => ({ name })),
    });
    env.SLURM_CONF = ctld.conf;
  });
  afterAll(async () => {
    await ctld?.stop();
    await fake?.stop();
  });

  it('launches two shapes in one call per shape and tells Slurm every address', async () => {
    await powerUp('compute-c5-[1-2],compute-m5-1');
    const run = await runHook('resume', files, 'compute-c5-[1-2],compute-m5-1', env);
    expect(run.code).toBe(0);
    expect(fake.callsOf('RunInstances').filter((c) => c.status === 200)).toHaveLength(2);
    const live = liveFor('compute-c5-[1-2],compute-m5-1');
    expect(live.map((i) => i.instanceType).sort()).toEqual(['c5.large', 'c5.large', 'm5.large']);
    const nodes = await ctld.showNodes();
    const ips = new Set(live.map((i) => i.privateIp));
    for (const n of nodesOf('compute-c5-[1-2],compute-m5-1')) expect(ips.has(nodes.get(n)?.NodeAddr ?? '')).toBe(true);
  });

  it('is idempotent: a second run finds the instances running and launches nothing', async () => {
    const before = fake.callsOf('RunInstances').length;
    const run = await runHook('resume', files, 'compute-c5-[1-2],compute-m5-1', env);
    expect(run.code).toBe(0);
    expect(fake.callsOf('RunInstances')).toHaveLength(before);
    expect(liveFor('compute-c5-[1-2],compute-m5-1')).toHaveLength(3);
    const out = nodeOutcomes(files);
    expect(nodesOf('compute-c5-[1-2],compute-m5-1').map((n) => out.get(n)?.outcome)).toEqual(['running', 'running', 'running']);
  });

  it('overlapping runs for the same nodes launch each node once', async () => {
    await powerUp('compute-c5-[3-8]');
    const runs = await Promise.all([1, 2, 3].map(() => runHook('resume', files, 'compute-c5-[3-8]', env)));
    for (const r of runs) expect([0]).toContain(r.code);
    expect(liveFor('compute-c5-[3-8]')).toHaveLength(6);
  });

  it('recovers from throttling', async () => {
    await powerUp('compute-c5-9');
    fake.faults.throttle(3, 'RunInstances');
    const run = await runHook('resume', files, 'compute-c5-9', env);
    expect(run.code).toBe(0);
    expect(liveFor('compute-c5-9')).toHaveLength(1);
    expect(fake.callsOf('RunInstances').some((c) => c.errorCode === 'RequestLimitExceeded')).toBe(true);
  });

  it('fails over on capacity: next type in the zone, then the next zone', async () => {
    fake.faults.clear();
    fake.faults.capacity({ zone: 'us-east-1a', instanceType: 'c5.large' });
    await powerUp('compute-c5-[10-11]');
    expect((await runHook('resume', files, 'compute-c5-[10-11]', env)).code).toBe(0);
    expect(liveFor('compute-c5-[10-11]').map((i) => `${i.zone}/${i.instanceType}`)).toEqual([
      'us-east-1a/c5a.large',
      'us-east-1a/c5a.large',
    ]);
    fake.faults.capacity({ zone: 'us-east-1a' });
    await powerUp('compute-c5-12');
    expect((await runHook('resume', files, 'compute-c5-12', env)).code).toBe(0);
    expect(liveFor('compute-c5-12').map((i) => `${i.zone}/${i.instanceType}`)).toEqual(['us-east-1b/c5.large']);
    fake.faults.clear();
  });

  it('with every option exhausted: exit 4, nodes DOWN with the cloud code, powered down, nothing left running', async () => {
    fake.faults.capacity({});
    await powerUp('compute-c5-[13-14]');
    const run = await runHook('resume', files, 'compute-c5-[13-14]', env);
    fake.faults.clear();
    expect(run.code).toBe(4);
    const nodes = await ctld.showNodes();
    for (const n of ['compute-c5-13', 'compute-c5-14']) {
      expect(nodes.get(n)?.Reason).toMatch(/^citc: InsufficientInstanceCapacity in us-east-1b for c5a\.large \[root@/);
      expect(nodes.get(n)?.State).not.toMatch(/POWERING_UP/);
    }
    expect(liveFor('compute-c5-[13-14]')).toHaveLength(0);
    const failed = [...nodeOutcomes(files).values()].filter((r) => r.outcome === 'failed' && String(r.node).match(/c5-1[34]$/));
    expect(failed.map((r) => r.code)).toEqual(['InsufficientInstanceCapacity', 'InsufficientInstanceCapacity']);
  });

  it('suspend terminates present nodes and treats absent ones as done', async () => {
    // c5-1 and c5-2 are present (first test), c5-30 never launched: a half-present hostlist.
    const run = await runHook('suspend', files, 'compute-c5-[1-2,30]', env);
    expect(run.code).toBe(0);
    expect(liveFor('compute-c5-[1-2,30]')).toHaveLength(0);
    const out = nodeOutcomes(files);
    expect(out.get('compute-c5-30')?.outcome).toBe('absent');
    expect(['terminated', 'terminating']).toContain(out.get('compute-c5-1')?.outcome);
    const again = await runHook('suspend', files, 'compute-c5-[1-2]', env);
    expect(again.code).toBe(0);
    expect(nodeOutcomes(files).get('compute-c5-1')?.outcome).toBe('absent');
  });

  it('resume-fail terminates what was started for the nodes', async () => {
    expect(liveFor('compute-c5-[3-8]')).toHaveLength(6);
    const run = await runHook('resume-fail', files, 'compute-c5-[3-8]', env);
    expect(run.code).toBe(0);
    expect(liveFor('compute-c5-[3-8]')).toHaveLength(0);
  });

  it('logs one line per API call with operation, count and ms, and an exit line with start-up time', () => {
    const log = readLog(files);
    const api = log.filter((r) => r.event === 'api');
    expect(api.length).toBeGreaterThan(0);
    for (const r of api) expect(r).toMatchObject({ op: expect.any(String), count: expect.any(Number), ms: expect.any(Number) });
    const exits = log.filter((r) => r.event === 'exit' && r.firstApiMs !== undefined);
    expect(exits.length).toBeGreaterThan(0);
  });
});

/** The node an instance serves, as the adapter records it: a per-instance tag, or the batch's list by launch index. */
function nodeOf(i: Ec2FakeInstance): string {
  const own = i.tags[TAG.aws.node];
  if (own) return own;
  const batch = i.tags[NODES_TAG];
  return batch ? (expandNodesTag(batch)[i.launchIndex] ?? '') : '';
}
