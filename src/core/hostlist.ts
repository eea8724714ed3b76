import { CitcError, ExitCode } from './errors.js';

/**
 * Slurm hostlists, as `scontrol show hostnames` reads them (checked against Slurm 22.05):
 * - items are separated by commas, spaces, tabs or newlines; empty items are skipped (`a,,b` is a, b);
 * - a bracket holds numbers and N-M ranges (`n[1-3,7]`), each padded to the width of its start
 *   (`n[001-010]`; `n[1-010]` is n1..n10 unpadded);
 * - several bracket groups make a cartesian product, in Slurm's peculiar order (see expandItem);
 * - duplicates and the written order are kept.
 * Stricter than scontrol, which silently mangles these: unbalanced brackets, whitespace or signs inside
 * brackets, an open range `n[1-]`, control characters and numbers of 2^63 or more are errors.
 */

/** Slurm's MAX_RANGE: one N-M range may hold at most this many hosts (`n[1-65537]` is invalid). */
export const HOSTLIST_MAX_RANGE = 65_536;
/** Slurm keeps numbers in an unsigned long and wraps near 2^64: refuse well before that. */
const MAX_NUMBER = 2n ** 63n - 1n;

export class HostlistError extends CitcError {
  /** 1-based character position in the expression, when the error is at one place. */
  readonly position: number | undefined;

  constructor(expr: string, message: string, position?: number) {
    super('HOSTLIST_INVALID', position === undefined ? message : `${message} at character ${position}`, {
      subject: expr,
      remedy: 'Write names like compute-c5-[1-3,7] or rack[1-2]-n[01-02].',
      exitCode: ExitCode.usage,
    });
    this.name = 'HostlistError';
    this.position = position;
  }
}

/** One N or N-M inside a bracket, with the width its numbers are padded to. */
interface Range {
  lo: bigint;
  hi: bigint;
  width: number;
}

/** An item is literal text and bracket groups, in order: `rack`, [1-2], `-n`, [01-02]. */
type Part = string | Range[];

const isSeparator = (c: string) => c === ',' || c === ' ' || c === '\t' || c === '\n';
const isControl = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
};

/**
 * Expands a hostlist into node names in Slurm's order. A malformed expression, or one naming more than
 * `limit` nodes, throws a HostlistError and yields nothing. Blank input is an empty list, as in scontrol.
 */
export function expandHostlist(expr: string, limit = 65_536): string[] {
  const items = parseHostlist(expr);
  let total = 0;
  for (const item of items) {
    total += countOf(item.parts);
    if (total > limit) throw new HostlistError(expr, `expands to more than ${limit} names`, item.start);
  }
  const out: string[] = [];
  for (const item of items) expandItem(item.parts, out);
  return out;
}

/** How many names an expression would give, without expanding it. */
export function countHostlist(expr: string): number {
  return parseHostlist(expr).reduce((n, item) => n + countOf(item.parts), 0);
}

function countOf(parts: readonly Part[]): number {
  let n = 1;
  for (const p of parts) {
    if (typeof p !== 'string') n *= p.reduce((sum, r) => sum + Number(r.hi - r.lo) + 1, 0);
  }
  return n;
}

/**
 * Slurm's order for several groups (hostlist.c _push_range_list): the last group varies fastest; the
 * others are peeled off from the right, so the one before it is slowest. a[1-2]b[3-4] is a1b3 a1b4 a2b3
 * a2b4, and a[1-2]b[3-4]c[5-6] runs b slowest, then a, then c: a1b3c5 a1b3c6 a2b3c5 a2b3c6 a1b4c5 ...
 */
function expandItem(parts: readonly Part[], out: string[]): void {
  const groups = parts.filter((p): p is Range[] => typeof p !== 'string').map(valuesOf);
  if (groups.length === 0) {
    out.push(parts.join(''));
    return;
  }
  const chosen: string[] = new Array(groups.length);
  const last = groups.length - 1;
  const build = () => {
    let g = 0;
    return parts.map((p) => (typeof p === 'string' ? p : chosen[g++])).join('');
  };
  const peel = (g: number): void => {
    for (const v of groups[g < 0 ? last : g] as string[]) {
      chosen[g < 0 ? last : g] = v;
      if (g < 0) out.push(build());
      else peel(g - 1);
    }
  };
  peel(last - 1);
}

function valuesOf(ranges: readonly Range[]): string[] {
  const values: string[] = [];
  for (const r of ranges) for (let v = r.lo; v <= r.hi; v++) values.push(v.toString().padStart(r.width, '0'));
  return values;
}

interface Item {
  parts: Part[];
  /** 1-based position of the item's first character. */
  start: number;
}

/** Checks the brackets of the whole expression first, so a stray ']' is reported as that, then the ranges. */
function parseHostlist(expr: string): Item[] {
  const bodies: [number, number][] = [];
  const items = scanItems(expr, bodies);
  const ranges = bodies.map(([from, to]) => parseBracket(expr, from, to));
  return items.map((item) => ({
    start: item.start,
    parts: item.parts.map((p) => (typeof p === 'string' ? p : (ranges[p] as Range[]))),
  }));
}

/** Splits the expression into items of text and bracket bodies (by their index in `bodies`). */
function scanItems(expr: string, bodies: [number, number][]): { parts: (string | number)[]; start: number }[] {
  const items: { parts: (string | number)[]; start: number }[] = [];
  let i = 0;
  while (i < expr.length) {
    if (isSeparator(expr[i] as string)) {
      i++;
      continue;
    }
    const start = i;
    const parts: (string | number)[] = [];
    let text = '';
    let lastClose = -1;
    while (i < expr.length && !isSeparator(expr[i] as string)) {
      const c = expr[i] as string;
      if (c === '[') {
        const close = findClose(expr, i);
        parts.push(text, bodies.push([i + 1, close]) - 1);
        text = '';
        lastClose = close;
        i = close + 1;
        continue;
      }
      if (c === ']') throw new HostlistError(expr, "unmatched ']'", i + 1);
      if (isControl(c)) throw new HostlistError(expr, `control character ${JSON.stringify(c)}`, i + 1);
      text += c;
      i++;
    }
    // Slurm accepts nothing after the last bracket group: `n[1-2]x` and `x[1-3]y` are invalid.
    if (lastClose >= 0 && text !== '') {
      throw new HostlistError(
        expr,
        `text ${JSON.stringify(text)} after the last ']' (Slurm allows none)`,
        lastClose + 2,
      );
    }
    if (lastClose < 0) checkLiteralNumber(expr, text, start);
    parts.push(text);
    items.push({ parts: parts.filter((p) => p !== ''), start: start + 1 });
  }
  return items;
}

/** Index of the ']' closing the '[' at `open`; nested, unclosed or whitespace-holding brackets are errors. */
function findClose(expr: string, open: number): number {
  for (let j = open + 1; j < expr.length; j++) {
    const c = expr[j] as string;
    if (c === ']') return j;
    if (c === '[') throw new HostlistError(expr, "nested '['", j + 1);
    if (c === ' ' || c === '\t' || c === '\n') throw new HostlistError(expr, 'whitespace inside brackets', j + 1);
  }
  throw new HostlistError(expr, "unclosed '['", open + 1);
}

/** Parses the body `1-3,7` of a bracket between `from` (inclusive) and `to` (exclusive). */
function parseBracket(expr: string, from: number, to: number): Range[] {
  if (from === to) throw new HostlistError(expr, 'empty brackets []', from);
  const ranges: Range[] = [];
  let at = from;
  for (const body of expr.slice(from, to).split(',')) {
    const pos = at + 1;
    at += body.length + 1;
    if (body === '') throw new HostlistError(expr, 'empty range in brackets', pos);
    const m = /^(\d+)(?:-(\d+))?$/.exec(body);
    if (!m) throw new HostlistError(expr, `range ${JSON.stringify(body)} is not N or N-M with digits only`, pos);
    const loText = m[1] as string;
    const lo = BigInt(loText);
    const hi = m[2] === undefined ? lo : BigInt(m[2]);
    if (hi > MAX_NUMBER) throw new HostlistError(expr, `number in ${body} is too large (at most 2^63-1)`, pos);
    if (hi < lo) throw new HostlistError(expr, `reversed range ${body}`, pos);
    if (hi - lo + 1n > BigInt(HOSTLIST_MAX_RANGE)) {
      throw new HostlistError(expr, `range ${body} holds more than ${HOSTLIST_MAX_RANGE} names (Slurm's limit)`, pos);
    }
    ranges.push({ lo, hi, width: loText.length });
  }
  return ranges;
}

/** Slurm reads a literal name's trailing digits as a number too, and mangles one past 2^64. */
function checkLiteralNumber(expr: string, name: string, start: number): void {
  const digits = /\d+$/.exec(name)?.[0];
  if (digits !== undefined && BigInt(digits) > MAX_NUMBER) {
    throw new HostlistError(expr, `number in ${JSON.stringify(name)} is too large (at most 2^63-1)`, start + 1);
  }
}

/**
 * Compresses names into the shortest-form hostlist Slurm expands back to exactly these names in this
 * order: consecutive names sharing a prefix share one bracket, numbers of different padding stay in
 * different ranges (`n[1,01]`), and a name Slurm could not read back (empty, or holding a separator,
 * a bracket or a control character) is an error.
 */
export function compressHostlist(names: readonly string[]): string {
  const out: string[] = [];
  let prefix: string | undefined;
  let ranges: { loText: string; lo: bigint; hi: bigint; width: number }[] = [];
  const flush = () => {
    if (prefix === undefined) return;
    const [only] = ranges;
    if (ranges.length === 1 && only && only.lo === only.hi) out.push(prefix + only.loText);
    else
      out.push(
        `${prefix}[${ranges.map((r) => (r.lo === r.hi ? r.loText : `${r.loText}-${r.hi.toString().padStart(r.width, '0')}`)).join(',')}]`,
      );
    prefix = undefined;
    ranges = [];
  };
  names.forEach((name, index) => {
    checkName(name, index);
    const m = /^(.*?)(\d+)$/.exec(name);
    if (!m) {
      flush();
      out.push(name);
      return;
    }
    const [, head, digits] = m as unknown as [string, string, string];
    const value = BigInt(digits);
    if (prefix !== head) {
      flush();
      prefix = head;
    }
    const last = ranges[ranges.length - 1];
    const extends_ =
      last !== undefined &&
      value === last.hi + 1n &&
      value.toString().padStart(last.width, '0') === digits &&
      value - last.lo < BigInt(HOSTLIST_MAX_RANGE);
    if (last && extends_) last.hi = value;
    else ranges.push({ loText: digits, lo: value, hi: value, width: digits.length });
  });
  flush();
  return out.join(',');
}

function checkName(name: string, index: number): void {
  const bad = (why: string) => {
    throw new HostlistError(name, `name ${index + 1} of the list ${why}`);
  };
  if (name === '') bad('is empty');
  for (const c of name) {
    if (isSeparator(c) || c === '[' || c === ']') bad(`holds ${JSON.stringify(c)}, which Slurm reads as a separator`);
    if (isControl(c)) bad(`holds the control character ${JSON.stringify(c)}`);
  }
  const digits = /\d+$/.exec(name)?.[0];
  if (digits !== undefined && BigInt(digits) > MAX_NUMBER) bad('ends in a number too large for Slurm (at most 2^63-1)');
}
