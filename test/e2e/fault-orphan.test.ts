import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { faultHarnessOptions, faultTimeline, ORPHAN_GRACE_S, passOf, settle } from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { recordTimeline } from './harness/timeline.js';

// Today: never terminated while no job asks for that node: it bills forever.
describe('an instance tagged for the cluster runs for a node Slurm thinks is powered down', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('is terminated after the grace period, within two passes, also across a slurmctld restart', async () => {
    const node = h.nodes[2] as string;
    const faultAt = Date.now();
    const orphan = await h.cloud.appear(node);
    // Within the grace its launch might still be in flight: it is left alone meanwhile.
    await new Promise((r) => setTimeout(r, (ORPHAN_GRACE_S / 2) * 1000));
    expect((await h.cloud.live()).map((i) => i.id)).toEqual([orphan.id]);
    // The pass rebuilds its view every time: a restarted slurmctld changes nothing.
    await h.restartSlurmctld();
    const restartedAt = Date.now();

    const gone = await waitFor(
      'the orphan terminated',
      (ORPHAN_GRACE_S + 40) * 1000,
      async () => h.cloud.events.find((e) => e.event.type === 'terminated' && e.event.id === orphan.id),
      200,
    );
    const graceEnd = faultAt + ORPHAN_GRACE_S * 1000;
    // At most the grace plus two passes: terminated by the end of the second pass that began after it.
    expect(passOf(h, graceEnd, gone.at)).toBeLessThanOrEqual(2);
    expect(gone.at).toBeGreaterThanOrEqual(graceEnd);
    const terminate = (await h.cloud.calls()).filter((c) => c.operation === 'TerminateInstances' && c.status === 200);
    expect(terminate.map((c) => c.params['InstanceId.1'])).toEqual([orphan.id]);
    // Slurm never heard of it: the node stayed powered down throughout.
    expect(h.watch.transitions.filter((t) => t.node === node && !/POWERED_DOWN/.test(t.state))).toEqual([]);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'orphan instance for a powered-down node',
        faultAt,
        { 'slurmctld restarted': restartedAt, 'grace over': graceEnd, 'orphan terminated': gone.at },
        { at: gone.at },
      ),
    );
  });
});
