import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { clusterConfig, shape } from '../core/plan/fixture.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { nodeOutcomes, readLog, runHook, writeRuntime } from './harness.js';

/**
 * The admin shrank the config (lowered maxNodes of m5 from 20 to 10, removed shape x5 and partition
 * gpu) and redeployed while those nodes were up. Slurm still suspends them by name (it drops them only
 * when slurmctld reloads): suspend and resume-fail must terminate their instances all the same, and
 * only this cluster's. Resume keeps refusing such names (bad-input.test.ts).
 */
const RETIRED = ['compute-m5-15', 'compute-x5-1', 'gpu-t4-2'];
const CURRENT = 'compute-c5-1';

function shrunk(kind: 'aws' | 'gcp', endpoint: string): ClusterConfig {
  const config = clusterConfig(kind);
  config.partitions = [
    { name: 'compute', default: true, shapes: [shape('c5', ['c5.large'], 50), shape('m5', ['m5.large'], 10)] },
  ];
  config.provider.endpoint = endpoint;
  return config;
}

describe.each(['aws', 'gcp'] as const)('%s: suspend and resume-fail on nodes the config no longer lists', (kind) => {
  let ec2: Ec2Fake | undefined;
  let gce: GceFake | undefined;
  let endpoint: string;
  /** Live instance names of a cluster, as `<cluster>-<node>`. */
  let live: (cluster: string) => string[];
  let seed: (cluster: string, nodes: string[]) => void;

  beforeAll(async () => {
    if (kind === 'aws') {
      const fake = new Ec2Fake();
      ec2 = fake;
      await fake.start();
      endpoint = fake.endpoint;
      live = (cluster) => fake.live(cluster).map((i) => `${cluster}-${fake.nodeOf(i)}`);
      seed = (cluster, nodes) => {
        for (const node of nodes)
          fake.seed(1, { tags: { 'citc:cluster': cluster, 'citc:node': node, Name: `${cluster}-${node}` } });
      };
    } else {
      const fake = new GceFake();
      gce = fake;
      await fake.start();
      endpoint = fake.endpoint;
      live = (cluster) => fake.live(cluster).map((i) => i.name);
      seed = (cluster, nodes) =>
        fake.seed(
          'p',
          'europe-west4-b',
          nodes.map((n) => `${cluster}-${n}`),
          { 'citc-cluster': cluster },
        );
    }
  });
  afterAll(async () => {
    await ec2?.stop();
    await gce?.stop();
  });

  it('suspend terminates them, says they are not in the config any more, and leaves the other cluster alone', async () => {
    seed('demo', [...RETIRED, CURRENT]);
    // Same node names in another cluster of the same account: never ours.
    seed('demo2', RETIRED);
    const files = writeRuntime(shrunk(kind, endpoint));
    const run = await runHook('suspend', files, [...RETIRED, CURRENT].join(','), {});
    expect(run.code, run.stderr).toBe(0);
    expect(live('demo')).toEqual([]);
    expect(live('demo2').sort()).toEqual(RETIRED.map((n) => `demo2-${n}`).sort());
    const noted = readLog(files).filter((r) => r.event === 'node' && r.outcome === 'not-in-config');
    expect(noted.map((r) => r.node)).toEqual(RETIRED);
    for (const r of noted) expect(String(r.reason)).toContain('not in the config any more');
    const out = nodeOutcomes(files);
    for (const n of [...RETIRED, CURRENT]) expect(out.get(n)?.outcome).toBe('terminated');
    expect(readLog(files).find((r) => r.event === 'done')).toMatchObject({ notInConfig: 3, unknown: 0 });
  });

  it('resume-fail terminates them too; absent ones are done', async () => {
    seed('demo', ['compute-m5-11']);
    const files = writeRuntime(shrunk(kind, endpoint));
    const run = await runHook('resume-fail', files, 'compute-m5-[11-12]', {});
    expect(run.code, run.stderr).toBe(0);
    expect(live('demo')).toEqual([]);
    const out = nodeOutcomes(files);
    expect(out.get('compute-m5-11')?.outcome).toBe('terminated');
    expect(out.get('compute-m5-12')?.outcome).toBe('absent');
  });

  it('names of another form are still unknown: exit 2 and no cloud call', async () => {
    const files = writeRuntime(shrunk(kind, endpoint));
    const run = await runHook('suspend', files, 'login1,compute-c5-0', {});
    expect(run.code).toBe(2);
    const lines = readLog(files).filter((r) => r.event === 'node');
    expect(lines.map((r) => [r.node, r.outcome])).toEqual([
      ['login1', 'unknown'],
      ['compute-c5-0', 'unknown'],
    ]);
    expect(readLog(files).some((r) => r.event === 'api')).toBe(false);
  });
});
