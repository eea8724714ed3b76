import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { standInPacker } from '../image/stand-in-packer.js';
import { repoRoot, runCli } from '../support/cli.js';

const BUILD_OK = [
  '1700000000,,ui,say,==> amazon-ebs.compute: Creating temporary keypair: packer_1',
  '1700000100,amazon-ebs.compute,artifact,0,id,us-east-1:ami-0123456789abcdef0',
];

let dir: string;
let config: string;
let state: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-image-cli-'));
  config = join(dir, 'citc.yaml');
  await copyFile(join(repoRoot, 'examples/aws.yaml'), config);
  // `citc deploy` records the management node's Slurm version; the image installs the same.
  const ansible = join(dir, '.citc', 'hpc-aws', 'ansible');
  await mkdir(ansible, { recursive: true });
  await writeFile(join(ansible, 'slurm-version'), '22.05.8-4+deb12u3\n');
  state = join(dir, '.citc', 'hpc-aws', 'state.json');
});

describe('citc image rebuild (the CLI, with a stand-in packer first on PATH)', () => {
  it('records the built image in the state file and prints how to roll back on the next build', async () => {
    const packer = await standInPacker(dir, { version: '1.11.2', buildOutput: BUILD_OK, buildExit: 0 });
    const env = { PATH: `${packer.binDir}:${process.env.PATH}` };
    const r = await runCli(['image', 'rebuild', config, '--no-install', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'ami-0123456789abcdef0', installed: { installed: false } });
    expect(JSON.parse(await readFile(state, 'utf8')).image.current.id).toBe('ami-0123456789abcdef0');
    const calls = (await packer.calls()).map((c) => c[0]);
    expect(calls).toEqual(['version', 'init', 'build']);

    const again = await runCli(['image', 'rebuild', config, '--no-install'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Roll back to ami-0123456789abcdef0 with: citc image rollback');
  });

  it('exits 1 and keeps the recorded image when the build fails', async () => {
    await mkdir(join(dir, '.citc', 'hpc-aws'), { recursive: true });
    const before = JSON.stringify({
      version: 1,
      cluster: 'hpc-aws',
      provider: 'aws',
      image: { current: { id: 'ami-0aaaaaaaaaaaaaaaa', builtAt: '2026-11-01T00:00:00Z' }, previous: [] },
    });
    await writeFile(state, before);
    const failing = ['1700000000,,error,Build errored: VPCIdNotSpecified'];
    const packer = await standInPacker(dir, { version: '1.11.2', buildOutput: failing, buildExit: 1 });
    const r = await runCli(['image', 'rebuild', config, '--no-install'], {
      env: { PATH: `${packer.binDir}:${process.env.PATH}` },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^citc: [A-Z_]+: /m);
    expect(await readFile(state, 'utf8')).toBe(before);
  });

  it('exits 3 and says what to install when packer is not on PATH', async () => {
    const r = await runCli(['image', 'rebuild', config, '--no-install'], { env: { PATH: join(dir, 'empty') } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('apt-get install packer');
  });
});
