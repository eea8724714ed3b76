import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import type { FakeInstanceView } from './harness/fake-cloud.js';
import {
  citcDown,
  faultHarnessOptions,
  faultTimeline,
  powerUp,
  settle,
  waitNodeUp,
  waitSeen,
} from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { hostnames, jobOutput, submit, waitJob } from './harness/scenario.js';
import { recordTimeline } from './harness/timeline.js';

// Today: nothing for 3 min; SlurmdTimeout sets the node DOWN at +471 s; the job restarts at +625 s.
describe('an instance dies under a running job', () => {
  let h: Harness;
  let id: number | undefined;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    if (id !== undefined) await h?.slurm.scancel(id).catch(() => {});
    await h?.stop();
  });

  it('ends every process of the instance, requeues the job within 60 s, and runs it on a new instance', async () => {
    // A node already up: Slurm prefers it to powered-down ones, and starts the job at once (a job on a
    // powering-up node waits for Slurm's next 30 s check).
    const up = h.nodes[0] as string;
    const wokeAt = Date.now();
    await powerUp(h, up);
    await waitNodeUp(h, up, wokeAt);
    // The first run waits to be killed; the requeued run (SLURM_RESTART_COUNT set) ends at once.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable in the job script
    id = await submit(h, 1, 'echo "ran on $SLURMD_NODENAME"; [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] || sleep 600');
    const jobId = id;
    const running = await waitJob(h, jobId, /^RUNNING$/);
    const [node = ''] = await hostnames(h, running.NodeList ?? '');
    const first = (await h.cloud.live()).find((i) => i.node === node) as FakeInstanceView;
    expect(first).toBeDefined();
    expect(h.instanceProcesses().length).toBeGreaterThan(0);

    const faultAt = Date.now();
    await h.cloud.die([first.id]);
    // The instance's death ends slurmd, slurmstepd and the job's own processes: nothing of it runs on.
    await waitFor(
      'every process of the dead instance to end',
      10_000,
      async () => h.instanceProcesses().length === 0,
      50,
    );
    const processesGoneAt = Date.now();

    const requeued = await waitFor(
      'the job requeued',
      60_000,
      async () => {
        const j = await h.slurm.job(jobId);
        return j && Number(j.Restarts) >= 1 ? j : undefined;
      },
      250,
    );
    const requeuedAt = Date.now();
    expect(Number(requeued.Restarts)).toBe(1);
    const down = await waitSeen(h, 'the node set down by citc', node, faultAt, citcDown, 30_000);
    // The issue asks for `citc: instance <id> <state>`; the pass lists live instances only, so a terminated one reads "gone".
    expect(down.reason).toMatch(new RegExp(`^citc: instance (${first.id} terminated|gone)`));

    const done = await waitJob(h, jobId, /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)$/, 150_000);
    const doneAt = Date.now();
    expect(done).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0', Restarts: '1' });
    // The second run was on a new instance (of whichever node Slurm chose).
    const [again = ''] = await hostnames(h, done.NodeList ?? '');
    expect(await readFile(jobOutput(h, jobId), 'utf8')).toBe(`ran on ${again}\n`);
    const second = h.cloud.events.find((e) => e.event.type === 'created' && e.at > faultAt && e.event.node === again);
    expect(second?.event.id).toBeDefined();
    expect(second?.event.id).not.toBe(first.id);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'instance dies under a running job',
        faultAt,
        {
          'instance processes gone': processesGoneAt,
          'node set down by citc': down.at,
          'job requeued (seen)': requeuedAt,
          'new instance created': second?.at,
          'job done': doneAt,
        },
        { at: requeuedAt },
      ),
    );
  });
});
