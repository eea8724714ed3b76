import { describe, expect, it } from 'vitest';
import { parseShowNodes, poweredDown } from '../../../src/core/reconcile/slurm-nodes.js';

// Lines as Debian's Slurm 22.05 prints them (`scontrol show nodes -o`), shortened in the middle.
const TEXT = [
  'NodeName=compute-c5-1 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=1 NodeAddr=compute-c5-1 NodeHostName=compute-c5-1  RealMemory=1 State=IDLE+CLOUD+POWERED_DOWN ThreadsPerCore=1 Partitions=debug  BootTime=None SlurmdStartTime=None LastBusyTime=Unknown CfgTRES=cpu=1,mem=1M,billing=1 AllocTRES= CapWatts=n/a',
  'NodeName=compute-c5-2 CoresPerSocket=1  NodeAddr=compute-c5-2 NodeHostName=compute-c5-2  State=DOWN+CLOUD+POWERED_DOWN ThreadsPerCore=1 BootTime=None ExtSensorsTemp=n/s Reason=citc: instance i-1 stopped (retry 1) [root@2026-12-02T21:25:53]',
  'NodeName=compute-c5-3 NodeAddr=10.0.0.7 NodeHostName=compute-c5-3 State=MIXED+CLOUD+NOT_RESPONDING BootTime=2026-12-02T21:00:00 Reason=Not responding [slurm@2026-12-02T21:30:00]',
  '',
].join('\n');

describe('parseShowNodes', () => {
  const nodes = parseShowNodes(TEXT, (s) => Date.parse(`${s}Z`));
  it('reads name, base state, flags, address and boot time', () => {
    expect(nodes.map((n) => [n.name, n.state, n.flags.join('+'), n.addr])).toEqual([
      ['compute-c5-1', 'IDLE', 'CLOUD+POWERED_DOWN', 'compute-c5-1'],
      ['compute-c5-2', 'DOWN', 'CLOUD+POWERED_DOWN', 'compute-c5-2'],
      ['compute-c5-3', 'MIXED', 'CLOUD+NOT_RESPONDING', '10.0.0.7'],
    ]);
    expect(nodes[0]?.bootAt).toBeUndefined();
    expect(nodes[2]?.bootAt).toBe(Date.parse('2026-12-02T21:00:00Z'));
  });
  it('takes the reason whole, without its [user@time] stamp', () => {
    expect(nodes[1]).toMatchObject({
      reason: 'citc: instance i-1 stopped (retry 1)',
      reasonBy: 'root',
      reasonAt: Date.parse('2026-12-02T21:25:53Z'),
    });
    expect(nodes[2]?.reason).toBe('Not responding');
    expect(nodes[0]?.reason).toBeUndefined();
  });
  it('powered down means POWERED_DOWN or POWERING_DOWN', () => {
    expect(nodes.map(poweredDown)).toEqual([true, true, false]);
    expect(poweredDown({ ...(nodes[0] as (typeof nodes)[0]), flags: ['CLOUD', 'POWER_UP', 'POWERED_DOWN'] })).toBe(false);
  });
});
