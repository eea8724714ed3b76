import { describe, expect, it } from 'vitest';
import { EMPTY_DENY_LIST } from '../../../src/core/plan/deny-list.js';
import type { LiveInstance } from '../../../src/core/plan/types.js';
import {
  type Action,
  classify,
  DEFAULT_RECONCILE_SETTINGS,
  type Flag,
  type ReconcileInput,
  type Status,
} from '../../../src/core/reconcile/classify.js';
import type { SlurmNode } from '../../../src/core/reconcile/slurm-nodes.js';
import { clusterConfig } from '../plan/fixture.js';

const NOW = Date.parse('2026-12-02T22:00:00Z');
const config = clusterConfig();

/** A Slurm node from its `State=` text, e.g. `IDLE+CLOUD+POWERED_DOWN`. */
function node(name: string, state: string, extra: Partial<SlurmNode> = {}): SlurmNode {
  const [base = 'IDLE', ...flags] = state.split('+');
  return { name, state: base, flags, addr: name, hostname: name, ...extra };
}
function inst(id: string, nodeName: string, ageS: number, extra: Partial<LiveInstance> = {}): LiveInstance {
  return {
    id,
    node: nodeName,
    state: 'running',
    privateIp: `10.0.0.${id.length}`,
    launchedAt: NOW - ageS * 1000,
    ...extra,
  };
}
function run(slurm: SlurmNode[], instances: LiveInstance[], more: Partial<ReconcileInput> = {}) {
  return classify({
    config,
    slurm,
    instances,
    deny: EMPTY_DENY_LIST,
    returns: {},
    now: NOW,
    settings: DEFAULT_RECONCILE_SETTINGS,
    ...more,
  });
}

const N = 'compute-c5-1';
interface Case {
  name: string;
  slurm: SlurmNode[];
  instances: LiveInstance[];
  more?: Partial<ReconcileInput>;
  statuses: Status[];
  flags?: Flag[];
  actions: Action[];
}

const cases: Case[] = [
  {
    name: 'powered down, no instance: nothing to do',
    slurm: [node(N, 'IDLE+CLOUD+POWERED_DOWN')],
    instances: [],
    statuses: ['powered-down'],
    actions: [],
  },
  {
    name: 'instance for a powered-down node, older than the grace: orphan, terminated',
    slurm: [node(N, 'IDLE+CLOUD+POWERED_DOWN')],
    instances: [inst('i-1', N, 91)],
    statuses: ['orphan'],
    flags: ['orphan'],
    actions: [{ kind: 'terminate', node: N, instanceId: 'i-1', why: 'orphan' }],
  },
  {
    name: 'a power-up queued on a powered-down node (POWER_UP): its instance is wanted, the resume may reuse it',
    slurm: [node(N, 'IDLE+CLOUD+POWER_UP+POWERED_DOWN')],
    instances: [inst('i-1', N, 600, { privateIp: '10.0.0.3' })],
    statuses: ['no-address'],
    actions: [{ kind: 'set-address', node: N, addr: '10.0.0.3', hostname: N }],
  },
  {
    name: 'instance for a powered-down node within the grace: a launch may be in flight, left alone',
    slurm: [node(N, 'IDLE+CLOUD+POWERED_DOWN')],
    instances: [inst('i-1', N, 30)],
    statuses: ['orphan'],
    actions: [],
  },
  {
    name: 'instance of a node powering down: orphan (suspend may have failed)',
    slurm: [node(N, 'IDLE+CLOUD+POWERING_DOWN')],
    instances: [inst('i-1', N, 600)],
    statuses: ['orphan'],
    flags: ['orphan'],
    actions: [{ kind: 'terminate', node: N, instanceId: 'i-1', why: 'orphan' }],
  },
  {
    name: 'instance for a node the config no longer lists: orphan',
    slurm: [],
    instances: [inst('i-9', 'compute-c5-5001', 600)],
    statuses: ['orphan'],
    flags: ['orphan'],
    actions: [{ kind: 'terminate', node: 'compute-c5-5001', instanceId: 'i-9', why: 'orphan' }],
  },
  {
    name: 'instance without a node name of ours (the management node): never touched',
    slurm: [],
    instances: [inst('i-m', '', 6000)],
    statuses: [],
    actions: [],
  },
  {
    name: 'allocated node whose instance is gone: unbacked, set down so its jobs requeue',
    slurm: [node(N, 'ALLOCATED+CLOUD', { addr: '10.0.0.3' })],
    instances: [],
    statuses: ['unbacked'],
    flags: ['unbacked'],
    actions: [{ kind: 'down', node: N, reason: 'citc: instance gone' }],
  },
  {
    name: 'idle+completing node whose instance is stopped: unbacked, and the stopped instance terminated',
    slurm: [node(N, 'IDLE+COMPLETING+CLOUD+NOT_RESPONDING', { addr: '10.0.0.3' })],
    instances: [inst('i-1', N, 600, { state: 'other' })],
    statuses: ['unusable', 'unbacked'],
    flags: ['unbacked'],
    actions: [
      { kind: 'terminate', node: N, instanceId: 'i-1', why: 'unusable' },
      { kind: 'down', node: N, reason: 'citc: instance i-1 stopped' },
    ],
  },
  {
    name: 'mixed node whose instance is shutting down: unbacked with its state in the reason',
    slurm: [node(N, 'MIXED+CLOUD', { addr: '10.0.0.3' })],
    instances: [inst('i-1', N, 600, { state: 'stopping' })],
    statuses: ['unbacked'],
    flags: ['unbacked'],
    actions: [{ kind: 'down', node: N, reason: 'citc: instance i-1 stopping' }],
  },
  {
    name: 'powering up without an instance yet: the resume hook is at work',
    slurm: [node(N, 'IDLE+CLOUD+POWERING_UP')],
    instances: [],
    statuses: ['launching'],
    actions: [],
  },
  {
    name: 'up with its instance and address: nothing to do',
    slurm: [node(N, 'IDLE+CLOUD', { addr: '10.0.0.3' })],
    instances: [inst('i-1', N, 600, { privateIp: '10.0.0.3' })],
    statuses: ['up'],
    actions: [],
  },
  {
    name: 'registered without the address (resume hook killed): address set from the instance',
    slurm: [node(N, 'IDLE+COMPLETING+CLOUD')],
    instances: [inst('i-1', N, 120, { privateIp: '10.0.0.7' })],
    statuses: ['no-address'],
    actions: [{ kind: 'set-address', node: N, addr: '10.0.0.7', hostname: N }],
  },
  {
    name: 'powering up, instance just launched: the hook sets the address, not reconcile',
    slurm: [node(N, 'IDLE+CLOUD+POWERING_UP')],
    instances: [inst('i-1', N, 10, { privateIp: '10.0.0.7' })],
    statuses: ['launching'],
    actions: [],
  },
  {
    name: 'powering up past the grace without an address: address set',
    slurm: [node(N, 'IDLE+CLOUD+POWERING_UP')],
    instances: [inst('i-1', N, 200, { privateIp: '10.0.0.7' })],
    statuses: ['no-address'],
    actions: [{ kind: 'set-address', node: N, addr: '10.0.0.7', hostname: N }],
  },
  {
    name: 'two instances for one node: the one Slurm uses is kept, the other terminated',
    slurm: [node(N, 'ALLOCATED+CLOUD', { addr: '10.0.0.8' })],
    instances: [inst('i-old', N, 900, { privateIp: '10.0.0.5' }), inst('i-used', N, 300, { privateIp: '10.0.0.8' })],
    statuses: ['duplicate'],
    flags: ['duplicate'],
    actions: [{ kind: 'terminate', node: N, instanceId: 'i-old', why: 'duplicate of i-used' }],
  },
  {
    name: 'a duplicate within the grace is flagged, not terminated',
    slurm: [node(N, 'ALLOCATED+CLOUD', { addr: '10.0.0.8' })],
    instances: [inst('i-used', N, 900, { privateIp: '10.0.0.8' }), inst('i-new', N, 5, { privateIp: '10.0.0.9' })],
    statuses: ['duplicate'],
    flags: ['duplicate'],
    actions: [],
  },
  {
    name: 'citc set it down for an unreachable cloud, now powered down with no instance: returned',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: ECONNREFUSED (cloud unavailable)' })],
    instances: [],
    statuses: ['returnable'],
    actions: [{ kind: 'resume', node: N, why: 'citc: ECONNREFUSED (cloud unavailable)' }],
  },
  {
    name: 'ResumeTimeout without an instance: returned',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'ResumeTimeout reached' })],
    instances: [],
    statuses: ['returnable'],
    actions: [{ kind: 'resume', node: N, why: 'ResumeTimeout reached' }],
  },
  {
    name: 'citc set it down but it is not powered down: powered down first',
    slurm: [node(N, 'DOWN+CLOUD', { reason: 'citc: instance i-1 stopped' })],
    instances: [],
    statuses: ['waiting'],
    actions: [{ kind: 'power-down', node: N, why: 'citc: instance i-1 stopped' }],
  },
  {
    name: 'citc-down and powered down while an orphan still runs: orphan terminated, return waits',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: hook failure' })],
    instances: [inst('i-1', N, 600)],
    statuses: ['orphan', 'waiting'],
    flags: ['orphan'],
    actions: [{ kind: 'terminate', node: N, instanceId: 'i-1', why: 'orphan' }],
  },
  {
    name: 'capacity failure whose (type, zone) is still denied: waits, flagged denied',
    slurm: [
      node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: InsufficientInstanceCapacity in us-east-1a for c5.large' }),
    ],
    instances: [],
    more: {
      deny: {
        version: 1,
        entries: [
          { instanceType: 'c5.large', zone: 'us-east-1a', until: NOW + 1000, code: 'Insufficient', since: NOW - 1 },
        ],
      },
    },
    statuses: ['waiting'],
    flags: ['denied'],
    actions: [],
  },
  {
    name: 'capacity failure whose deny has run out: returned',
    slurm: [
      node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: InsufficientInstanceCapacity in us-east-1a for c5.large' }),
    ],
    instances: [],
    more: {
      deny: {
        version: 1,
        entries: [{ instanceType: 'c5.large', zone: 'us-east-1a', until: NOW, code: 'Insufficient', since: NOW - 1 }],
      },
    },
    statuses: ['returnable'],
    actions: [{ kind: 'resume', node: N, why: 'citc: InsufficientInstanceCapacity in us-east-1a for c5.large' }],
  },
  {
    name: 'returned too often within the window: left down, flagged stuck',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: hook failure' })],
    instances: [],
    more: { returns: { [N]: [NOW - 60_000, NOW - 50_000, NOW - 40_000] } },
    statuses: ['stuck'],
    flags: ['stuck'],
    actions: [],
  },
  {
    name: 'returns older than the window are forgotten: returned again',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: hook failure' })],
    instances: [],
    more: { returns: { [N]: [NOW - 7_200_000, NOW - 7_100_000, NOW - 7_000_000] } },
    statuses: ['returnable'],
    actions: [{ kind: 'resume', node: N, why: 'citc: hook failure' }],
  },
  {
    name: 'down by a person: never returned, never powered down',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'disk check' })],
    instances: [],
    statuses: ['powered-down'],
    actions: [],
  },
  {
    name: 'drained by a person with its instance gone: flagged, left alone',
    slurm: [node(N, 'IDLE+DRAIN+CLOUD', { reason: 'maintenance', addr: '10.0.0.3' })],
    instances: [],
    statuses: ['stuck'],
    flags: ['unbacked', 'stuck'],
    actions: [],
  },
  {
    name: 'not a node of this cluster (resume said so): never returned',
    slurm: [node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'citc: not a node of cluster demo' })],
    instances: [],
    statuses: ['powered-down'],
    actions: [],
  },
];

describe('classify', () => {
  it.each(cases)('$name', (c) => {
    const out = run(c.slurm, c.instances, c.more);
    const rows = out.rows.filter((r) => r.statuses.length > 0 || r.flags.length > 0);
    expect(rows.flatMap((r) => r.statuses)).toEqual(c.statuses);
    expect(rows.flatMap((r) => r.flags)).toEqual(c.flags ?? []);
    expect(out.actions).toEqual(c.actions);
  });

  it('records a return in the log it gives back, and drops returns older than the window', () => {
    const out = run([node(N, 'DOWN+CLOUD+POWERED_DOWN', { reason: 'ResumeTimeout reached' })], [], {
      returns: { [N]: [NOW - 7_200_000], 'compute-c5-2': [NOW - 10] },
    });
    expect(out.returns).toEqual({ [N]: [NOW], 'compute-c5-2': [NOW - 10] });
  });

  it('orders rows by partition, shape and index', () => {
    const out = run(
      ['compute-c5-10', 'compute-c5-2', 'compute-m5-1'].map((n) => node(n, 'IDLE+CLOUD+POWERED_DOWN')),
      [],
    );
    expect(out.rows.map((r) => r.node)).toEqual(['compute-c5-2', 'compute-c5-10', 'compute-m5-1']);
  });

  it('classifies 5000 nodes with 5000 instances, each up and addressed', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `compute-c5-${i + 1}`);
    const out = run(
      names.map((n, i) => node(n, 'ALLOCATED+CLOUD', { addr: `10.1.${i >> 8}.${i & 255}` })),
      names.map((n, i) => inst(`i-${i}`, n, 600, { privateIp: `10.1.${i >> 8}.${i & 255}` })),
    );
    expect(out.actions).toEqual([]);
    expect(new Set(out.rows.flatMap((r) => r.statuses))).toEqual(new Set(['up']));
  });
});
