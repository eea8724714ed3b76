import { CitcError, ExitCode } from '../errors.js';

/**
 * Strict expansion of the ranged hostlist Slurm passes to the power-save hooks, e.g.
 * `compute-c5-[1-3,7]` or `rack[1-2]-n[01-02]`: ranges and single numbers in brackets, zero padding
 * (width of the range's start), several bracket groups (cartesian product, first group slowest, as
 * `scontrol show hostnames` orders them), comma lists at the top level. Anything malformed is an
 * error, never a partial list: `scontrol show hostnames 'a-[1-'` happily prints `a-]`.
 * (The hooks use this until src/core/hostlist.ts exists; it keeps the same signature.)
 */
export function expandHostlist(expr: string, limit = 65_536): string[] {
  const out: string[] = [];
  for (const item of splitTopLevel(expr)) {
    for (const name of expandOne(item, expr)) {
      out.push(name);
      if (out.length > limit) fail(expr, `expands to more than ${limit} names`);
    }
  }
  return out;
}

function fail(expr: string, why: string): never {
  throw new CitcError('HOSTLIST_INVALID', `hostlist ${JSON.stringify(expr)} ${why}`, {
    subject: expr,
    remedy: 'Write names like compute-c5-[1-3,7] or rack[1-2]-n[01-02].',
    exitCode: ExitCode.usage,
  });
}

function splitTopLevel(expr: string): string[] {
  if (expr.trim() === '') fail(expr, 'is empty');
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '[') {
      if (depth++ > 0) fail(expr, 'has nested brackets');
    } else if (c === ']') {
      if (--depth < 0) fail(expr, `has an unmatched ']' at ${i + 1}`);
    } else if (c === ',' && depth === 0) {
      items.push(expr.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) fail(expr, "has an unclosed '['");
  items.push(expr.slice(start));
  for (const it of items) if (it === '') fail(expr, 'has an empty name between commas');
  return items;
}

const NAME_TEXT = /^[A-Za-z0-9._-]*$/;

function expandOne(item: string, expr: string): string[] {
  // Split into literal text and bracket bodies: "rack", "1-2", "-n", "01-02".
  const parts: (string | string[])[] = [];
  let i = 0;
  while (i < item.length) {
    const open = item.indexOf('[', i);
    const text = item.slice(i, open < 0 ? item.length : open);
    if (!NAME_TEXT.test(text)) fail(expr, `has a character Slurm node names do not use in ${JSON.stringify(text)}`);
    parts.push(text);
    if (open < 0) break;
    const close = item.indexOf(']', open);
    parts.push(expandRanges(item.slice(open + 1, close), expr));
    i = close + 1;
  }
  let names = [''];
  for (const p of parts) {
    if (typeof p === 'string') names = names.map((n) => n + p);
    else names = names.flatMap((n) => p.map((v) => n + v));
  }
  return names;
}

function expandRanges(body: string, expr: string): string[] {
  if (body === '') fail(expr, 'has an empty []');
  const out: string[] = [];
  for (const r of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) fail(expr, `has a range that is not N or N-M: ${JSON.stringify(r)}`);
    const [, a, b] = m as unknown as [string, string, string | undefined];
    const from = Number(a);
    const to = b === undefined ? from : Number(b);
    if (to < from) fail(expr, `has a reversed range ${r}`);
    if (to - from > 1_000_000) fail(expr, `has a range too large to expand: ${r}`);
    const width = a.length;
    for (let v = from; v <= to; v++) out.push(String(v).padStart(width, '0'));
  }
  return out;
}
