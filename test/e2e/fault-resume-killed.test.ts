import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { faultHarnessOptions, faultTimeline, ORPHAN_GRACE_S, powerUp, settle } from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { isUp } from './harness/node-watch.js';
import { waitJob } from './harness/scenario.js';
import { recordTimeline } from './harness/timeline.js';

// Today: the instance leaks; its slurmd registers but the node has no address; the job is stuck COMPLETING.
describe('the resume hook is killed after RunInstances was sent', () => {
  let h: Harness;
  let id: number | undefined;
  beforeAll(async () => {
    // The node idles from its registration until reconcile gives it its address: keep it awake meanwhile.
    h = await startHarness(faultHarnessOptions({ suspendTimeS: 10 }));
  });
  afterAll(async () => {
    if (id !== undefined) await h?.slurm.scancel(id).catch(() => {});
    await h?.stop();
  });

  it('gives the node its instance’s address, keeps that one instance, and a job runs there', async () => {
    const node = h.nodes[1] as string;
    // The launch happens, but its reply never comes back: the hook is still waiting when it is killed.
    await h.cloud.faults({ hang: { count: 1, operation: 'RunInstances', afterWork: true } });
    const wokeAt = Date.now();
    await powerUp(h, node);
    const created = await waitFor(
      'the launch to create the instance',
      30_000,
      async () => h.cloud.events.find((e) => e.event.type === 'created' && e.event.node === node),
      50,
    );
    const killed = await waitFor('the resume hook to be killed', 10_000, async () => {
      const pids = h.killHook('resume');
      return pids.length > 0 ? pids : undefined;
    });
    const faultAt = Date.now();
    expect(killed.length).toBeGreaterThan(0);

    const ip = (await h.cloud.live()).find((i) => i.id === created.event.id)?.privateIp as string;
    expect(ip).toMatch(/^127\./);
    // Reconcile sets the address once the launch is older than the grace (its hook may still be at work before).
    const addressed = await waitFor(
      'the node to get its instance’s address',
      (ORPHAN_GRACE_S + 40) * 1000,
      async () => {
        const n = (await h.slurm.nodes()).get(node);
        return n?.NodeAddr === ip && isUp(n.State ?? '') ? n : undefined;
      },
      250,
    );
    const addressedAt = Date.now();
    expect(addressed.NodeHostName).toBe(node);

    // The node works: a job on it runs at once, on the one instance launched for it.
    id = await h.slurm.sbatch('-N', '1', '-w', node, '-o', `${h.dir}/job-%j.out`, '--wrap', 'hostname');
    const done = await waitJob(h, id, /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)$/, 60_000);
    const doneAt = Date.now();
    expect(done).toMatchObject({ JobState: 'COMPLETED', NodeList: node });
    expect(h.cloud.events.filter((e) => e.event.type === 'created').map((e) => e.event.id)).toEqual([created.event.id]);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'resume hook killed after the launch was sent',
        faultAt,
        { 'instance created': created.at, 'node has its address': addressedAt, 'job done': doneAt },
        { at: addressedAt },
      ),
    );
    expect(wokeAt).toBeLessThan(faultAt);
  });
});
