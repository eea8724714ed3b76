import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { CitcError } from '../../src/core/errors.js';
import { deployCluster } from '../../src/deploy/deploy.js';
import type { CheckName } from '../../src/deploy/preflight/preflight.js';
import { loadExample } from '../support/cluster.js';
import { DIAGNOSTIC_ERROR, isolatedPath, standInTerraform } from './stand-in-terraform.js';

const OUTPUTS = {
  compute_subnet_ids: ['subnet-0aaa', 'subnet-0bbb'],
  compute_security_group_ids: ['sg-0ccc'],
  compute_launch_template_id: 'lt-0ddd',
  compute_instance_profile_arn: 'arn:aws:iam::123456789012:instance-profile/hpc-aws-node',
  management_public_ip: '198.51.100.7',
  management_private_ip: '10.20.0.10',
  management_ssh_user: 'rocky',
  storage_export_prefix: '',
};

/** The work dir, created: returns its path. */
async function mkdirp(d: string): Promise<string> {
  await mkdir(d, { recursive: true });
  return d;
}

/** The checks these tests are not about: the example's placeholders, credentials, the admin address, ansible. */
const preflight = { skip: ['placeholders', 'credentials', 'admin-address', 'ansible'] as CheckName[] };

let dir: string;
let workDir: string;
let config: ClusterConfig;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-deploy-'));
  workDir = join(dir, '.citc', 'hpc-aws');
  config = await loadExample('aws');
});

async function state(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(workDir, 'state.json'), 'utf8'));
}

describe('deployCluster with a stand-in terraform first on PATH', () => {
  it('synthesizes, runs init then apply in the stack dir, and records the outputs in the state file', async () => {
    const tf = await standInTerraform(dir, { outputs: OUTPUTS });
    const lines: string[] = [];
    const r = await deployCluster({
      config,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
      onProgress: (l) => lines.push(l),
      now: () => new Date('2026-11-23T01:00:00Z'),
    });
    const calls = await tf.calls();
    expect(calls.map((c) => c.args)).toEqual([
      ['version', '-json'],
      ['init', '-input=false', '-no-color'],
      ['plan', '-input=false', '-json', '-out=citc.tfplan'],
      ['apply', '-input=false', '-json', 'citc.tfplan'],
      ['output', '-json'],
    ]);
    const stackDir = join(workDir, 'infra', 'stacks', 'hpc-aws');
    expect(calls.slice(1).every((c) => c.cwd === stackDir && c.hasStack)).toBe(true);
    expect(r).toMatchObject({ dryRun: false, configured: false, tool: { name: 'terraform', version: '1.9.8' } });
    expect(await state()).toEqual({
      version: 1,
      cluster: 'hpc-aws',
      provider: 'aws',
      deploy: {
        stackDir,
        synthesizedAt: '2026-11-23T01:00:00.000Z',
        appliedAt: '2026-11-23T01:00:00.000Z',
        outputs: OUTPUTS,
        managementZone: 'us-east-1a',
      },
    });
    // What the next plan compares with: the configuration just applied.
    expect(await readFile(join(workDir, 'applied.tf.json'), 'utf8')).toBe(
      await readFile(join(stackDir, 'cdk.tf.json'), 'utf8'),
    );
    expect(lines).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(lines).toContain('Terraform has been successfully initialized!');
  });

  it('uses tofu when asked, and when it is the only one on PATH', async () => {
    const tofu = await standInTerraform(dir, { name: 'tofu', version: '1.8.3', outputs: OUTPUTS });
    const tf = await standInTerraform(dir, { outputs: OUTPUTS });
    const path = await isolatedPath(dir, tf.binDir, tofu.binDir);
    const asked = await deployCluster({
      config,
      workDir,
      preflight,
      skipConfigure: true,
      tool: 'tofu',
      env: { PATH: path },
    });
    expect(asked.tool).toEqual({ name: 'tofu', version: '1.8.3' });
    expect(await tf.calls()).toEqual([]);
    const only = await deployCluster({
      config,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: await isolatedPath(dir, tofu.binDir) },
    });
    expect(only.tool?.name).toBe('tofu');
  });

  it('keeps an image recorded earlier and the previous outputs when apply fails, with the diagnostic in the error', async () => {
    await writeFile(
      join(await mkdirp(workDir), 'state.json'),
      JSON.stringify({
        version: 1,
        cluster: 'hpc-aws',
        provider: 'aws',
        image: { current: { id: 'ami-0abc', builtAt: 'x' }, previous: [] },
      }),
    );
    const tf = await standInTerraform(dir, { applyExit: 1, applyLines: [DIAGNOSTIC_ERROR] });
    const err = await deployCluster({
      config,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect(err.code).toBe('TERRAFORM_FAILED');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(
      'terraform apply failed (exit 1): creating EC2 VPC: UnauthorizedOperation — You are not authorized',
    );
    expect(err.remedy).toContain('terraform.tfstate');
    const s = await state();
    expect(s.image).toEqual({ current: { id: 'ami-0abc', builtAt: 'x' }, previous: [] });
    expect((s.deploy as Record<string, unknown>).appliedAt).toBeUndefined();
    expect((await tf.calls()).map((c) => c.args[0])).toEqual(['version', 'init', 'plan', 'apply']);
    // The recorded image is the one the compute launch template starts.
    const stack = JSON.parse(await readFile(join(workDir, 'infra/stacks/hpc-aws/cdk.tf.json'), 'utf8'));
    expect(Object.values(stack.resource.aws_launch_template)[0]).toMatchObject({ image_id: 'ami-0abc' });
  });

  it('hands over to the Ansible playbook after apply (exit 3 naming ansible when it is missing, outputs already recorded)', async () => {
    const tf = await standInTerraform(dir, { outputs: OUTPUTS });
    const err = await deployCluster({
      config,
      workDir,
      preflight,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect(err.exitCode).toBe(3);
    expect(err.subject).toBe('ansible-playbook');
    expect(((await state()).deploy as { outputs: unknown }).outputs).toEqual(OUTPUTS);
  });

  it('refuses a state file of another cluster before running anything', async () => {
    await writeFile(
      join(await mkdirp(workDir), 'state.json'),
      JSON.stringify({ version: 1, cluster: 'other', provider: 'aws' }),
    );
    const tf = await standInTerraform(dir, { outputs: OUTPUTS });
    const err = await deployCluster({
      config,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err.code).toBe('STATE_MISMATCH');
    expect(err.exitCode).toBe(2);
    expect(await tf.calls()).toEqual([]);
  });
});

describe('deployCluster without terraform', () => {
  it('exits 3 naming the versions that work and how to install them, before writing anything', async () => {
    const err = await deployCluster({ config, workDir, preflight, env: { PATH: await isolatedPath(dir) } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(CitcError);
    expect(err.code).toBe('TOOL_MISSING');
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('terraform or tofu is not installed (not found on PATH)');
    expect(err.remedy).toMatch(/Terraform ≥ 1\.5 .*developer\.hashicorp\.com.*OpenTofu ≥ 1\.6 .*opentofu\.org/);
    await expect(readFile(join(workDir, 'state.json'))).rejects.toThrow(/ENOENT/);
  });

  it('exits 3 for a terraform older than 1.5', async () => {
    const tf = await standInTerraform(dir, { version: '1.3.9' });
    const err = await deployCluster({
      config,
      workDir,
      preflight,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err.code).toBe('TOOL_TOO_OLD');
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('terraform 1.3.9 is too old (need 1.5 or newer)');
  });

  it('still synthesizes and summarizes on --dry-run, with no state written', async () => {
    const r = await deployCluster({ config, workDir, preflight, dryRun: true, env: { PATH: await isolatedPath(dir) } });
    expect(r.dryRun).toBe(true);
    expect(r.summary).toMatchObject({ cluster: 'hpc-aws', maxNodes: 148, totalResources: 25 });
    expect(JSON.parse(await readFile(r.summary.files.file, 'utf8')).resource.aws_vpc).toBeDefined();
    await expect(readFile(join(workDir, 'state.json'))).rejects.toThrow(/ENOENT/);
  });
});
