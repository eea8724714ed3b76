import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressHostlist, expandHostlist, HostlistError } from '../../src/core/hostlist.js';

// Debian's scontrol expands hostlists without a controller, but with no slurm.conf it first tries a
// DNS SRV lookup for one and hangs: a two-line conf is enough.
const SCONTROL = '/usr/bin/scontrol';
const conf = join(mkdtempSync(join(tmpdir(), 'citc-hostlist-')), 'slurm.conf');
writeFileSync(conf, 'ClusterName=hostlist\nSlurmctldHost=localhost\n');

type Verdict = { ok: true; names: string[] } | { ok: false; why: string };

/** scontrol exits 0 even on a bad hostlist: "Invalid hostlist" on stderr is its only verdict. `--` keeps a
 * leading '-' from being read as an option. */
function scontrol(expr: string): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    execFile(
      SCONTROL,
      ['--', 'show', 'hostnames', expr],
      { env: { SLURM_CONF: conf }, timeout: 10_000, maxBuffer: 1 << 28 },
      (err, out, errOut) => {
        if (err) return reject(err);
        if (/Invalid hostlist/.test(errOut)) return resolve({ ok: false, why: errOut.trim() });
        resolve({ ok: true, names: out === '' ? [] : out.replace(/\n$/, '').split('\n') });
      },
    );
  });
}

/** Runs scontrol on every expression, a few at a time (each call costs one process start). */
async function scontrolAll(exprs: readonly string[], parallel = 4): Promise<Verdict[]> {
  const out: Verdict[] = new Array(exprs.length);
  let next = 0;
  const worker = async () => {
    while (next < exprs.length) {
      const i = next++;
      out[i] = await scontrol(exprs[i] as string);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

/** Our verdict, without our own size limit (scontrol has none for a whole list). */
function ours(expr: string): Verdict {
  try {
    return { ok: true, names: expandHostlist(expr, Number.POSITIVE_INFINITY) };
  } catch (err) {
    if (err instanceof HostlistError) return { ok: false, why: err.message };
    throw err;
  }
}

/** mulberry32: a small seeded generator, so a failing expression is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)] as T;
  return { next, int, pick };
}

type Rng = ReturnType<typeof rng>;
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_.';

function text(r: Rng, min: number, max: number): string {
  let s = '';
  for (let n = r.int(min, max); n > 0; n--) s += r.pick([...NAME_CHARS]);
  return s;
}

function number(r: Rng, value: number): string {
  return '0'.repeat(r.pick([0, 0, 0, 1, 2, 3])) + String(value);
}

function range(r: Rng): string {
  const lo = r.int(0, 120);
  if (r.next() < 0.3) return number(r, lo);
  return `${number(r, lo)}-${number(r, lo + r.int(0, 12))}`;
}

function item(r: Rng, maxGroups: number): string {
  if (r.next() < 0.2) return text(r, 1, 8);
  let s = text(r, 0, 6);
  const groups = r.int(1, maxGroups);
  for (let g = 0; g < groups; g++) {
    if (g > 0) s += text(r, 0, 3);
    s += `[${Array.from({ length: r.int(1, 3) }, () => range(r)).join(',')}]`;
  }
  return s;
}

/** A well-formed hostlist: 1-3 items, comma or whitespace separated. */
function validExpr(r: Rng, maxGroups = 3): string {
  return Array.from({ length: r.int(1, 3) }, () => item(r, maxGroups)).join(r.pick([',', ',', ' ', '\t', ',,']));
}

/**
 * A well-formed hostlist with one random edit: most become malformed, some stay valid. At most two
 * groups per name: with three, scontrol drops an item whose first group is bad without a word.
 */
function mutatedExpr(r: Rng): string {
  const s = validExpr(r, 2);
  const at = r.int(0, s.length);
  switch (r.int(0, 3)) {
    case 0:
      return s.slice(0, at) + r.pick(['[', ']', ',', '-', ' ', 'x', '1', ']x', '[]']) + s.slice(at);
    case 1:
      return s.slice(0, at) + s.slice(at + 1);
    case 2: {
      // Swap a range's ends: reversed unless they were equal.
      const m = /(\d+)-(\d+)/.exec(s);
      return m ? s.replace(m[0], `${m[2]}-${m[1]}`) : `${s}]`;
    }
    default:
      return s.replace(/\d+\]/, (m) => `${m.slice(0, -1)}x]`);
  }
}

// What we reject although scontrol prints something: scontrol's output for these is garbage.
const STRICTER = [/unmatched '\]'/, /unclosed '\['/, /nested '\['/, /whitespace inside brackets/, /is not N or N-M/];

describe('hostlists agree with the real scontrol show hostnames', () => {
  it('on 300 generated well-formed expressions, name for name', async () => {
    const r = rng(20261123);
    const exprs = Array.from({ length: 300 }, () => validExpr(r));
    const theirs = await scontrolAll(exprs);
    const mismatches = exprs.filter((e, i) => JSON.stringify(ours(e)) !== JSON.stringify(theirs[i]));
    expect(mismatches).toEqual([]);
    expect(theirs.every((v) => v.ok)).toBe(true);
  });

  it('on 300 mutated expressions: what scontrol rejects we reject; what both accept is equal', async () => {
    const r = rng(7);
    const exprs = Array.from({ length: 300 }, () => mutatedExpr(r));
    const theirs = await scontrolAll(exprs);
    const tally = { bothReject: 0, bothAccept: 0, onlyWeReject: 0 };
    for (const [i, expr] of exprs.entries()) {
      const mine = ours(expr);
      const their = theirs[i] as Verdict;
      const where = `${JSON.stringify(expr)}: ours ${JSON.stringify(mine)}, scontrol ${JSON.stringify(their)}`.slice(
        0,
        400,
      );
      if (!their.ok) {
        expect(mine.ok, where).toBe(false);
        tally.bothReject++;
      } else if (mine.ok) {
        expect(mine.names, where).toEqual(their.names);
        tally.bothAccept++;
      } else {
        expect(
          STRICTER.some((re) => re.test(mine.why)),
          where,
        ).toBe(true);
        tally.onlyWeReject++;
      }
    }
    // The mutations must exercise all three outcomes, or this test checks less than it says.
    expect(tally.bothReject).toBeGreaterThan(30);
    expect(tally.bothAccept).toBeGreaterThan(30);
    expect(tally.onlyWeReject).toBeGreaterThan(10);
  });

  it('on hand-picked edge cases', async () => {
    const exprs = [
      'n[1-010]',
      'n[5-05]',
      'n[05-5]',
      'n[9-11]',
      'n[01-100]',
      'n1,n1',
      'n[1,1]',
      'n[5,1-3]',
      'n[1,01]',
      'a,,b',
      'n[1-2],',
      ',n1',
      ' n1',
      'n1 n2\tn3\nn4',
      '',
      ' , ',
      '[1-2]',
      'n[1-2][3-4]',
      'n[1-2]-[3-4]',
      'n[1-2][3-4][5-6]',
      'a[1-2]b[3-4]c[5-6]d[7-8]',
      'n-[1-2]-x-[3]',
      'n1[1-2]',
      'n@1;x:y',
      'n[1-65536]',
      'n[4294967290-4294967296]',
    ];
    const theirs = await scontrolAll(exprs);
    for (const [i, expr] of exprs.entries()) expect(ours(expr), expr).toEqual(theirs[i]);
  });

  it('rejects a bad first group of three, which scontrol silently drops', async () => {
    expect(await scontrol('a[3-1]b[1-2]c[1],z')).toEqual({ ok: true, names: ['z'] });
    expect(() => expandHostlist('a[3-1]b[1-2]c[1],z')).toThrow('reversed range 3-1 at character 3');
  });

  it('rejects everything scontrol calls an invalid hostlist', async () => {
    const exprs = [
      'n[3-1]',
      'n[a-b]',
      'n[]',
      'n[1-2,]',
      'n[,1]',
      'n[1-2-3]',
      'n[-1]',
      'n[1--2]',
      'n[1-2 ]',
      'n[1-65537]',
      'n[1-3]x[1-100000]',
      'n[1-2]x',
      'x[1-3]y',
      'n[1-2]0',
      'a[1-2]b,c',
      '[1-2]n',
      'n[[1-2]]',
      'n[1-2]]',
      'n[1-2]]x',
      'n[1-3]-[a]',
    ];
    const theirs = await scontrolAll(exprs);
    for (const [i, expr] of exprs.entries()) {
      expect(theirs[i]?.ok, `scontrol on ${expr}`).toBe(false);
      expect(() => expandHostlist(expr), expr).toThrow(HostlistError);
    }
  });
});

describe('compressHostlist round-trips through the real scontrol', () => {
  /** Name lists as the hooks and admins see them: runs, gaps, mixed padding, duplicates, other names. */
  function nameList(r: Rng): string[] {
    const names: string[] = [];
    for (let runs = r.int(1, 5); runs > 0; runs--) {
      const kind = r.int(0, 4);
      const prefix = r.pick(['compute-c5-', 'n', 'rack1-n', 'gpu.a100-', 'x9y', '']);
      if (kind === 4) {
        names.push(text(r, 1, 6) + r.pick(['', 'a', '-']));
        continue;
      }
      const start = r.int(0, 200);
      const width = r.pick([0, 0, 2, 3]);
      for (let v = start, n = r.int(1, 40); n > 0; n--, v += r.pick([1, 1, 1, 2, 5])) {
        names.push(prefix + String(v).padStart(width, '0'));
        if (r.next() < 0.03) names.push(names[names.length - 1] as string);
      }
      if (kind === 3) names.reverse();
    }
    return names;
  }

  it('on 300 generated name lists: scontrol expands the compressed form back to the same names', async () => {
    const r = rng(42);
    const lists = Array.from({ length: 300 }, () => nameList(r));
    const compressed = lists.map((names) => compressHostlist(names));
    const theirs = await scontrolAll(compressed);
    for (const [i, names] of lists.entries()) {
      const where = `${compressed[i]} from ${names.join(',')}`;
      expect(theirs[i], where).toEqual({ ok: true, names });
      expect(expandHostlist(compressed[i] as string), where).toEqual(names);
    }
    // Compression must actually compress: the generated runs are mostly consecutive.
    const ratio = compressed.join('').length / lists.map((l) => l.join(',')).join('').length;
    expect(ratio).toBeLessThan(0.5);
  });

  it('keeps every expanded expression the same through compress', async () => {
    const r = rng(99);
    const lists = Array.from({ length: 100 }, () => expandHostlist(validExpr(r)));
    const compressed = lists.map((names) => compressHostlist(names));
    const theirs = await scontrolAll(compressed);
    for (const [i, names] of lists.entries()) expect(theirs[i], compressed[i]).toEqual({ ok: true, names });
  });
});
