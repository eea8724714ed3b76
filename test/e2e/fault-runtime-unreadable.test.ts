import { readFile, writeFile } from 'node:fs/promises';
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
import { recordTimeline } from './harness/timeline.js';

// Today: the hook exits with an error, the node goes DOWN at ResumeTimeout and stays DOWN until a person
// resumes it; the error is written to a log path other than the cluster's.
describe('runtime.json is unreadable when Slurm resumes a node', () => {
  let h: Harness;
  let good: string | undefined;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
  });
  afterAll(async () => {
    if (good !== undefined) await writeFile(h.hooks.runtime, good);
    await h?.stop();
  });

  it('sets the node down at once with a citc: reason, and it is back in service within two passes of the fix', async () => {
    const node = h.nodes[3] as string;
    good = await readFile(h.hooks.runtime, 'utf8');
    // Half a file, as an interrupted write leaves it.
    await writeFile(h.hooks.runtime, good.slice(0, good.length / 2));
    const faultAt = Date.now();
    await powerUp(h, node);
    const down = await waitSeen(h, 'the node set down by citc', node, faultAt, citcDown, 30_000);
    expect(down.reason).toMatch(/^citc: .*runtime/i);
    // Long before ResumeTimeout would have done it.
    expect(down.at - faultAt).toBeLessThan(h.config.slurm.resumeTimeout * 1000);
    expect(h.cloud.events).toEqual([]);

    await writeFile(h.hooks.runtime, good);
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
        'runtime.json unreadable',
        faultAt,
        { 'node set down by citc': down.at, 'runtime.json fixed': fixedAt, 'node back in service': back.at },
        { at: back.at, from: fixedAt },
      ),
    );
  });
});
