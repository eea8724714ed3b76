import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-cli-'));
});

describe('citc validate', () => {
  it.each(['aws', 'gcp'])('accepts the shipped %s example, warning only about its placeholders', async (provider) => {
    const r = await runCli(['validate', `examples/${provider}.yaml`]);
    for (const line of r.stderr.trimEnd().split('\n')) {
      expect(line).toMatch(/: warning: (.* found the example's placeholder |partitions\[1\]\.shapes\[0\]\.gpus: )/);
    }
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`cluster hpc-${provider} on ${provider} .* is valid`));
  });

  it('reports every error of a broken copy with its line, and exits 2 without writing anything', async () => {
    const text = (await readFile(join(repoRoot, 'examples/aws.yaml'), 'utf8'))
      .replace('diskGb: 50', 'diskGb: fifty') // wrong type
      .replace('  suspendTime: 300', '  suspendTime: 300\n  suspendTimeOut: 60') // unknown key
      .replace('[g5.xlarge, g4dn.xlarge]', '[g5.xlarg, g4dn.xlarge]') // misspelt instance type
      .replace('maxNodes: 40', 'maxNodes: -1'); // out of range
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, text);
    const before = await readdir(dir);
    const r = await runCli(['validate', broken]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^citc: CONFIG_INVALID: .*broken\.yaml: 4 problems in the cluster file/);
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(r.stderr).toContain(
      `broken.yaml:${lineOf('diskGb: fifty')}:11: management.diskGb: expected an integer from 20 to 16384, found "fifty"`,
    );
    expect(r.stderr).toContain(
      `broken.yaml:${lineOf('suspendTimeOut')}:3: slurm.suspendTimeOut: expected one of the keys`,
    );
    expect(r.stderr).toContain('(did you mean suspendTimeout?)');
    expect(r.stderr).toContain(
      `broken.yaml:${lineOf('g5.xlarg,')}:25: partitions[1].shapes[0].instanceTypes[0]: expected a g5 type (EC2 has no g5.xlarg), found "g5.xlarg" (did you mean g5.xlarge?)`,
    );
    expect(r.stderr).toContain(
      `broken.yaml:${lineOf('maxNodes: -1')}:19: partitions[0].shapes[0].maxNodes: expected an integer from 1 to 10000, found -1`,
    );
    expect(await readdir(dir)).toEqual(before);
  });

  it('names a missing file and says how to make one', async () => {
    const r = await runCli(['validate', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CONFIG_NOT_FOUND: .*nope\.yaml: no such cluster file\. Create one with `citc init`/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const bad = join(dir, 'syntax.yaml');
    await writeFile(bad, 'name: x\nprovider: [aws\n');
    const r = await runCli(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /syntax\.yaml:3:1: \(top level\): expected a \] closing the \[ before it, found a \[ \.\.\. that is never closed$/m,
    );
  });

  it('--json on a file with five mistakes: every problem with file, line, column, path and message', async () => {
    const text = fiveMistakes(await readFile(join(repoRoot, 'examples/aws.yaml'), 'utf8'));
    const file = join(dir, 'five.yaml');
    await writeFile(file, text);
    const r = await runCli(['validate', file, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: '5 problems in the cluster file', exitCode: 2 });
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(error.problems).toEqual([
      {
        file,
        line: lineOf('adminCidrs'),
        column: 31,
        path: 'network.adminCidrs[1]',
        severity: 'error',
        message: 'expected each CIDR once, found 198.18.7.0/24 again (adminCidrs[0])',
        expected: 'each CIDR once',
        found: '198.18.7.0/24 again (adminCidrs[0])',
      },
      expect.objectContaining({ line: lineOf('machineType'), path: 'management.machineType', severity: 'error' }),
      expect.objectContaining({ line: lineOf('cpus: 512'), column: 15, path: 'partitions[0].shapes[0].cpus' }),
      expect.objectContaining({
        line: lineOf('c6a.4xlrage'),
        path: 'partitions[0].shapes[1].instanceTypes[1]',
        message: 'expected a c6a type (EC2 has no c6a.4xlrage), found "c6a.4xlrage" (did you mean c6a.4xlarge?)',
        hint: 'did you mean c6a.4xlarge?',
      }),
      expect.objectContaining({
        path: 'partitions[1].shapes[0].gpus.count',
        message: 'expected at most 1: g5.xlarge (the type of this shape with the fewest) has 1 GPU, found 4',
      }),
    ]);
  });

  it('gives --json output for scripts', async () => {
    const r = await runCli(['validate', 'examples/gcp.yaml', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: 'examples/gcp.yaml', valid: true, nodes: 154 });
  });
});

describe('citc config show', () => {
  it('prints effective values with their sources: default < file < env < flag', async () => {
    const r = await runCli(['config', 'show', 'examples/aws.yaml', '--json', '--set', 'slurm.resumeTimeout=900'], {
      env: { CITC_SLURM_SUSPEND_TIME: '120', CITC_SLURM_RESUME_TIMEOUT: '700' },
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.config.slurm).toMatchObject({
      suspendTime: 120,
      resumeTimeout: 900,
      suspendTimeout: 120,
      resumeRate: 0,
    });
    expect(out.sources['slurm.suspendTime']).toBe('env CITC_SLURM_SUSPEND_TIME');
    expect(out.sources['slurm.resumeTimeout']).toBe('--set slurm.resumeTimeout=900');
    expect(out.sources['slurm.resumeRate']).toBe('default');
    expect(out.sources.name).toBe('examples/aws.yaml:6');
  });

  it('prints a table for people', async () => {
    const r = await runCli(['config', 'show', 'examples/gcp.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^provider\.project\s+"my-research-project"\s+# examples\/gcp\.yaml:13$/m);
    expect(r.stdout).toMatch(/^slurm\.suspendRate\s+0\s+# default$/m);
  });

  it('rejects a bad override with exit 2, naming the flag', async () => {
    const r = await runCli(['config', 'show', 'examples/aws.yaml', '--set', 'slurm.suspendTim=5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--set slurm.suspendTim=5: slurm.suspendTim: expected a field of citc.yaml');
    expect(r.stderr).toContain('did you mean slurm.suspendTime?');
  });
});

describe('citc init', () => {
  it('writes the example, refuses to overwrite it, and overwrites with --force', async () => {
    const target = join(dir, 'new', 'citc.yaml');
    const first = await runCli(['init', '--provider', 'gcp', '--name', 'climate', target]);
    expect(first.code).toBe(0);
    const written = await readFile(target, 'utf8');
    // The first line points editors (yaml-language-server) at the JSON Schema shipped with citc.
    const schema = /^# yaml-language-server: \$schema=(\S+)\n/.exec(written)?.[1] ?? '';
    expect(resolve(dirname(target), schema)).toBe(join(repoRoot, 'schema', 'citc.schema.json'));
    expect(written).toMatch(/^name: climate$/m);
    expect(written).toContain('# citc cluster file: an elastic Slurm cluster on Google Cloud.');
    expect((await runCli(['validate', target])).code).toBe(0);

    await writeFile(target, 'mine');
    const again = await runCli(['init', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/FILE_EXISTS: .*citc\.yaml: the file exists already\. Pass --force/);
    expect(await readFile(target, 'utf8')).toBe('mine');

    const forced = await runCli(['init', '--force', target]);
    expect(forced.code).toBe(0);
    const example = await readFile(join(repoRoot, 'examples/aws.yaml'), 'utf8');
    expect(await readFile(target, 'utf8')).toBe(`# yaml-language-server: $schema=${schema}\n${example}`);
  });

  it('names a directory given as FILE instead of failing on it', async () => {
    const r = await runCli(['init', '--force', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^citc: USAGE: .*: this is a directory, not a file to write\. Give the file to write/);
  });

  it('rejects an invalid name and an unknown provider as usage errors', async () => {
    expect((await runCli(['init', '--name', 'Bad_Name', join(dir, 'x.yaml')])).code).toBe(2);
    expect((await runCli(['init', '--provider', 'azure', join(dir, 'y.yaml')])).code).toBe(2);
  });
});

/** The aws example with its placeholders replaced and five mistakes made. */
function fiveMistakes(example: string): string {
  return example
    .replace('adminCidrs: [203.0.113.0/24]', 'adminCidrs: [198.18.7.0/24, 198.18.7.0/24]')
    .replace('ExampleKeyReplaceMe', 'ReallyAlicesOwnKeyAbc')
    .replace('machineType: t3.medium', 'machineType: t3.meduim')
    .replace('[c6i.4xlarge, c6a.4xlarge]', '[c6i.4xlarge, c6a.4xlrage]')
    .replace('        cpus: 8\n', '        cpus: 512\n')
    .replace('gpus: { count: 1 }', 'gpus: { count: 4 }');
}
