import { describe, expect, it } from 'vitest';
import { resolveNodes } from '../../../src/core/plan/resolve-nodes.js';
import { expireResume, nextResume, startResume, summarizeResume } from '../../../src/core/plan/resume.js';
import type { BatchOutcome, LaunchFailureKind, PlannedBatch } from '../../../src/core/plan/types.js';
import { clusterConfig } from './fixture.js';

const config = clusterConfig();
const refs = (...names: string[]) => resolveNodes(config, names).known;
const allLaunched = (b: PlannedBatch): BatchOutcome => ({
  batch: b,
  launched: b.nodes.map((node, i) => ({ node, instanceId: `i-${node}`, privateIp: `10.0.0.${i + 1}` })),
  failed: [],
});
const allFailed = (b: PlannedBatch, kind: LaunchFailureKind, code: string): BatchOutcome => ({
  batch: b,
  launched: [],
  failed: b.nodes.map((node) => ({ node, kind, code, message: `${code} for ${node}` })),
});

describe('resolveNodes', () => {
  it('maps names to partition and shape, reports unknown ones, drops duplicates', () => {
    const r = resolveNodes(config, [
      'compute-c5-1',
      'compute-c5-1',
      'compute-x9-1',
      'compute-m5-21',
      'gpu-c5-1',
      'compute-m5-20',
    ]);
    expect(r.known.map((k) => `${k.node}:${k.shape.name}`)).toEqual(['compute-c5-1:c5', 'compute-m5-20:m5']);
    expect(r.unknown).toEqual(['compute-x9-1', 'compute-m5-21', 'gpu-c5-1']);
  });
});

describe('startResume', () => {
  it('groups by shape on the first type in the first zone and skips nodes already running', () => {
    const step = startResume(config, refs('compute-c5-1', 'compute-c5-2', 'compute-m5-1', 'compute-m5-2'), [
      { node: 'compute-m5-2', id: 'i-old', privateIp: '10.0.9.9' },
    ]);
    expect(step.batches).toEqual([
      {
        partition: 'compute',
        shape: 'c5',
        spot: false,
        option: { zone: 'us-east-1a', instanceType: 'c5.large' },
        nodes: ['compute-c5-1', 'compute-c5-2'],
      },
      {
        partition: 'compute',
        shape: 'm5',
        spot: false,
        option: { zone: 'us-east-1a', instanceType: 'm5.large' },
        nodes: ['compute-m5-1'],
      },
    ]);
    expect([...step.state.outcomes.values()]).toEqual([
      { node: 'compute-m5-2', status: 'running', instanceId: 'i-old', privateIp: '10.0.9.9' },
    ]);
  });

  it('splits at the provider batch limit: 1200 aws nodes are 500+500+200, gcp 1000+200', () => {
    const names = Array.from({ length: 1200 }, (_, i) => `compute-c5-${i + 1}`);
    expect(startResume(config, refs(...names), []).batches.map((b) => b.nodes.length)).toEqual([500, 500, 200]);
    const gcp = clusterConfig('gcp');
    const gcpRefs = resolveNodes(gcp, names).known;
    expect(startResume(gcp, gcpRefs, []).batches.map((b) => b.nodes.length)).toEqual([1000, 200]);
  });
});

describe('nextResume', () => {
  it('ends with every node launched after one round', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-m5-1'), []);
    const s1 = nextResume(s0.state, s0.batches.map(allLaunched));
    expect(s1.batches).toEqual([]);
    expect(summarizeResume(s1.state).launched.map((o) => o.node)).toEqual(['compute-c5-1', 'compute-m5-1']);
  });

  it('fails over on capacity: next type in the same zone, then the list again in the next zone, then DOWN', () => {
    let step = startResume(config, refs('compute-c5-1'), []);
    const seen: string[] = [];
    while (step.batches.length > 0) {
      const b = step.batches[0] as PlannedBatch;
      seen.push(`${b.option.zone}/${b.option.instanceType}`);
      step = nextResume(step.state, [allFailed(b, 'capacity', 'InsufficientInstanceCapacity')]);
    }
    expect(seen).toEqual([
      'us-east-1a/c5.large',
      'us-east-1a/c5a.large',
      'us-east-1b/c5.large',
      'us-east-1b/c5a.large',
    ]);
    expect(summarizeResume(step.state).failed).toEqual([
      {
        node: 'compute-c5-1',
        status: 'failed',
        kind: 'capacity',
        code: 'InsufficientInstanceCapacity',
        message: 'InsufficientInstanceCapacity for compute-c5-1',
        option: { zone: 'us-east-1b', instanceType: 'c5a.large' },
      },
    ]);
  });

  it('moves only the nodes that hit capacity; launched ones stay put', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-c5-2', 'compute-c5-3'), []);
    const b = s0.batches[0] as PlannedBatch;
    const s1 = nextResume(s0.state, [
      {
        batch: b,
        launched: [{ node: b.nodes[0] as never, instanceId: 'i-1' }],
        failed: b.nodes
          .slice(1)
          .map((node) => ({ node, kind: 'capacity' as const, code: 'InsufficientInstanceCapacity', message: 'x' })),
      },
    ]);
    expect(s1.batches).toHaveLength(1);
    expect(s1.batches[0]?.nodes).toEqual(['compute-c5-2', 'compute-c5-3']);
    expect(s1.batches[0]?.option).toEqual({ zone: 'us-east-1a', instanceType: 'c5a.large' });
  });

  it('fails quota and invalid errors at once, without failover', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-m5-1'), []);
    const [c5, m5] = s0.batches as [PlannedBatch, PlannedBatch];
    const s1 = nextResume(s0.state, [
      allFailed(c5, 'quota', 'VcpuLimitExceeded'),
      allFailed(m5, 'invalid', 'InvalidAMIID.NotFound'),
    ]);
    expect(s1.batches).toEqual([]);
    expect(summarizeResume(s1.state).failed.map((f) => `${f.node}:${f.code}:${f.option?.instanceType}`)).toEqual([
      'compute-c5-1:VcpuLimitExceeded:c5.large',
      'compute-m5-1:InvalidAMIID.NotFound:m5.large',
    ]);
  });

  it('retries throttled nodes on the same option, flags the back-off, and gives up after the limit', () => {
    let step = startResume(config, refs('compute-c5-1'), [], { maxThrottleRetries: 2 });
    const options: string[] = [];
    const flags: boolean[] = [];
    while (step.batches.length > 0) {
      options.push((step.batches[0] as PlannedBatch).option.instanceType);
      step = nextResume(step.state, [allFailed(step.batches[0] as PlannedBatch, 'throttled', 'RequestLimitExceeded')]);
      flags.push(step.state.throttled);
    }
    expect(options).toEqual(['c5.large', 'c5.large', 'c5.large']);
    expect(flags).toEqual([true, true, false]);
    expect(summarizeResume(step.state).failed[0]?.code).toBe('RequestLimitExceeded');
  });

  it('treats nodes a launch call did not mention as failed (NoAnswer)', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-c5-2'), []);
    const b = s0.batches[0] as PlannedBatch;
    const s1 = nextResume(s0.state, [
      { batch: b, launched: [{ node: b.nodes[0] as never, instanceId: 'i-1' }], failed: [] },
    ]);
    expect(summarizeResume(s1.state).failed.map((f) => `${f.node}:${f.code}`)).toEqual(['compute-c5-2:NoAnswer']);
  });

  it('expireResume fails what is pending, keeping the last cloud error', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-m5-1'), []);
    const [c5, m5] = s0.batches as [PlannedBatch, PlannedBatch];
    const s1 = nextResume(s0.state, [allFailed(c5, 'throttled', 'RequestLimitExceeded'), allLaunched(m5)]);
    const s2 = expireResume(s1.state, 'hook time budget spent');
    const s = summarizeResume(s2);
    expect(s.launched.map((o) => o.node)).toEqual(['compute-m5-1']);
    expect(s.failed.map((f) => `${f.node}:${f.kind}:${f.code}:${f.message}`)).toEqual([
      'compute-c5-1:throttled:RequestLimitExceeded:RequestLimitExceeded for compute-c5-1; hook time budget spent',
    ]);
  });
});

describe('nextResume when a retry runs out of time', () => {
  it('keeps the error that used the time up (throttling, capacity), not the timeout', () => {
    const s0 = startResume(config, refs('compute-c5-1', 'compute-m5-1'), []);
    const [c5, m5] = s0.batches as [PlannedBatch, PlannedBatch];
    const s1 = nextResume(s0.state, [
      allFailed(c5, 'throttled', 'RequestLimitExceeded'),
      allFailed(m5, 'timeout', 'HookTimeBudget'),
    ]);
    const s2 = nextResume(s1.state, [allFailed(s1.batches[0] as PlannedBatch, 'timeout', 'HookTimeBudget')]);
    expect(s2.batches).toEqual([]);
    expect(summarizeResume(s2.state).failed.map((f) => `${f.node}:${f.kind}:${f.code}:${f.message}`)).toEqual([
      'compute-m5-1:timeout:HookTimeBudget:HookTimeBudget for compute-m5-1',
      'compute-c5-1:throttled:RequestLimitExceeded:RequestLimitExceeded for compute-c5-1; HookTimeBudget for compute-c5-1',
    ]);
  });
});

describe('startResume with instances on their way out', () => {
  it('launches anew for a node whose only instance is stopping', () => {
    const step = startResume(config, refs('compute-c5-1'), [{ node: 'compute-c5-1', id: 'i-old', state: 'stopping' }]);
    expect(step.batches.map((b) => b.nodes)).toEqual([['compute-c5-1']]);
    expect(step.state.outcomes.size).toBe(0);
  });

  it('launches anew for a node whose instance is stopped/suspended, and reuses a running one listed beside it', () => {
    const step = startResume(config, refs('compute-c5-1', 'compute-c5-2', 'compute-c5-3'), [
      { node: 'compute-c5-1', id: 'i-stopped', privateIp: '10.0.0.9', state: 'other' },
      { node: 'compute-c5-2', id: 'i-up', privateIp: '10.0.0.2', state: 'running' },
      { node: 'compute-c5-3', id: 'i-new', state: 'pending' },
      { node: 'compute-c5-3', id: 'i-stopped-3', state: 'other' },
    ]);
    expect(step.batches.map((b) => b.nodes)).toEqual([['compute-c5-1']]);
    expect(
      [...step.state.outcomes.values()].map((o) => `${o.node}:${o.status}:${'instanceId' in o && o.instanceId}`),
    ).toEqual(['compute-c5-2:running:i-up', 'compute-c5-3:running:i-new']);
  });
});

describe('startResume with the capacity deny-list', () => {
  it('skips denied (type, zone) pairs and keeps the order of the rest', () => {
    const denied = (o: { instanceType: string; zone: string }) =>
      o.instanceType === 'c5.large' && o.zone === 'us-east-1a';
    const step = startResume(config, refs('compute-c5-1'), [], { denied });
    expect(step.batches.map((b) => `${b.option.instanceType}@${b.option.zone}`)).toEqual(['c5a.large@us-east-1a']);
  });

  it('fails a node at once when every option of its shape is denied, naming its first option', () => {
    const step = startResume(config, refs('compute-m5-1'), [], { denied: () => true });
    expect(step.batches).toEqual([]);
    expect(summarizeResume(step.state).failed).toEqual([
      expect.objectContaining({
        node: 'compute-m5-1',
        kind: 'capacity',
        code: 'CapacityDenied',
        option: { zone: 'us-east-1a', instanceType: 'm5.large' },
      }),
    ]);
  });
});
