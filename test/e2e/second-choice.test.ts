import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { isFailed } from './harness/node-watch.js';
import { runCycle } from './harness/scenario.js';

describe('capacity only in the second instance type, in the second zone', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ log: (l) => console.log(`[e2e] ${l}`) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails over to t3.medium in us-east-1b and the job runs there', async () => {
    // t3.small is out everywhere and us-east-1a is out for everything: only the last option is left.
    await h.cloud.faults({ capacity: [{ instanceType: 't3.small' }, { zone: 'us-east-1a' }] });
    const cycle = await runCycle(h, 'second type, second zone', 1);
    expect(cycle.done).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0' });

    const instances = await h.cloud.instances();
    expect(instances.map((i) => [i.node, i.instanceType, i.zone, i.state])).toEqual([
      [cycle.nodes[0], 't3.medium', 'us-east-1b', 'terminated'],
    ]);
    // The failover order the hook walked, as the fake cloud saw it.
    const launches = (await h.cloud.calls()).filter((c) => c.operation === 'RunInstances');
    expect(launches.map((c) => [c.params.InstanceType, c.params.SubnetId, c.errorCode ?? 'ok'])).toEqual([
      ['t3.small', 'subnet-us-east-1a', 'InsufficientInstanceCapacity'],
      ['t3.medium', 'subnet-us-east-1a', 'InsufficientInstanceCapacity'],
      ['t3.small', 'subnet-us-east-1b', 'InsufficientInstanceCapacity'],
      ['t3.medium', 'subnet-us-east-1b', 'ok'],
    ]);
    // No node was failed on the way: Slurm never saw it DOWN.
    expect(h.watch.transitions.filter((t) => isFailed(t.state))).toEqual([]);
    const runs = hookRuns(await readHookLog(h.hooks.logFile), cycle.submitAt - 1000);
    expect(runs.map((r) => [r.hook, r.code])).toEqual([
      ['resume', 0],
      ['suspend', 0],
    ]);
  });
});
