import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import type { DenyList } from '../../src/core/plan/deny-list.js';
import { stateDirOf } from '../../src/core/runtime.js';
import { runResume } from '../../src/hooks/resume.js';
import { DENY_FILE } from '../../src/hooks/state-file.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { type HookFake, startHookFake } from './fake-cloud.js';
import { writeRuntime } from './harness.js';
import { inProcess } from './in-process.js';

/**
 * The capacity deny-list, in-process through the real bridge and SDK against each fake: a (type, zone)
 * that ran out of capacity is skipped by the next resume runs for capacityDenySeconds, then tried first
 * again; the list is a file in the state directory, and a damaged file falls back to the last good one.
 */
describe.each(['aws', 'gcp'] as const)('%s: capacity deny-list in resume', (kind) => {
  let fake: HookFake;
  beforeEach(async () => {
    fake = await startHookFake(kind);
  });
  afterEach(() => fake.stop());

  const setup = () => {
    const config = clusterConfig(kind);
    config.provider.endpoint = fake.endpoint;
    config.reconcile = { intervalSeconds: 30, orphanGraceSeconds: 90, capacityDenySeconds: 600 };
    const { runtime } = writeRuntime(config);
    const file = join(stateDirOf(runtime.paths), DENY_FILE);
    const [zoneA] = config.provider.zones as [string];
    return { runtime, file, zoneA };
  };
  const resume = async (runtime: ReturnType<typeof setup>['runtime'], node: string) => {
    const run = inProcess(runtime, 'resume', 30_000);
    const code = await runResume(run.deps, node);
    return { code, run };
  };

  it('skips the pair that ran out, then tries it first again once its time is up', async () => {
    const { runtime, file, zoneA } = setup();
    fake.faults.capacity({ zone: zoneA, instanceType: 'c5.large' });
    expect((await resume(runtime, 'compute-c5-1')).code).toBe(ExitCode.ok);
    const list = JSON.parse(readFileSync(file, 'utf8')) as DenyList;
    expect(list.entries.map((e) => `${e.instanceType}@${e.zone}`)).toEqual([`c5.large@${zoneA}`]);
    expect((list.entries[0]?.until ?? 0) - (list.entries[0]?.since ?? 0)).toBe(600_000);
    fake.faults.clear();

    const before = fake.launchKeys().length;
    expect((await resume(runtime, 'compute-c5-2')).code).toBe(ExitCode.ok);
    // Straight to the second type: the denied pair is not tried although it has room again.
    expect(fake.launchKeys().slice(before)).toEqual([`c5a.large@${zoneA}`]);

    // Its time is up: the next run tries it first again.
    writeFileSync(
      file,
      JSON.stringify({ ...list, entries: list.entries.map((e) => ({ ...e, until: Date.now() - 1 })) }),
    );
    const mid = fake.launchKeys().length;
    expect((await resume(runtime, 'compute-c5-3')).code).toBe(ExitCode.ok);
    expect(fake.launchKeys().slice(mid)).toEqual([`c5.large@${zoneA}`]);
  }, 60_000);

  it('every pair of a shape denied: the node fails at once, naming its first pair, without a launch call', async () => {
    const { runtime, zoneA } = setup();
    fake.faults.capacity({});
    const first = await resume(runtime, 'compute-m5-1');
    expect(first.code).toBe(ExitCode.partial);
    fake.faults.clear();
    const before = fake.launchKeys().length;
    const again = await resume(runtime, 'compute-m5-2');
    expect(again.code).toBe(ExitCode.partial);
    expect(fake.launchKeys().length).toBe(before);
    expect(again.run.downs).toEqual([
      { nodes: ['compute-m5-2'], reason: `citc: CapacityDenied in ${zoneA} for m5.large` },
    ]);
  }, 60_000);

  it('a damaged list: the last good one is used and a warning logged', async () => {
    const { runtime, file, zoneA } = setup();
    fake.faults.capacity({ zone: zoneA, instanceType: 'c5.large' });
    await resume(runtime, 'compute-c5-4');
    fake.faults.clear();
    writeFileSync(file, '{"version":1,"entries":[{"instanceType":');
    const before = fake.launchKeys().length;
    const { code, run } = await resume(runtime, 'compute-c5-5');
    expect(code).toBe(ExitCode.ok);
    expect(fake.launchKeys().slice(before)).toEqual([`c5a.large@${zoneA}`]);
    expect(run.log.find((r) => r.event === 'state-file-damaged')).toMatchObject({
      level: 'warn',
      file,
      using: file.replace(/\.json$/, '.last-good.json'),
    });
  }, 60_000);
});
