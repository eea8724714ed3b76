import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { jobOutput, runCycle } from './harness/scenario.js';

describe('one job wakes one node, runs, and the node goes back to sleep', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ log: (l) => console.log(`[e2e] ${l}`) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('sbatch → resume → instance → node registers → COMPLETED → suspend → instance terminated → idle~', async () => {
    const cycle = await runCycle(h, 'one job', 1);
    const [node] = cycle.nodes;
    expect(cycle.nodes).toEqual([expect.stringMatching(/^work-small-[1-4]$/)]);
    expect(cycle.done).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0' });

    // The cloud launched exactly one instance, for that node, and it is terminated now.
    const instances = await h.cloud.instances();
    expect(instances.map((i) => [i.node, i.state])).toEqual([[node, 'terminated']]);
    // Slurm was told the instance's address and reached slurmd there (the job ran).
    expect(cycle.addrs).toEqual({ [node as string]: instances[0]?.privateIp });
    expect(instances[0]?.privateIp).toMatch(/^127\./);
    expect(await readFile(jobOutput(h, cycle.id), 'utf8')).toBe(`ran on ${node}\n`);

    // Slurm's view at the end: the node powered down and idle again.
    const view = await h.slurm.nodes();
    expect(view.get(node as string)?.State).toBe('IDLE+CLOUD+POWERED_DOWN');

    // The hooks: one resume and one suspend, for that node, both exit 0.
    const runs = hookRuns(await readHookLog(h.hooks.logFile), cycle.submitAt - 1000);
    expect(runs.map((r) => [r.hook, r.hostlist, r.code])).toEqual([
      ['resume', node, 0],
      ['suspend', node, 0],
    ]);
  });
});
