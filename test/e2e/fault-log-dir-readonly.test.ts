import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultHarnessOptions, faultTimeline, powerUp, settle, waitNodeUp } from './harness/faults.js';
import { type Harness, startHarness } from './harness/harness.js';
import { readOnly } from './harness/mounts.js';
import { captureSyslog, type Syslog, waitSyslog } from './harness/syslog.js';
import { recordTimeline } from './harness/timeline.js';

// Today: the hooks work, and nothing is logged anywhere.
describe('the hooks’ log directory is read-only', () => {
  let h: Harness;
  let syslog: Syslog | undefined;
  let undo: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    h = await startHarness(faultHarnessOptions());
    syslog = await captureSyslog(h.dir);
  });
  afterAll(async () => {
    await undo?.();
    await syslog?.stop();
    await h?.stop();
  });

  it('the hooks still work and log to syslog instead, saying where and why', async () => {
    const log = syslog as Syslog;
    const node = h.nodes[0] as string;
    undo = await readOnly(dirname(h.hooks.logFile));
    const before = await readFile(h.hooks.logFile, 'utf8').catch(() => '');
    const faultAt = Date.now();
    await powerUp(h, node);
    const instance = await waitNodeUp(h, node, faultAt);
    const instanceUpAt = Date.now();

    // The first line says why the file is not used, then the hook's own records follow, tagged with its name.
    const note = await waitSyslog(
      log,
      'the resume hook’s note',
      (l) => /citc-resume: .*logging to syslog/.test(l),
      30_000,
    );
    const noteAt = Date.now();
    expect(note).toMatch(/read-only file system/i);
    expect(note).toContain(h.hooks.logFile);
    const outcome = await waitSyslog(
      log,
      'the resume hook’s outcome for the node',
      (l) => /citc-resume: /.test(l) && l.includes(`"node":"${node}"`) && l.includes(instance.privateIp),
      30_000,
    );
    const loggedAt = Date.now();
    // The file itself got nothing (it could not).
    expect(await readFile(h.hooks.logFile, 'utf8').catch(() => '')).toBe(before);

    await undo();
    undo = undefined;
    const end = await settle(h);
    expect(end).toEqual({ live: 0, strays: [], doubled: [] });
    await recordTimeline(
      await faultTimeline(
        h,
        'hooks log directory read-only',
        faultAt,
        { 'node up': instanceUpAt, 'note in syslog': noteAt, 'node outcome in syslog': loggedAt },
        { at: noteAt },
      ),
    );
    expect(outcome).toContain('citc-resume');
  });
});
