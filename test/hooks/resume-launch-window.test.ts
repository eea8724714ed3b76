import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchWindow } from '../../src/cloud/launch-window.js';
import { ExitCode } from '../../src/core/errors.js';
import { runResume } from '../../src/hooks/resume.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { type HookFake, startHookFake } from './fake-cloud.js';
import { writeRuntime } from './harness.js';
import { inProcess } from './in-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await sleep(20);
  return check();
}

/**
 * The resume run's launch window (src/cloud/retry.ts launchWindow): no launch round starts with less
 * than the provider's minimum launch time left, and what a launch cut off at the time left may have
 * started is listed and terminated in the time kept after it, before Slurm hears the node is down.
 * In-process runs of the ResumeProgram against each fake, through the real cloud bridge and SDK.
 */
describe.each(['aws', 'gcp'] as const)('%s: resume launch window', (kind) => {
  let fake: HookFake;
  beforeEach(async () => {
    fake = await startHookFake(kind);
  });
  afterEach(() => fake.stop());

  const runtime = () => {
    const config = clusterConfig(kind);
    config.provider.endpoint = fake.endpoint;
    return writeRuntime(config).runtime;
  };

  it('does not start another launch round with less than the minimum launch time left', async () => {
    const budgetMs = 4000;
    const { minMs } = launchWindow(kind, budgetMs);
    const zoneA = clusterConfig(kind).provider.zones[0] as string;
    const nodes = ['compute-c5-1', 'compute-c5-2'];
    // No room for the first option; the next one (c5a.large in the same zone) would fit.
    fake.faults.capacity({ instanceType: 'c5.large' });
    let deadline = 0;
    const run = inProcess(runtime(), 'resume', budgetMs, (c) => ({
      ...c,
      // The first round ends (slowly) with less than the minimum launch time left.
      launch: async (b) => {
        const out = await c.launch(b);
        await sleep(deadline - minMs / 2 - Date.now());
        return out;
      },
    }));
    deadline = run.deps.deadline ?? 0;
    const code = await runResume(run.deps, nodes.join(','));
    expect(code).toBe(ExitCode.partial);
    expect(fake.calls.filter((c) => c.operation === fake.launchOp)).toHaveLength(1);
    expect(run.log.filter((r) => r.event === 'api' && String(r.op).startsWith('launch '))).toHaveLength(1);
    const refused = run.log.find((r) => r.event === 'no-time-to-launch');
    expect(refused).toMatchObject({ nodes: 2 });
    expect(Math.abs(Number(refused?.needs) - minMs)).toBeLessThan(10);
    // Slurm hears of it at once, with the code that sent the nodes on and the option they would have had.
    expect(run.downs.map((d) => [d.nodes.join(','), d.reason])).toEqual([
      [nodes.join(','), `citc: ${fake.capacityCode} in ${zoneA} for c5a.large`],
    ]);
    const failed = run.log.filter((r) => r.event === 'node' && r.outcome === 'failed');
    expect(failed.map((r) => String(r.message))).toEqual([
      expect.stringMatching(/no time left for another launch attempt: \d+ ms of the hook's \d+ ms time budget left/),
      expect.stringMatching(/no time left for another launch attempt/),
    ]);
    expect(fake.live(nodes)).toHaveLength(0);
  });

  it('a launch cut off at the time left: what it started is terminated before Slurm is told the node is down', async () => {
    // 700 ms kept after the launch for the clean-up (list, terminate).
    const budgetMs = 7000;
    const nodes = ['compute-c5-3', 'compute-c5-4'];
    // The cloud creates the instances, but its reply never arrives: the call is cut off at the time left.
    fake.faults.hang(1, fake.launchOp, { afterWork: true });
    const run = inProcess(runtime(), 'resume', budgetMs);
    const t0 = Date.now();
    const code = await runResume(run.deps, nodes.join(','));
    expect(code).toBe(ExitCode.partial);
    expect(Date.now() - t0).toBeLessThan(budgetMs + 1000);
    const swept = run.log.filter((r) => r.event === 'node' && r.outcome === 'terminated' && r.why === 'cut-off-launch');
    expect(swept.map((r) => r.node).sort()).toEqual(nodes);
    expect(run.downs.flatMap((d) => d.nodes).sort()).toEqual(nodes);
    expect(run.downs.every((d) => d.reason.startsWith('citc: TimeoutError in '))).toBe(true);
    // Terminated (EC2: shutting down for a moment), not left running for a node Slurm has down.
    expect(await eventually(() => fake.live(nodes).length === 0, 3000)).toBe(true);
  });

  it('with less than the minimum left after listing, no launch is tried and the node fails naming the budget', async () => {
    const run = inProcess(runtime(), 'resume', 4000, (c) => ({
      ...c,
      // Listing takes nearly all of the time: no launch may start.
      list: async (n) => {
        const out = await c.list(n);
        await sleep((run.deps.deadline ?? 0) - 500 - Date.now());
        return out;
      },
    }));
    const code = await runResume(run.deps, 'compute-c5-5');
    expect(code).toBe(ExitCode.partial);
    expect(fake.calls.filter((c) => c.operation === fake.launchOp)).toHaveLength(0);
    const zoneA = clusterConfig(kind).provider.zones[0] as string;
    expect(run.downs.map((d) => d.reason)).toEqual([`citc: HookTimeBudget in ${zoneA} for c5.large`]);
    expect(run.log.filter((r) => r.event === 'api' && String(r.op).startsWith('launch '))).toHaveLength(0);
    // Nothing was sent, so there is nothing to look for afterwards.
    expect(run.log.filter((r) => r.event === 'api' && r.op === 'list')).toHaveLength(1);
  });
});
