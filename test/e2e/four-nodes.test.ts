import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { runCycle } from './harness/scenario.js';

describe('a job across the whole partition', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ log: (l) => console.log(`[e2e] ${l}`) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('wakes all four nodes, runs on them, and puts all four back to sleep', async () => {
    const cycle = await runCycle(h, '4-node job', 4);
    expect(cycle.nodes).toEqual(h.nodes);
    expect(cycle.done).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0', NumNodes: '4' });

    // One instance per node, each at its own loopback address, all terminated now.
    const instances = await h.cloud.instances();
    expect(instances.map((i) => i.node).sort()).toEqual(h.nodes);
    expect(new Set(instances.map((i) => i.privateIp)).size).toBe(4);
    expect(instances.every((i) => i.state === 'terminated')).toBe(true);

    // Every node was resumed once and suspended once (Slurm may split them over several calls).
    const runs = hookRuns(await readHookLog(h.hooks.logFile), cycle.submitAt - 1000);
    const expand = async (hook: string) =>
      (
        await Promise.all(
          runs.filter((r) => r.hook === hook).map(async (r) => h.slurm.scontrol('show', 'hostnames', r.hostlist)),
        )
      )
        .flatMap((out) => out.split('\n').filter(Boolean))
        .sort();
    expect(await expand('resume')).toEqual(h.nodes);
    expect(await expand('suspend')).toEqual(h.nodes);
    expect(runs.every((r) => r.code === 0)).toBe(true);

    const view = await h.slurm.nodes();
    expect(h.nodes.map((n) => view.get(n)?.State)).toEqual(h.nodes.map(() => 'IDLE+CLOUD+POWERED_DOWN'));
  });
});
