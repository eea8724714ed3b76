import { describe, expect, it } from 'vitest';
import { chunk } from '../../../src/core/plan/batch-limits.js';
import { addressUpdates, downUpdates, failureReason } from '../../../src/core/plan/slurm-updates.js';
import type { NodeOutcome } from '../../../src/core/plan/types.js';

type Failed = Extract<NodeOutcome, { status: 'failed' }>;
const n = (s: string) => s as never;

describe('addressUpdates', () => {
  it('lines up names, addresses and hostnames, skips nodes without an address, splits at the limit', () => {
    const outcomes: NodeOutcome[] = [
      { node: n('c-1'), status: 'running', instanceId: 'i-1', privateIp: '10.0.0.1', hostname: 'ip-10-0-0-1' },
      { node: n('c-2'), status: 'launched', instanceId: 'i-2', option: { zone: 'z', instanceType: 't' } },
      {
        node: n('c-3'),
        status: 'launched',
        instanceId: 'i-3',
        privateIp: '10.0.0.3',
        option: { zone: 'z', instanceType: 't' },
      },
      { node: n('c-4'), status: 'failed', kind: 'quota', code: 'Q', message: 'm' },
    ];
    expect(addressUpdates(outcomes, 1)).toEqual([
      { nodes: ['c-1'], addrs: ['10.0.0.1'], hostnames: ['ip-10-0-0-1'] },
      { nodes: ['c-3'], addrs: ['10.0.0.3'], hostnames: ['c-3'] },
    ]);
  });
});

describe('downUpdates', () => {
  it('groups failed nodes by distinct reason naming code, zone and type', () => {
    const f = (node: string, code: string, zone?: string): Failed => ({
      node: n(node),
      status: 'failed',
      kind: 'capacity',
      code,
      message: 'm',
      ...(zone && { option: { zone, instanceType: 'c5.large' } }),
    });
    const failed = [
      f('c-1', 'InsufficientInstanceCapacity', 'us-east-1a'),
      f('c-2', 'VcpuLimitExceeded', 'us-east-1a'),
      f('c-3', 'InsufficientInstanceCapacity', 'us-east-1a'),
      f('c-4', 'NoLaunchOptions'),
    ];
    expect(failureReason(failed[0] as Failed)).toBe('citc: InsufficientInstanceCapacity in us-east-1a for c5.large');
    expect(downUpdates(failed)).toEqual([
      { nodes: ['c-1', 'c-3'], reason: 'citc: InsufficientInstanceCapacity in us-east-1a for c5.large' },
      { nodes: ['c-2'], reason: 'citc: VcpuLimitExceeded in us-east-1a for c5.large' },
      { nodes: ['c-4'], reason: 'citc: NoLaunchOptions' },
    ]);
  });
});

describe('chunk', () => {
  it('splits evenly with a short tail and refuses a size below 1', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});
