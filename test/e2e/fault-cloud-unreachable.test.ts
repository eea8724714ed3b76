import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { faultHarnessOptions, faultTimeline, passOf, powerUp, settle, waitNodeUp, waitSeen } from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { hookRuns, readHookLog } from './harness/hook-log.js';
import { isAsleep } from './harness/node-watch.js';
import { recordTimeline } from './harness/timeline.js';

// Today: suspend exits 1 after 0.9 s; Slurm marks the node powered down; the instance keeps running until
// a job happens to land on that node.
describe('the cloud is unreachable when Slurm suspends a node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    await h?.cloud.online().catch(() => {});
    await h?.stop();
  });

  it('leaves the termination to reconcile, which finishes it when the cloud is back', async () => {
    const node = h.nodes[0] as string;
    const wokeAt = Date.now();
    await powerUp(h, node);
    const instance = await waitNodeUp(h, node, wokeAt);

    // Connection refused from now on; the node idles into SuspendTime and Slurm calls suspend.
    await h.cloud.offline('refused');
    const faultAt = Date.now();
    const suspend = await waitFor(
      'the suspend hook to run and exit',
      (h.config.slurm.suspendTime + 30) * 1000,
      async () =>
        hookRuns(await readHookLog(h.hooks.logFile), faultAt).find((r) => r.hook === 'suspend' && r.code !== undefined),
      250,
    );
    const asleep = await waitSeen(
      h,
      'Slurm to think the node powered down',
      node,
      faultAt,
      (t) => isAsleep(t.state),
      60_000,
    );
    // The instance is still there (and still bills): the cloud could not be told.
    expect((await h.cloud.live()).map((i) => i.id)).toEqual([instance.id]);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await h.cloud.live()).map((i) => i.id)).toEqual([instance.id]);

    await h.cloud.online();
    const backAt = Date.now();
    const gone = await waitFor(
      'the instance terminated',
      60_000,
      async () => h.cloud.events.find((e) => e.event.type === 'terminated' && e.event.id === instance.id),
      200,
    );
    // Finished by the first or second pass after the cloud came back.
    expect(passOf(h, backAt, gone.at)).toBeLessThanOrEqual(2);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'cloud unreachable when Slurm suspends',
        faultAt,
        {
          'suspend hook exited': suspend.at + (suspend.ms ?? 0),
          'Slurm: node powered down': asleep.at,
          'cloud back': backAt,
          'instance terminated': gone.at,
        },
        // Recovery counts from the cloud's return: the outage itself is not citc's to shorten.
        { at: gone.at, from: backAt },
      ),
    );
  });
});
