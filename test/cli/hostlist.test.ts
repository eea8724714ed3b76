import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// These run the compiled CLI exactly as installed: ./bin/run.js, dist/ and oclif.manifest.json.
const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = [
  'src/core/hostlist.ts',
  'src/cli/commands/hostlist/expand.ts',
  'src/cli/commands/hostlist/compress.ts',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function citc(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(root, 'bin/run.js'), ...args],
      { cwd: root, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

beforeAll(() => {
  const compiled = join(root, 'dist/src/cli/commands/hostlist/expand.js');
  const manifest = join(root, 'oclif.manifest.json');
  if (!existsSync(compiled) || !existsSync(manifest)) throw new Error('no compiled CLI: run `npm run build` first');
  const built = Math.min(statSync(compiled).mtimeMs, statSync(manifest).mtimeMs);
  const stale = SOURCES.filter((s) => statSync(join(root, s)).mtimeMs > built);
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale.join(', ')}: run \`npm run build\``);
  expect(Object.keys(JSON.parse(readFileSync(manifest, 'utf8')).commands)).toContain('hostlist:expand');
});

describe('citc hostlist expand', () => {
  it('prints one name per line', async () => {
    expect(await citc(['hostlist', 'expand', 'n[1-3]'])).toEqual({ code: 0, stdout: 'n1\nn2\nn3\n', stderr: '' });
  });

  it('keeps Slurm order and padding over several groups and items', async () => {
    const run = await citc(['hostlist', 'expand', 'rack[1-2]-n[01-02],login']);
    expect(run.stdout).toBe('rack1-n01\nrack1-n02\nrack2-n01\nrack2-n02\nlogin\n');
  });

  it('--json gives an array, --count the number', async () => {
    const json = await citc(['hostlist', 'expand', '--json', 'a[1-2],b7']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(['a1', 'a2', 'b7']);
    expect(await citc(['hostlist', 'expand', '--count', 'n[1-1000]'])).toMatchObject({ code: 0, stdout: '1000\n' });
  });

  it('prints nothing for a blank hostlist, as scontrol does', async () => {
    expect(await citc(['hostlist', 'expand', ''])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('a malformed hostlist: one error line naming the place, exit 2, no names', async () => {
    const run = await citc(['hostlist', 'expand', 'compute-[1-3,7-5]']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'citc: HOSTLIST_INVALID: compute-[1-3,7-5]: reversed range 7-5 at character 14. Write names like compute-c5-[1-3,7] or rack[1-2]-n[01-02].\n',
    );
  });

  it('with --json the error is JSON too', async () => {
    const run = await citc(['hostlist', 'expand', '--json', 'n[1-']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'HOSTLIST_INVALID', subject: 'n[1-' } });
  });

  it('--limit refuses larger lists', async () => {
    const run = await citc(['hostlist', 'expand', '--limit', '10', 'n[1-11]']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('expands to more than 10 names');
  });

  it('usage errors exit 2', async () => {
    expect((await citc(['hostlist', 'expand'])).code).toBe(2);
    expect((await citc(['hostlist', 'expand', '--bogus', 'n1'])).code).toBe(2);
  });
});

describe('citc hostlist compress', () => {
  it('compresses arguments, comma or space separated', async () => {
    expect(await citc(['hostlist', 'compress', 'n1', 'n2', 'n3', 'n7'])).toEqual({
      code: 0,
      stdout: 'n[1-3,7]\n',
      stderr: '',
    });
    expect((await citc(['hostlist', 'compress', 'n09,n10', 'n1'])).stdout).toBe('n[09-10,1]\n');
  });

  it('reads names from stdin when none are given', async () => {
    const run = await citc(['hostlist', 'compress'], 'compute-1\ncompute-2, compute-3\n\tlogin\n');
    expect(run).toEqual({ code: 0, stdout: 'compute-[1-3],login\n', stderr: '' });
  });

  it('round-trips with expand through a pipe of processes', async () => {
    const names = (await citc(['hostlist', 'expand', 'r[1-2]-n[001-003],x9'])).stdout;
    const compressed = (await citc(['hostlist', 'compress'], names)).stdout.trim();
    expect((await citc(['hostlist', 'expand', compressed])).stdout).toBe(names);
  });

  it('--json gives the hostlist and the number of names', async () => {
    const run = await citc(['hostlist', 'compress', '--json', 'n1', 'n2']);
    expect(JSON.parse(run.stdout)).toEqual({ hostlist: 'n[1-2]', count: 2 });
  });

  it('a name Slurm cannot read back: exit 2 with one line', async () => {
    const run = await citc(['hostlist', 'compress', 'n[1]']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'citc: HOSTLIST_INVALID: n[1]: name 1 of the list holds "[", which Slurm reads as a separator. Write names like compute-c5-[1-3,7] or rack[1-2]-n[01-02].\n',
    );
  });
});

describe('citc --help', () => {
  it('lists the hostlist topic and shows examples for its commands', async () => {
    const top = await citc(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/hostlist\s+Expand and compress Slurm hostlists/);
    const expand = await citc(['hostlist', 'expand', '--help']);
    expect(expand.code).toBe(0);
    expect(expand.stdout).toContain("citc hostlist expand 'compute-c5-[1-3,7]'");
    expect(expand.stdout).toContain('--count');
  });
});
