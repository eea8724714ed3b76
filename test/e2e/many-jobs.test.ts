import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { submit, waitJob } from './harness/scenario.js';
import { recordTimeline, timeline } from './harness/timeline.js';

describe('jobs submitted together and in quick succession', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ log: (l) => console.log(`[e2e] ${l}`) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('launches each node once, however the jobs and the resume calls overlap', async () => {
    const submitAt = Date.now();
    // Two at the same instant; two more the moment the first resume runs (a second, overlapping resume
    // call); then two more in quick succession, which wait for nodes already up: six jobs for four nodes.
    const ids = await Promise.all([submit(h, 1), submit(h, 1)]);
    await waitFor('the first resume call', 30_000, async () =>
      hookRuns(await readHookLog(h.hooks.logFile), submitAt).some((r) => r.hook === 'resume'),
    );
    ids.push(...(await Promise.all([submit(h, 1), submit(h, 1)])));
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      ids.push(await submit(h, 1));
    }
    const done = [];
    for (const id of ids) done.push(await waitJob(h, id, /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)$/, 150_000));
    const jobDone = Date.now();
    expect(done.map((j) => j.JobState)).toEqual(ids.map(() => 'COMPLETED'));
    await h.waitAllAsleep();

    // The launch log: every node created at most once, and never while an instance of it was alive.
    const created = h.cloud.events.filter((e) => e.event.type === 'created').map((e) => e.event.node);
    expect(created.length).toBeGreaterThan(0);
    expect(created.length).toBe(new Set(created).size);
    expect(created.length).toBeLessThanOrEqual(h.nodes.length);
    const runInstances = (await h.cloud.calls()).filter((c) => c.operation === 'RunInstances' && c.status === 200);
    const launchedCount = runInstances.reduce((n, c) => n + Number(c.params.MaxCount ?? 1), 0);
    expect(launchedCount).toBe(created.length);
    expect((await h.cloud.live()).length).toBe(0);

    // Each node Slurm resumed appears in exactly one resume call.
    const runs = hookRuns(await readHookLog(h.hooks.logFile), submitAt - 1000);
    const resumed: string[] = [];
    for (const r of runs.filter((x) => x.hook === 'resume')) {
      resumed.push(...(await h.slurm.scontrol('show', 'hostnames', r.hostlist)).split('\n').filter(Boolean));
    }
    expect(resumed.sort()).toEqual([...created].sort());
    expect(runs.every((r) => r.code === 0)).toBe(true);
    expect(runs.filter((r) => r.hook === 'resume').length).toBeGreaterThanOrEqual(2);

    await recordTimeline(await timeline(h, `${ids.length} jobs`, submitAt, created, { jobDone }));
  });
});
