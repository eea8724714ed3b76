import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import { Scontrol } from '../../src/slurm/scontrol.js';
import { SCONTROL, type Slurmctld, startSlurmctld } from '../support/slurmctld.js';

// Real munged + slurmctld (Slurm 22.05 from Debian) on a free loopback port; no slurmd needed.
describe('Scontrol against a real slurmctld', () => {
  let ctld: Slurmctld;
  const calls: string[] = [];
  let sc: Scontrol;
  beforeAll(async () => {
    ctld = await startSlurmctld({ nodes: [1, 2, 3, 4].map((i) => ({ name: `compute-c5-${i}` })) });
    sc = new Scontrol({
      path: SCONTROL,
      slurmConf: ctld.conf,
      onCall: (c) => calls.push(`${c.args[1]}${c.error ? ' ERR' : ''}`),
    });
    await ctld.scontrol('update', 'nodename=compute-c5-[1-4]', 'state=power_up');
    await ctld.waitForState(['compute-c5-1', 'compute-c5-2', 'compute-c5-3', 'compute-c5-4'], /POWERING_UP/);
  });
  afterAll(async () => ctld?.stop());

  it('sets NodeAddr and NodeHostName of several nodes in one call', async () => {
    await sc.setAddresses({
      nodes: ['compute-c5-1', 'compute-c5-2'] as never[],
      addrs: ['127.0.0.21', '127.0.0.22'],
      hostnames: ['h1', 'h2'],
    });
    const nodes = await ctld.showNodes();
    expect(
      [1, 2].map((i) => `${nodes.get(`compute-c5-${i}`)?.NodeAddr}/${nodes.get(`compute-c5-${i}`)?.NodeHostName}`),
    ).toEqual(['127.0.0.21/h1', '127.0.0.22/h2']);
    expect(calls.at(-1)).toBe('nodename=compute-c5-1,compute-c5-2');
  });

  it('marks nodes DOWN with the reason, then powers them down at once', async () => {
    const reason = 'citc: InsufficientInstanceCapacity in us-east-1a for c5.large';
    await sc.markDown({ nodes: ['compute-c5-3', 'compute-c5-4'], reason });
    const nodes = await ctld.showNodes();
    for (const n of ['compute-c5-3', 'compute-c5-4']) {
      const rec = nodes.get(n);
      expect(rec?.Reason).toMatch(/^citc: InsufficientInstanceCapacity in us-east-1a for c5\.large \[root@/);
      // POWER_DOWN (requested) or POWERING_DOWN (already handed to SuspendProgram); no longer POWERING_UP.
      expect(rec?.State).toMatch(/POWER(ING)?_DOWN/);
      expect(rec?.State).not.toMatch(/POWERING_UP/);
    }
    expect(nodes.get('compute-c5-1')?.State).toMatch(/POWERING_UP/);
  });

  it('turns a failed call into a CitcError naming the command and what to check', async () => {
    const err = await sc.run(['update', 'nodename=no-such-node', 'state=down', 'reason=x']).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect(err.code).toBe('SCONTROL_FAILED');
    expect(err.message).toContain('scontrol update nodename=no-such-node');
    expect(calls.at(-1)).toBe('nodename=no-such-node ERR');
  });

  it('reports a missing scontrol as SCONTROL_MISSING (exit 3)', async () => {
    const err = await new Scontrol({ path: '/nonexistent/scontrol' }).run(['ping']).catch((e) => e);
    expect(err.code).toBe('SCONTROL_MISSING');
    expect(err.exitCode).toBe(3);
  });
});
