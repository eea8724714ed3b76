import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { hostnames, submit } from './harness/scenario.js';
import { hookTotals } from './harness/timeline.js';

describe('no capacity anywhere', () => {
  let h: Harness;
  let id: number | undefined;
  beforeAll(async () => {
    h = await startHarness({ log: (l) => console.log(`[e2e] ${l}`) });
  });
  afterAll(async () => {
    if (id !== undefined) await h?.slurm.scancel(id).catch(() => {});
    await h?.stop();
  });

  it('fails the node at once with citc’s reason, requeues the job, and leaves no instance', async () => {
    await h.cloud.faults({ capacity: [{ code: 'InsufficientInstanceCapacity' }] });
    const submitAt = Date.now();
    id = await submit(h, 1);
    const jobId = id;

    // DOWN with the cloud's error as the reason, long before ResumeTimeout would have done it.
    const down = await waitFor('a node DOWN with citc’s reason', 45_000, async () =>
      h.watch.transitions.find((t) => t.at >= submitAt && /DOWN/.test(t.state) && /^citc: /.test(t.reason ?? '')),
    );
    const downAfterS = (down.at - submitAt) / 1000;
    expect(downAfterS).toBeLessThan(h.config.slurm.resumeTimeout);
    // The last option in failover order (every type in us-east-1a, then in us-east-1b); Slurm appends [user@time].
    expect(down.reason).toMatch(/^citc: InsufficientInstanceCapacity in us-east-1b for t3\.medium \[root@/);

    // The hook tried every instance type in every zone before giving up.
    const launches = (await h.cloud.calls()).filter((c) => c.operation === 'RunInstances');
    expect(launches.map((c) => [c.params.InstanceType, c.params.SubnetId])).toEqual([
      ['t3.small', 'subnet-us-east-1a'],
      ['t3.medium', 'subnet-us-east-1a'],
      ['t3.small', 'subnet-us-east-1b'],
      ['t3.medium', 'subnet-us-east-1b'],
    ]);
    expect(launches.every((c) => c.errorCode === 'InsufficientInstanceCapacity')).toBe(true);

    // The job went back to the queue and waits there; nothing runs in the cloud.
    const job = await waitFor('job requeued and pending', 30_000, async () => {
      const j = await h.slurm.job(jobId);
      return j?.JobState === 'PENDING' && Number(j.Restarts) >= 1 ? j : undefined;
    });
    const requeuedAt = Date.now();
    expect(job).toMatchObject({ JobState: 'PENDING', Restarts: '1' });
    await new Promise((r) => setTimeout(r, 5000));
    expect((await h.slurm.job(jobId))?.JobState).toBe('PENDING');
    expect(await h.cloud.live()).toEqual([]);
    expect(h.cloud.events.filter((e) => e.event.type === 'created')).toEqual([]);

    const runs = hookRuns(await readHookLog(h.hooks.logFile), submitAt - 1000);
    // Exit 4: some nodes failed (the hook's documented code), not a crash.
    expect(runs.filter((r) => r.hook === 'resume').every((r) => r.code === 4)).toBe(true);
    expect(await hostnames(h, down.node)).toEqual([down.node]);
    const rel = (t: number | undefined) => (t === undefined ? '-' : `+${((t - submitAt) / 1000).toFixed(1)}s`);
    const firstOf = (hook: string) => runs.find((r) => r.hook === hook)?.at;
    const inside = Object.entries(hookTotals(runs)).map(([k, v]) => `${k} ${v.runs}× ${v.ms} ms`);
    console.log(
      `[timing] no capacity: submit → resume called ${rel(firstOf('resume'))} → node DOWN ${rel(down.at)} → ` +
        `job requeued (seen) ${rel(requeuedAt)} → suspend called ${rel(firstOf('suspend'))}; inside hooks: ${inside.join(', ')}`,
    );
  });
});
