import { describe, expect, it } from 'vitest';
import { resolveNodes } from '../../../src/core/plan/resolve-nodes.js';
import { planSuspend } from '../../../src/core/plan/suspend.js';
import { clusterConfig } from './fixture.js';

describe('planSuspend', () => {
  const config = clusterConfig();
  it('terminates every instance of present nodes and reports absent ones as done', () => {
    const nodes = resolveNodes(config, ['compute-c5-1', 'compute-c5-2', 'compute-c5-3']).known;
    const plan = planSuspend(nodes, [
      { node: 'compute-c5-1', id: 'i-1' },
      { node: 'compute-c5-3', id: 'i-3a' },
      { node: 'compute-c5-3', id: 'i-3b' },
      { node: 'compute-c5-9', id: 'i-9' },
    ]);
    expect(plan.terminate).toEqual([
      { node: 'compute-c5-1', instanceId: 'i-1' },
      { node: 'compute-c5-3', instanceId: 'i-3a' },
      { node: 'compute-c5-3', instanceId: 'i-3b' },
    ]);
    expect(plan.absent).toEqual(['compute-c5-2']);
  });
});
