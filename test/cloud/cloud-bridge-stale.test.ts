import { afterEach, describe, expect, it } from 'vitest';
import { AwsAdapter } from '../../src/cloud/aws/adapter.js';
import { GcpAdapter } from '../../src/cloud/gcp/adapter.js';
import type { CloudAdapter } from '../../src/cloud/types.js';
import type { NodeRef } from '../../src/core/naming.js';
import { resolveNodes } from '../../src/core/plan/resolve-nodes.js';
import { nextResume, startResume, summarizeResume } from '../../src/core/plan/resume.js';
import { cloudOf } from '../../src/hooks/cloud.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { cloudRuntime } from '../support/runtime.js';

/**
 * A node whose instance powered itself off (AWS stopped, GCE TERMINATED/SUSPENDED) is not "running":
 * resume clears that instance and launches a new one, through the bridge the hooks use, on the fakes.
 */
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function resume(adapter: CloudAdapter, runtime: ReturnType<typeof cloudRuntime>, nodes: string[]) {
  const cloud = cloudOf(adapter, runtime);
  const refs: NodeRef[] = resolveNodes(runtime.cluster, nodes).known;
  let step = startResume(runtime.cluster, refs, await cloud.list(nodes));
  while (step.batches.length > 0) step = nextResume(step.state, await Promise.all(step.batches.map(cloud.launch)));
  return summarizeResume(step.state);
}

describe('resume of a node whose instance is stopped', () => {
  it('aws: the stopped instance is terminated and a new one launched; a running one is reused', async () => {
    const fake = new Ec2Fake();
    await fake.start();
    stop = () => fake.stop();
    const rt = cloudRuntime('aws', fake.endpoint);
    const tags = (node: string) => ({ 'citc:cluster': 'alpha', 'citc:node': node });
    const [stopped] = fake.seed(1, { tags: tags('compute-small-1'), state: 'stopped' });
    const [up] = fake.seed(1, { tags: tags('compute-small-2'), state: 'running' });
    const s = await resume(new AwsAdapter(rt, { budgetMs: 5000, pollMs: 20 }), rt, [
      'compute-small-1',
      'compute-small-2',
    ]);
    expect(s.failed).toEqual([]);
    expect(s.running.map((o) => `${o.node}:${'instanceId' in o && o.instanceId}`)).toEqual([
      `compute-small-2:${up?.id}`,
    ]);
    expect(s.launched.map((o) => `${o.node}:${'instanceId' in o && o.instanceId === stopped?.id}`)).toEqual([
      'compute-small-1:false',
    ]);
    expect(fake.instances.get(stopped?.id ?? '')?.state).toMatch(/shutting-down|terminated/);
    expect(fake.live('alpha').filter((i) => i.tags['citc:node'] === 'compute-small-1')).toHaveLength(1);
  });

  it('gcp: the TERMINATED/SUSPENDED instance is deleted, awaited, and its name inserted anew', async () => {
    const fake = new GceFake({ operationMs: 50 });
    await fake.start();
    stop = () => fake.stop();
    const rt = cloudRuntime('gcp', fake.endpoint);
    const zone = rt.cluster.provider.zones[0] as string;
    const labels = { 'citc-cluster': 'alpha' };
    fake.seed('proj', zone, ['alpha-compute-small-1'], labels, 'TERMINATED');
    fake.seed('proj', zone, ['alpha-compute-small-2'], labels, 'SUSPENDED');
    fake.seed('proj', zone, ['alpha-compute-small-3'], labels, 'RUNNING');
    const nodes = ['compute-small-1', 'compute-small-2', 'compute-small-3'];
    const s = await resume(new GcpAdapter(rt, { budgetMs: 5000, pollMs: 20 }), rt, nodes);
    expect(s.failed).toEqual([]);
    expect(s.running.map((o) => o.node)).toEqual(['compute-small-3']);
    expect(s.launched.map((o) => `${o.node}@${'option' in o && o.option?.zone}`).sort()).toEqual([
      `compute-small-1@${zone}`,
      `compute-small-2@${zone}`,
    ]);
    const after = fake.live('alpha').map((i) => `${i.name}:${i.status}`);
    expect(after.sort()).toEqual([
      'alpha-compute-small-1:RUNNING',
      'alpha-compute-small-2:RUNNING',
      'alpha-compute-small-3:RUNNING',
    ]);
    expect(fake.callsOf('delete')).toHaveLength(2);
  });
});
