import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { runResume } from '../../src/hooks/resume.js';
import { runTerminate } from '../../src/hooks/suspend.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { type HookFake, startHookFake } from './fake-cloud.js';
import { writeRuntime } from './harness.js';
import { inProcess } from './in-process.js';

/**
 * A dropped connection (ECONNRESET, no HTTP reply) costs one retry, not an instance left running with
 * no owner: SuspendProgram/ResumeFailProgram and ResumeProgram, in-process against each fake.
 */
describe.each([
  { kind: 'aws', list: 'DescribeInstances', terminate: 'TerminateInstances' },
  { kind: 'gcp', list: 'list', terminate: 'delete' },
] as const)('$kind: hooks over a dropped connection', ({ kind, list, terminate }) => {
  let fake: HookFake;
  beforeEach(async () => {
    fake = await startHookFake(kind);
  });
  afterEach(() => fake.stop());

  const runtime = () => {
    const config = clusterConfig(kind);
    config.provider.endpoint = fake.endpoint;
    return writeRuntime(config).runtime;
  };
  const resets = () => fake.calls.filter((c) => c.errorCode === 'ECONNRESET').length;

  it('suspend terminates every instance although its list and terminate calls lost their connection', async () => {
    const rt = runtime();
    const nodes = ['compute-c5-1', 'compute-c5-2', 'compute-m5-1'];
    expect(await runResume(inProcess(rt, 'resume', 20_000).deps, nodes.join(','))).toBe(ExitCode.ok);
    expect(fake.live(nodes)).toHaveLength(3);
    fake.faults.reset(2, list);
    // One terminate happens but its reply is lost; the next is reset before it is handled.
    fake.faults.reset(1, terminate, { afterWork: true });
    fake.faults.reset(1, terminate);
    const run = inProcess(rt, 'suspend', 20_000);
    expect(await runTerminate(run.deps, nodes.join(','), 120)).toBe(ExitCode.ok);
    expect(resets()).toBeGreaterThanOrEqual(3);
    expect(fake.live(nodes)).toHaveLength(0);
    expect(run.log.filter((r) => r.event === 'node' && r.outcome === 'terminated')).toHaveLength(3);
  });

  it('a connection that never comes back: suspend ends within its budget naming ECONNRESET', async () => {
    const rt = runtime();
    expect(await runResume(inProcess(rt, 'resume', 20_000).deps, 'compute-c5-3')).toBe(ExitCode.ok);
    fake.faults.reset(1_000_000_000);
    const run = inProcess(rt, 'suspend', 1500);
    const t0 = Date.now();
    const err = await runTerminate(run.deps, 'compute-c5-3', 120).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'CLOUD_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/ECONNRESET/);
    expect(resets()).toBeGreaterThan(1);
  });

  it('resume over a connection that never comes back fails the nodes with the Node code, within its budget', async () => {
    fake.faults.reset(1_000_000_000);
    const run = inProcess(runtime(), 'resume', 1500);
    const t0 = Date.now();
    const err = await runResume(run.deps, 'compute-c5-4').catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'CLOUD_UNAVAILABLE' });
    expect(run.downs.map((d) => d.reason)).toEqual(['citc: ECONNRESET (cloud unavailable)']);
  });
});
