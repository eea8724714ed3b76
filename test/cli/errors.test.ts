import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
// No credentials anywhere, and the SDK must not ask the instance metadata address for them.
const noCredentials = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-errors-'));
});

/** One line `citc: CODE: ...` on stderr, nothing on stdout, no stack frame anywhere. */
function expectOneLine(r: { stdout: string; stderr: string }, code: string): string {
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^citc: ${code}: `));
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

describe('errors: one line with a code, what failed and what to do', () => {
  it('an unknown flag is a usage error with a suggestion (exit 2)', async () => {
    const r = await runCli(['validate', 'examples/aws.yaml', '--cnfig', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(expectOneLine(r, 'USAGE')).toBe(
      'citc: USAGE: validate: Nonexistent flag: --cnfig. Did you mean --config? See `citc validate --help`.',
    );
  });

  it('deploy --dryrun suggests --dry-run', async () => {
    const r = await runCli(['deploy', 'examples/aws.yaml', '--dryrun']);
    expect(r.code).toBe(2);
    expect(expectOneLine(r, 'USAGE')).toBe(
      'citc: USAGE: deploy: Nonexistent flag: --dryrun. Did you mean --dry-run? See `citc deploy --help`.',
    );
  });

  it('a missing required argument and a bad option value are usage errors too', async () => {
    const missing = await runCli(['hostlist', 'expand']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^citc: USAGE: hostlist expand: Missing 1 required arg/);
    const option = await runCli(['init', '--provider', 'azure', join(dir, 'y.yaml')]);
    expect(option.code).toBe(2);
    expect(expectOneLine(option, 'USAGE')).toContain('Expected --provider=azure to be one of: aws, gcp');
  });

  it('a directory given as the cluster file says so (no raw EISDIR)', async () => {
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(expectOneLine(r, 'CONFIG_UNREADABLE')).toContain(
      'this is a directory, not a cluster file. Pass the file itself',
    );
  });

  it('destroy without credentials: one line, no stack; with --debug the stack follows', async () => {
    const r = await runCli(['destroy', 'examples/aws.yaml', '--yes'], { env: noCredentials });
    expect(r.code).toBe(1);
    expect(expectOneLine(r, 'CLOUD_CREDENTIALS')).toContain('no cloud credentials were found. Log in first');
    const debug = await runCli(['destroy', 'examples/aws.yaml', '--yes', '--debug'], { env: noCredentials });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^CredentialsProviderError: /m);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

describe('--json: the whole error on stdout', () => {
  it('destroy --json without credentials prints the code and message, and nothing else', async () => {
    const r = await runCli(['destroy', 'examples/aws.yaml', '--yes', '--json'], { env: noCredentials });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'CLOUD_CREDENTIALS',
        message: 'no cloud credentials were found',
        subject: 'destroy',
        remedy: expect.stringContaining('gcloud auth application-default login'),
        exitCode: 1,
      },
    });
  });

  it('usage errors too', async () => {
    const r = await runCli(['config', 'show', '--json', '--yamll']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'USAGE',
      message: 'Nonexistent flag: --yamll',
      remedy: 'Did you mean --yaml? See `citc config show --help`.',
    });
  });

  it('a missing cluster file', async () => {
    const r = await runCli(['validate', join(dir, 'nope.yaml'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: 'CONFIG_NOT_FOUND',
      message: 'no such cluster file',
      subject: join(dir, 'nope.yaml'),
      remedy: 'Create one with `citc init` or pass the path of yours.',
      exitCode: 2,
    });
  });
});

describe('help and completion (oclif plugins)', () => {
  it('citc help <command> prints the command help', async () => {
    const r = await runCli(['help', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^USAGE\n {2}\$ citc validate \[FILE\]/m);
    expect(r.stdout).toContain('--set=<value>');
  });

  it('an unknown command names itself, the nearest command and citc help (exit 127), also outside a terminal', async () => {
    const r = await runCli(['deplyo']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('deplyo is not a citc command. Did you mean `citc deploy`?');
    expect(r.stderr).toContain('Run `citc help` for the list of commands.');
    const far = await runCli(['frobnicate']);
    expect(far.code).toBe(127);
    expect(far.stderr).toContain('frobnicate is not a citc command. Run `citc help`');
    const sub = await runCli(['image', 'prnue']);
    expect(sub.stderr).toContain('Did you mean `citc image prune`?');
  });

  it('citc autocomplete script bash prints a completion script', async () => {
    const cache = join(dir, 'cache');
    await mkdir(cache, { recursive: true });
    const r = await runCli(['autocomplete', 'script', 'bash'], { env: { XDG_CACHE_HOME: cache } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CITC_AC_BASH_SETUP_PATH');
  });
});
