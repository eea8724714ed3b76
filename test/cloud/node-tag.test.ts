import { describe, expect, it } from 'vitest';
import { compressOrdered, expandNodesTag, nodeAtLaunchIndex, splitForTag } from '../../src/cloud/aws/node-tag.js';
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

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names as launches see them: runs of one prefix, gaps, repeats, other prefixes, zero-padded and bare names. */
function names(seed: number, count: number): string[] {
  const r = rng(seed);
  const prefixes = ['compute-c5-', 'compute-m5-', 'gpu-a100-', 'x'];
  const out: string[] = [];
  let n = 1;
  for (let i = 0; i < count; i++) {
    const p = prefixes[Math.floor(r() * r() * prefixes.length)] as string;
    const roll = r();
    if (roll < 0.6) n++;
    else if (roll < 0.85) n = Math.floor(r() * 2000);
    else if (roll < 0.9) {
      out.push(`${p}0${Math.floor(r() * 50)}`);
      continue;
    } else if (roll < 0.93) {
      out.push('login');
      continue;
    }
    out.push(`${p}${n}`);
  }
  return out;
}

describe('compressOrdered / splitForTag on generated launches', () => {
  it('every hostlist expands back to its names, in order', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const list = names(seed, 1 + (seed % 60));
      expect(expandNodesTag(compressOrdered(list)), `seed ${seed}`).toEqual(list);
    }
  });

  it('zero-padded numbers are written as they are (they once made compression loop forever)', () => {
    expect(compressOrdered(['n-1', 'n-01', 'n-2', 'n-0', 'n-1'])).toBe('n-1,n-01,n-[2,0-1]');
    expect(expandNodesTag(compressOrdered(['n-1', 'n-01', 'n-2', 'n-0', 'n-1']))).toEqual([
      'n-1',
      'n-01',
      'n-2',
      'n-0',
      'n-1',
    ]);
  });

  it('parts keep every node in order, each fits the limit, and none could have taken the next node', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const list = names(seed, 400);
      for (const max of [40, 256]) {
        const parts = splitForTag(list, max);
        expect(parts.flat()).toEqual(list);
        parts.forEach((p, k) => {
          expect(compressOrdered(p).length, `seed ${seed} part ${k}`).toBeLessThanOrEqual(max);
          const next = parts[k + 1]?.[0];
          if (next !== undefined) expect(compressOrdered([...p, next]).length).toBeGreaterThan(max);
        });
      }
    }
  });
});

describe('nodeAtLaunchIndex', () => {
  it('maps launch index i to the i-th node, expanding each tag value once per listing', () => {
    const nodes = range(1, 1000).map((i) => `compute-c5-${i}`);
    const value = compressOrdered(nodes);
    const memo = new Map<string, string[]>();
    const got = nodes.map((_, i) => nodeAtLaunchIndex(value, i, memo));
    expect(got).toEqual(nodes);
    expect([...memo.keys()]).toEqual([value]);
    expect(nodeAtLaunchIndex(value, 1000, memo)).toBe('');
  });
});
