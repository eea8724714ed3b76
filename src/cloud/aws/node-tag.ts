import { expandHostlist } from '../../core/hostlist.js';

/** EC2 tag values hold at most 256 characters. */
export const TAG_VALUE_MAX = 256;

/**
 * Compresses names that end in a number into a Slurm hostlist, keeping their order so the i-th
 * instance of a RunInstances call (AmiLaunchIndex i) maps back to the i-th node: `p-s-[1-3,7]`.
 */
export function compressOrdered(names: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < names.length) {
    const m = /^(.*?)(\d+)$/.exec(names[i] as string);
    if (!m) {
      parts.push(names[i] as string);
      i++;
      continue;
    }
    const prefix = m[1] as string;
    const ranges: string[] = [];
    while (i < names.length) {
      const n = /^(.*?)(\d+)$/.exec(names[i] as string);
      if (!n || n[1] !== prefix || n[2]?.startsWith('0')) break;
      const lo = Number(n[2]);
      let hi = lo;
      while (i + 1 < names.length && names[i + 1] === `${prefix}${hi + 1}`) {
        hi++;
        i++;
      }
      ranges.push(lo === hi ? `${lo}` : `${lo}-${hi}`);
      i++;
    }
    parts.push(
      ranges.length === 1 && !ranges[0]?.includes('-') ? `${prefix}${ranges[0]}` : `${prefix}[${ranges.join(',')}]`,
    );
  }
  return parts.join(',');
}

/** Splits nodes into runs whose hostlist fits one tag value, keeping order. */
export function splitForTag(nodes: readonly string[], max = TAG_VALUE_MAX): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const n of nodes) {
    if (cur.length > 0 && compressOrdered([...cur, n]).length > max) {
      out.push(cur);
      cur = [];
    }
    cur.push(n);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export function expandNodesTag(value: string): string[] {
  return expandHostlist(value);
}
