import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  citcDown,
  faultHarnessOptions,
  faultTimeline,
  inService,
  passOf,
  powerUp,
  settle,
  waitSeen,
} from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { readOnly } from './harness/mounts.js';
import { recordTimeline } from './harness/timeline.js';

// Today: the hook exits with an error (which says ENOENT), the node goes DOWN at ResumeTimeout and stays
// DOWN until a person resumes it.
describe('the lock directory is on a read-only file system when Slurm resumes a node', () => {
  let h: Harness;
  let undo: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    await undo?.();
    await h?.stop();
  });

  it('sets the node down at once naming the cause, and it is back in service within two passes of the fix', async () => {
    const node = h.nodes[3] as string;
    undo = await readOnly(h.hooks.lockDir);
    const faultAt = Date.now();
    await powerUp(h, node);
    const down = await waitSeen(h, 'the node set down by citc', node, faultAt, citcDown, 30_000);
    // The real cause, not ENOENT: a read-only file system.
    expect(down.reason).toMatch(/^citc: .*(EROFS|read-only)/i);
    expect(down.at - faultAt).toBeLessThan(h.config.slurm.resumeTimeout * 1000);
    expect(h.cloud.events).toEqual([]);

    await undo();
    undo = undefined;
    const fixedAt = Date.now();
    // The safety net powered it down: at the end of that, Slurm 22.05 drops DOWN itself; reconcile returns
    // nodes that stay DOWN (ResumeTimeout). Either way, in service again within two passes.
    const back = await waitSeen(h, 'the node back in service', node, fixedAt, inService, 60_000);
    // Counted from the fix, or from the end of the power-down (SuspendTimeout) if that is later: no one can
    // return a node before Slurm has powered it down.
    const from = Math.max(fixedAt, down.at + h.config.slurm.suspendTimeout * 1000);
    expect(passOf(h, from, back.at)).toBeLessThanOrEqual(2);

    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'lock directory read-only',
        faultAt,
        { 'node set down by citc': down.at, 'file system writable again': fixedAt, 'node back in service': back.at },
        { at: back.at, from: fixedAt },
      ),
    );
  });
});
