import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ArchiveEntry,
  bundleId,
  gzipFixed,
  type HooksBundle,
  splitUstarName,
  ustarArchive,
  writeHooksBundle,
} from '../../src/ansible/hooks-bundle.js';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { CitcError } from '../../src/core/errors.js';
import { awsCluster } from '../support/cluster.js';
import { runRoleTasks } from './ansible-local.js';

/**
 * The hooks travel to the management node as one archive citc writes itself (no tar binary), installed
 * by the real citc_hooks tasks (connection local, into a scratch directory) as a release that lib links to.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);
// A path that needs ustar's prefix field: 172 bytes, its last part 90.
const LONG = `chunks/${'d'.repeat(60)}/${'e'.repeat(20)}/${'f'.repeat(86)}.mjs`;
const BINARY = Uint8Array.from({ length: 1300 }, (_, i) => (i * 31) % 256);
const ENTRIES: ArchiveEntry[] = [
  { path: 'resume.mjs', mode: 0o644, content: text('console.log("resume")\n') },
  { path: 'chunks/adapter-X.mjs', mode: 0o644, content: BINARY },
  { path: 'chunks/empty.mjs', mode: 0o644, content: new Uint8Array() },
  { path: LONG, mode: 0o644, content: text('export const long = 1;\n') },
  { path: `${'n'.repeat(100)}`, mode: 0o600, content: text('exactly 100 bytes of name\n') },
  { path: 'empty-dir', mode: 0o755 },
  { path: 'resume-fail.mjs', mode: 0o644, content: text('x') },
];

/** Every file and directory under root: path → mode and bytes (directories: mode only). */
async function listTree(root: string, under = ''): Promise<Record<string, { mode: string; bytes?: string }>> {
  const out: Record<string, { mode: string; bytes?: string }> = {};
  for (const name of (await readdir(join(root, under))).sort()) {
    const path = under ? `${under}/${name}` : name;
    const s = await lstat(join(root, path));
    const mode = (s.mode & 0o7777).toString(8);
    if (s.isDirectory()) {
      out[path] = { mode };
      Object.assign(out, await listTree(root, path));
    } else {
      out[path] = { mode, bytes: (await readFile(join(root, path))).toString('base64') };
    }
  }
  return out;
}

async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

function caught(f: () => unknown): CitcError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(CitcError);
    return err as CitcError;
  }
  throw new Error('expected a CitcError');
}

describe('the hooks archive', () => {
  it('is the same bytes for the same entries in any order, and the real tar unpacks the same files', async () => {
    const tar = ustarArchive(ENTRIES);
    expect(ustarArchive([...ENTRIES].reverse()).equals(tar)).toBe(true);
    expect(gzipFixed(tar).equals(gzipFixed(ustarArchive([...ENTRIES].reverse())))).toBe(true);
    expect(tar.length % 512).toBe(0);
    // gzip's header: no name, mtime 0, OS Unix, whatever this machine's zlib was built for.
    expect([...gzipFixed(tar).subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

    const archive = join(dir, 'entries.tar.gz');
    await writeFile(archive, gzipFixed(tar));
    const out = join(dir, 'entries');
    await mkdir(out);
    await execa('tar', ['-xzf', archive, '-C', out]);
    const expected: Record<string, { mode: string; bytes?: string }> = {
      chunks: { mode: '755' },
      [dirname(LONG)]: { mode: '755' },
      [dirname(dirname(LONG))]: { mode: '755' },
      'empty-dir': { mode: '755' },
    };
    for (const e of ENTRIES) {
      expected[e.path] = {
        mode: e.mode.toString(8),
        ...(e.content && { bytes: Buffer.from(e.content).toString('base64') }),
      };
    }
    expect(await listTree(out)).toEqual(expected);

    // In byte order of the paths, directories before what is in them, owner root, mtime 1970.
    const listing = await execa('tar', ['-tvzf', archive, '--numeric-owner', '--utc']);
    const lines = listing.stdout.split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual([
      'chunks/',
      'chunks/adapter-X.mjs',
      `${dirname(dirname(LONG))}/`,
      `${dirname(LONG)}/`,
      LONG,
      'chunks/empty.mjs',
      'empty-dir/',
      'n'.repeat(100),
      'resume-fail.mjs',
      'resume.mjs',
    ]);
    for (const l of lines) expect(l).toMatch(/^[-d]rw[-x]r?[-x]?.* 0\/0 .* 1970-01-01 00:00 /);
  });

  it('splits a long path into prefix and name, and refuses what ustar cannot hold, naming the path', () => {
    expect(splitUstarName('n'.repeat(100))).toEqual({ name: 'n'.repeat(100), prefix: '' });
    expect(splitUstarName(LONG)).toEqual({ name: LONG.slice(7 + 61 + 21), prefix: dirname(LONG) });
    expect(splitUstarName(`${'a'.repeat(150)}/${'b'.repeat(99)}/`)).toEqual({
      name: `${'b'.repeat(99)}/`,
      prefix: 'a'.repeat(150),
    });

    const name = caught(() => ustarArchive([{ path: `chunks/${'x'.repeat(101)}`, mode: 0o644, content: text('') }]));
    expect(name.code).toBe('HOOKS_BUNDLE_PATH');
    expect(name.subject).toBe(`chunks/${'x'.repeat(101)}`);
    expect(name.toLine()).toContain('ustar holds 100 bytes of name');
    // Its directories fit (a 99-byte name; a 99-byte prefix and a 61-byte name), the file does not.
    const prefix = `${'a'.repeat(99)}/${'b'.repeat(60)}/${'c'.repeat(50)}`;
    expect(caught(() => ustarArchive([{ path: prefix, mode: 0o644, content: text('') }])).subject).toBe(prefix);
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a//b', './a', '']) {
      expect(caught(() => ustarArchive([{ path: bad, mode: 0o644, content: text('') }])).code).toBe(
        'HOOKS_BUNDLE_PATH',
      );
    }
    const twice = caught(() => ustarArchive([ENTRIES[0] as ArchiveEntry, ENTRIES[0] as ArchiveEntry]));
    expect(twice.toLine()).toContain('twice');
    const under = caught(() =>
      ustarArchive([
        { path: 'a', mode: 0o644, content: text('') },
        { path: 'a/b', mode: 0o644, content: text('') },
      ]),
    );
    expect(under.toLine()).toContain('a is a file');
  });

  it('is written from a tree once per content: the same bytes in two places, the older archive removed', async () => {
    // Source maps stay behind: the node runs the hooks without them.
    const tree = await writeTree(join(dir, 'tree'), {
      'resume.mjs': 'a',
      'resume.mjs.map': '{}',
      'chunks/c-1.mjs': BINARY,
      'chunks/c-1.mjs.map': '{}',
    });
    const [a, b] = [join(dir, 'out-a'), join(dir, 'out-b')];
    await mkdir(a);
    await mkdir(b);
    const first = await writeHooksBundle(tree, a);
    const other = await writeHooksBundle(tree, b);
    expect((await readFile(first.file)).equals(await readFile(other.file))).toBe(true);
    expect(first.sha256).toBe((await execa('sha256sum', [first.file])).stdout.split(' ')[0]);
    expect(first.id).toBe(
      bundleId(
        ustarArchive([
          { path: 'chunks/c-1.mjs', mode: 0o644, content: BINARY },
          { path: 'resume.mjs', mode: 0o644, content: text('a') },
        ]),
      ),
    );
    expect(first.file).toBe(join(a, `hooks-${first.id}.tar.gz`));
    expect((await stat(first.file)).mode & 0o777).toBe(0o644);

    await writeFile(join(tree, 'resume.mjs'), 'b');
    const next = await writeHooksBundle(tree, a);
    expect(next.id).not.toBe(first.id);
    expect(await readdir(a)).toEqual([`hooks-${next.id}.tar.gz`]);

    await symlink('resume.mjs', join(tree, 'link.mjs'));
    const err = await writeHooksBundle(tree, a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('HOOKS_BUNDLE_FILE_TYPE');
    expect((err as CitcError).subject).toBe(join(tree, 'link.mjs'));
  });

  it('is named in the group vars with its release id; without built hooks, the reason is', async () => {
    const tree = await writeTree(join(dir, 'inputs-tree'), { 'resume.mjs': 'r', 'chunks/c.mjs': 'c' });
    const work = join(dir, 'inputs');
    const w = await writeAnsibleInputs({
      workDir: work,
      config: awsCluster(),
      state: undefined,
      inventory: false,
      hooksDist: tree,
    });
    const bundle = w.hooksBundle as HooksBundle;
    expect(dirname(bundle.file)).toBe(w.renderedDir);
    expect(parse(await readFile(w.groupVars, 'utf8'))).toMatchObject({
      citc_hooks_bundle: bundle.file,
      citc_hooks_bundle_id: bundle.id,
    });
    expect(parse(await readFile(w.groupVars, 'utf8'))).not.toHaveProperty('citc_hooks_dist');

    const none = await writeAnsibleInputs({
      workDir: work,
      config: awsCluster(),
      state: undefined,
      inventory: false,
      hooksDist: join(dir, 'not-built'),
    });
    expect(none.hooksBundle).toBeUndefined();
    expect(none.hooksSkipped).toBe(
      `${join(dir, 'not-built')}: the bundled hooks are missing. Build citc (npm run build).`,
    );
    expect(parse(await readFile(none.groupVars, 'utf8'))).toMatchObject({
      citc_hooks_bundle: '',
      citc_hooks_bundle_id: '',
    });
    const r = await runRoleTasks(work, 'citc_hooks', 'bundle.yml', [none.groupVars], {
      citc_hooks_root: join(dir, 'none'),
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain('build citc (npm run build)');
    await expect(stat(join(dir, 'none'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});

/** ok/changed/failed of the PLAY RECAP line of localhost. */
function recap(all: string): { ok: number; changed: number; failed: number } {
  const m = /localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(all);
  if (!m) throw new Error(`no PLAY RECAP in:\n${all}`);
  return { ok: Number(m[1]), changed: Number(m[2]), failed: Number(m[3]) };
}

describe('role citc_hooks, tasks/bundle.yml (real ansible-playbook, connection local)', () => {
  it('installs a release once, links lib to it, switches, keeps the previous one only, redoes a partial unpack', async () => {
    const root = join(dir, 'opt-citc');
    const lib = join(root, 'lib');
    const releases = join(root, 'releases');
    // What an older citc left: the hooks copied into lib itself.
    await writeTree(lib, { 'resume.mjs': 'old', 'chunks/stale-OLD.mjs': 'old' });

    // Each version: resume.mjs loads its chunk, as the bundled hooks do.
    const bundles: Record<string, HooksBundle> = {};
    for (const v of ['A', 'B', 'C', 'D']) {
      const tree = await writeTree(join(dir, `hooks-${v}`), {
        'resume.mjs': `import { v } from './chunks/c-${v}.mjs';\nconsole.log(v);\n`,
        [`chunks/c-${v}.mjs`]: `export const v = '${v}';\n`,
      });
      await mkdir(join(dir, `out-${v}`));
      bundles[v] = await writeHooksBundle(tree, join(dir, `out-${v}`));
    }
    const deploy = async (v: string) => {
      const b = bundles[v] as HooksBundle;
      const r = await runRoleTasks(dir, 'citc_hooks', 'bundle.yml', [], {
        citc_hooks_root: root,
        citc_hooks_bundle: b.file,
        citc_hooks_bundle_id: b.id,
      });
      expect(r.exitCode, r.all).toBe(0);
      return recap(r.all);
    };
    const live = async () => (await execa('node', [join(lib, 'resume.mjs')])).stdout;
    const id = (v: string) => (bundles[v] as HooksBundle).id;
    const installed = async () => (await readdir(releases)).sort();
    const both = (...vs: string[]) => vs.flatMap((v) => [id(v), `${id(v)}.tar.gz`]).sort();

    // The first deploy replaces the old directory with the link; the second changes nothing.
    expect((await deploy('A')).changed).toBeGreaterThan(0);
    expect(await readlink(lib)).toBe(`releases/${id('A')}`);
    expect(await live()).toBe('A');
    expect(await listTree(lib)).toEqual({
      '.citc-release': { mode: '644', bytes: Buffer.from(`${id('A')}\n`).toString('base64') },
      chunks: { mode: '755' },
      'chunks/c-A.mjs': { mode: '644', bytes: Buffer.from("export const v = 'A';\n").toString('base64') },
      'resume.mjs': { mode: '644', bytes: expect.any(String) },
    });
    for (const p of ['resume.mjs', 'chunks', 'chunks/c-A.mjs']) expect((await stat(join(lib, p))).uid).toBe(0);
    expect((await stat(join(root, 'releases'))).mode & 0o777).toBe(0o755);
    expect(await deploy('A')).toMatchObject({ changed: 0, failed: 0 });

    // A new bundle: lib links to it, the one before stays (a running hook may still load its chunks).
    expect((await deploy('B')).changed).toBeGreaterThan(0);
    expect(await readlink(lib)).toBe(`releases/${id('B')}`);
    expect(await live()).toBe('B');
    expect(await installed()).toEqual(both('A', 'B'));
    expect((await deploy('B')).changed).toBe(0);
    expect(await installed()).toEqual(both('A', 'B'));

    // A third: the oldest goes.
    await deploy('C');
    expect(await live()).toBe('C');
    expect(await installed()).toEqual(both('B', 'C'));

    // A run that stopped while unpacking D left part of it and no marker: the next one unpacks it again.
    await writeTree(join(releases, id('D')), { 'resume.mjs': 'half' });
    await deploy('D');
    expect(await live()).toBe('D');
    expect(await installed()).toEqual(both('C', 'D'));

    // Back to the previous release: nothing to copy or unpack, only the link moves, nothing is removed.
    expect((await deploy('C')).changed).toBe(1);
    expect(await live()).toBe('C');
    expect(await installed()).toEqual(both('C', 'D'));
  }, 180_000);
});
