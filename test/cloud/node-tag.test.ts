import { describe, expect, it } from 'vitest';
import { compressOrdered, expandNodesTag, splitForTag } from '../../src/cloud/aws/node-tag.js';
import { range } from '../support/runtime.js';

describe('compressOrdered / splitForTag', () => {
  it('compresses runs and keeps order so index i maps back to node i', () => {
    const nodes = ['compute-c5-1', 'compute-c5-2', 'compute-c5-3', 'compute-c5-7', 'compute-c5-5'];
    expect(compressOrdered(nodes)).toBe('compute-c5-[1-3,7,5]');
    expect(expandNodesTag(compressOrdered(nodes))).toEqual(nodes);
    expect(compressOrdered(['gpu-a-4'])).toBe('gpu-a-4');
    expect(compressOrdered(['gpu-a-4', 'gpu-b-1', 'gpu-b-2'])).toBe('gpu-a-4,gpu-b-[1-2]');
  });

  it('round-trips 5000 contiguous nodes in one short value', () => {
    const nodes = range(1, 5000).map((i) => `compute-small-${i}`);
    expect(compressOrdered(nodes)).toBe('compute-small-[1-5000]');
    expect(splitForTag(nodes)).toHaveLength(1);
  });

  it('splits scattered nodes into parts whose hostlist fits 256 characters', () => {
    const nodes = range(1, 300).map((i) => `compute-small-${i * 3}`);
    const parts = splitForTag(nodes);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat()).toEqual(nodes);
    for (const p of parts) {
      expect(compressOrdered(p).length).toBeLessThanOrEqual(256);
      expect(expandNodesTag(compressOrdered(p))).toEqual(p);
    }
  });
});
