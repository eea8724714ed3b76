import { expandHostlist } from '../../core/hostlist.js';

/** EC2 tag values hold at most 256 characters. */
export const TAG_VALUE_MAX = 256;

/**
 * An ordered hostlist built one name at a time, its length known after each: names that end in a
 * number are kept in runs, in the order given, so the i-th instance of a RunInstances call
 * (AmiLaunchIndex i) maps back to the i-th node: `p-s-[1-3,7]`. A number with a leading zero
 * (`n-01`) is written as it is. Linear in the names, where compressing every prefix anew was quadratic.
 */
class OrderedHostlist {
  /** Finished items, and their length joined by commas. */
  private readonly items: string[] = [];
  private itemsLength = 0;
  /** The open run: a prefix and its ranges, and the ranges' length joined by commas. */
  private prefix: string | undefined;
  private ranges: [number, number][] = [];
  private rangesLength = 0;

  get length(): number {
    return this.itemsLength + this.openLength();
  }

  /** The length this list would have with `name` added, without adding it. */
  lengthWith(name: string): number {
    const n = numbered(name);
    const last = this.ranges.at(-1);
    if (n && this.prefix !== undefined && n.prefix === this.prefix && last) {
      const rangesLength =
        last[1] + 1 === n.number
          ? this.rangesLength - rangeText(last).length + rangeText([last[0], n.number]).length
          : this.rangesLength + 1 + String(n.number).length;
      // Two numbers or more always take brackets.
      return this.itemsLength + (this.items.length > 0 ? 1 : 0) + this.prefix.length + rangesLength + 2;
    }
    const added = n ? n.prefix.length + String(n.number).length : name.length;
    return this.length + (this.count() > 0 ? 1 : 0) + added;
  }

  push(name: string): void {
    const n = numbered(name);
    const last = this.ranges.at(-1);
    if (n && n.prefix === this.prefix && last) {
      if (last[1] + 1 === n.number) {
        this.rangesLength -= rangeText(last).length;
        last[1] = n.number;
        this.rangesLength += rangeText(last).length;
      } else {
        this.ranges.push([n.number, n.number]);
        this.rangesLength += 1 + String(n.number).length;
      }
      return;
    }
    this.close();
    if (n) {
      this.prefix = n.prefix;
      this.ranges = [[n.number, n.number]];
      this.rangesLength = String(n.number).length;
    } else this.add(name);
  }

  toString(): string {
    const open = this.openText();
    return open === undefined ? this.items.join(',') : [...this.items, open].join(',');
  }

  private count(): number {
    return this.items.length + (this.prefix === undefined ? 0 : 1);
  }

  /** Length of the open run's text, with the comma before it. */
  private openLength(): number {
    const [only] = this.ranges;
    if (this.prefix === undefined || !only) return 0;
    const bare = this.ranges.length === 1 && only[0] === only[1];
    return (this.items.length > 0 ? 1 : 0) + this.prefix.length + this.rangesLength + (bare ? 0 : 2);
  }

  private openText(): string | undefined {
    if (this.prefix === undefined) return undefined;
    const [only] = this.ranges;
    if (this.ranges.length === 1 && only && only[0] === only[1]) return `${this.prefix}${only[0]}`;
    return `${this.prefix}[${this.ranges.map(rangeText).join(',')}]`;
  }

  private close(): void {
    const t = this.openText();
    if (t !== undefined) this.add(t);
    this.prefix = undefined;
    this.ranges = [];
    this.rangesLength = 0;
  }

  private add(item: string): void {
    this.itemsLength += item.length + (this.items.length > 0 ? 1 : 0);
    this.items.push(item);
  }
}

function numbered(name: string): { prefix: string; number: number } | undefined {
  const m = /^(.*?)(\d+)$/.exec(name);
  if (!m || (m[2] as string).length > 15 || ((m[2] as string).startsWith('0') && (m[2] as string).length > 1))
    return undefined;
  return { prefix: m[1] as string, number: Number(m[2]) };
}

function rangeText([lo, hi]: [number, number]): string {
  return lo === hi ? `${lo}` : `${lo}-${hi}`;
}

/** Compresses names into a Slurm hostlist that keeps their order: `p-s-[1-3,7,5]`. */
export function compressOrdered(names: readonly string[]): string {
  const list = new OrderedHostlist();
  for (const n of names) list.push(n);
  return list.toString();
}

/** Splits nodes into runs whose hostlist fits one tag value, keeping order. */
export function splitForTag(nodes: readonly string[], max = TAG_VALUE_MAX): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let list = new OrderedHostlist();
  for (const n of nodes) {
    if (cur.length > 0 && list.lengthWith(n) > max) {
      out.push(cur);
      cur = [];
      list = new OrderedHostlist();
    }
    cur.push(n);
    list.push(n);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export function expandNodesTag(value: string): string[] {
  return expandHostlist(value);
}

/**
 * The node of launch index `index` in a `citc:nodes` tag value. All instances of one launch carry the
 * same value: each value is expanded once per `memo` (one listing), not once per instance.
 */
export function nodeAtLaunchIndex(value: string, index: number, memo: Map<string, string[]>): string {
  let nodes = memo.get(value);
  if (!nodes) {
    nodes = expandNodesTag(value);
    memo.set(value, nodes);
  }
  return nodes[index] ?? '';
}
