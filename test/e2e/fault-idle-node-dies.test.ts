import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import {
  citcDown,
  faultHarnessOptions,
  faultTimeline,
  firstSeen,
  powerUp,
  settle,
  waitNodeUp,
  waitSeen,
} from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { submit, waitJob } from './harness/scenario.js';
import { recordTimeline } from './harness/timeline.js';

// Today: the job is requeued after a launch failure, then stuck COMPLETING on an
// IDLE+COMPLETING+NOT_RESPONDING node for 4+ min; no hook is ever called.
describe('an idle powered-up node’s instance is terminated behind Slurm’s back, then a job lands on it', () => {
  let h: Harness;
  let id: number | undefined;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    if (id !== undefined) await h?.slurm.scancel(id).catch(() => {});
    await h?.stop();
  });

  it('sets the node down with the instance’s fate, and the job completes on a new instance', async () => {
    const node = h.nodes[0] as string;
    const wokeAt = Date.now();
    await powerUp(h, node);
    const first = await waitNodeUp(h, node, wokeAt);

    const faultAt = Date.now();
    await h.cloud.die([first.id]);
    // Slurm prefers the node that is up: the job lands there while Slurm still thinks it idle and healthy.
    id = await submit(h, 1, 'hostname');
    const jobId = id;
    const landed = await waitSeen(
      h,
      'the job on the dead node',
      node,
      faultAt,
      (t) => /ALLOCATED/.test(t.state),
      30_000,
    );

    const down = await waitFor('the node set down by citc', 45_000, async () => firstSeen(h, node, faultAt, citcDown));
    expect(down.reason).toMatch(new RegExp(`^citc: instance (${first.id} terminated|gone)`));
    const done = await waitJob(h, jobId, /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)$/, 150_000);
    const doneAt = Date.now();
    expect(done).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0' });
    const second = h.cloud.events.find(
      (e) => e.event.type === 'created' && e.at > faultAt && e.event.node === done.NodeList,
    );
    expect(second?.event.id).toBeDefined();
    expect(second?.event.id).not.toBe(first.id);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'idle node terminated behind Slurm, then a job lands on it',
        faultAt,
        {
          'job landed on the dead node': landed.at,
          'node set down by citc': down.at,
          'new instance created': second?.at,
          'job done': doneAt,
        },
        { at: doneAt },
      ),
    );
  });
});
