import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../core/plan/fixture.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { readLog, runHook, writeRuntime } from './harness.js';

// Bad input must end the hook with a clear log line and exit code before any cloud call:
// these runs have no cloud at all (no endpoint), so reaching one would fail differently.
describe.each(['aws', 'gcp'] as const)('%s: hooks on bad input (real slurmctld)', (kind) => {
  let ctld: Slurmctld;
  beforeAll(async () => {
    ctld = await startSlurmctld({
      nodes: ['compute-c5-1', 'compute-c5-2', 'other-x1-1', 'other-x1-2', 'compute-m5-21', 'compute-x9-1'].map(
        (name) => ({ name }),
      ),
    });
  });
  afterAll(async () => ctld?.stop());

  it('malformed hostlist: exit 2, one error line naming it, nothing launched', async () => {
    const files = writeRuntime(clusterConfig(kind));
    const run = await runHook('resume', files, 'compute-c5-[1-', { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
    const errors = readLog(files).filter((r) => r.event === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ hook: 'resume', code: 'HOSTLIST_INVALID', subject: 'compute-c5-[1-', exit: 2 });
    expect(String(errors[0]?.message)).toContain("unclosed '['");
    expect(readLog(files).some((r) => r.event === 'api')).toBe(false);
  });

  it('unknown nodes: exit 2, a log line per node, DOWN in Slurm with the reason, nothing launched', async () => {
    const files = writeRuntime(clusterConfig(kind));
    await ctld.scontrol('update', 'nodename=other-x1-[1-2]', 'state=power_up');
    await ctld.waitForState(['other-x1-1', 'other-x1-2'], /POWERING_UP/);
    const run = await runHook('resume', files, 'other-x1-[1-2]', { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
    const lines = readLog(files).filter((r) => r.event === 'node');
    expect(lines.map((r) => [r.node, r.outcome])).toEqual([
      ['other-x1-1', 'unknown'],
      ['other-x1-2', 'unknown'],
    ]);
    const nodes = await ctld.showNodes();
    for (const n of ['other-x1-1', 'other-x1-2']) {
      expect(nodes.get(n)?.Reason).toMatch(/^citc: not a node of cluster demo \[root@/);
      expect(nodes.get(n)?.State).not.toMatch(/POWERING_UP/);
    }
    expect(readLog(files).some((r) => r.event === 'api')).toBe(false);
  });

  // Suspend terminates such names (the config may have shrunk under running nodes,
  // suspend-not-in-config.test.ts); resume must never launch one.
  it('names of our form the config does not list (index above maxNodes, no such shape): resume refuses them', async () => {
    const files = writeRuntime(clusterConfig(kind));
    const nodes = ['compute-m5-21', 'compute-x9-1'];
    await ctld.scontrol('update', `nodename=${nodes.join(',')}`, 'state=power_up');
    await ctld.waitForState(nodes, /POWERING_UP/);
    const run = await runHook('resume', files, nodes.join(','), { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
    const lines = readLog(files).filter((r) => r.event === 'node');
    expect(lines.map((r) => [r.node, r.outcome])).toEqual(nodes.map((n) => [n, 'unknown']));
    const view = await ctld.showNodes();
    for (const n of nodes) expect(view.get(n)?.Reason).toMatch(/^citc: not a node of cluster demo \[root@/);
    expect(readLog(files).some((r) => r.event === 'api')).toBe(false);
  });

  it('missing runtime.json: exit 2 and a line on stderr', async () => {
    const files = writeRuntime(clusterConfig(kind));
    files.runtimePath = `${files.dir}/nope.json`;
    const run = await runHook('suspend', files, 'compute-c5-1', { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
  });

  it('no hostlist: exit 2', async () => {
    const files = writeRuntime(clusterConfig(kind));
    const run = await runHook('resume-fail', files, '', { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
  });
});
