import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { repoRoot, runCli } from '../support/cli.js';
import { isolatedPath, plannedChange, standInTerraform } from './stand-in-terraform.js';

/** The checks these tests are not about (the example's placeholders; no credentials here). */
const SKIP = ['--skip-check', 'placeholders', '--skip-check', 'credentials', '--skip-check', 'admin-address'];

let dir: string;
let config: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-deploy-cli-'));
  config = join(dir, 'citc.yaml');
  await copyFile(join(repoRoot, 'examples/aws.yaml'), config);
});

describe('citc deploy (the CLI)', () => {
  it('--dry-run works with no terraform and no cloud account, and says what would be created', async () => {
    const r = await runCli(['deploy', '--dry-run', config], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Cluster hpc-aws on aws \(us-east-1\), synthesized in \d+ ms\.$/);
    expect(lines[1]).toBe('Terraform would create 25 resources (reading 5 data sources):');
    expect(lines).toContain('  1 aws_launch_template');
    expect(lines).toContain('Management node: hpc-aws-mgmt, t3.medium in us-east-1a, 50 GB encrypted disk.');
    expect(lines).toContain('  at most 148 compute nodes at once.');
    expect(lines).toContain(`Terraform JSON: ${join(dir, '.citc/hpc-aws/infra/stacks/hpc-aws/cdk.tf.json')}`);
    expect(lines.at(-1)).toBe(`Dry run: nothing was changed. Deploy for real with: citc deploy ${config}`);
    const json = JSON.parse(await readFile(join(dir, '.citc/hpc-aws/infra/stacks/hpc-aws/cdk.tf.json'), 'utf8'));
    expect(Object.keys(json.resource)).toContain('aws_instance');
  });

  it('--dry-run --json prints the summary as JSON', async () => {
    const r = await runCli(['deploy', '--dry-run', '--json', config], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      dryRun: true,
      configured: false,
      summary: { cluster: 'hpc-aws', totalResources: 25, maxNodes: 148 },
    });
    expect(out.summary.partitions.map((p: { name: string; maxNodes: number }) => [p.name, p.maxNodes])).toEqual([
      ['compute', 140],
      ['gpu', 8],
    ]);
  });

  it('exits 3 with the versions that work when neither terraform nor tofu is on PATH', async () => {
    const r = await runCli(['deploy', config, '--skip-configure', ...SKIP], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'citc: TOOL_MISSING: terraform/tofu: terraform or tofu is not installed (not found on PATH).',
    );
    expect(r.stderr).toContain('Install Terraform ≥ 1.5');
    expect(r.stderr).toContain('OpenTofu ≥ 1.6');
  });

  it('applies through the stand-in and prints how to reach the management node', async () => {
    const tf = await standInTerraform(dir, {
      outputs: {
        management_public_ip: '198.51.100.7',
        management_ssh_user: 'rocky',
        compute_subnet_ids: ['subnet-a', 'subnet-b'],
      },
    });
    const r = await runCli(['deploy', config, '--skip-configure', ...SKIP], {
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Management node: ssh rocky@198.51.100.7');
    expect(r.stderr).toContain('$ terraform apply -input=false -json citc.tfplan');
    const state = JSON.parse(await readFile(join(dir, '.citc/hpc-aws/state.json'), 'utf8'));
    expect(state.deploy.outputs.compute_subnet_ids).toEqual(['subnet-a', 'subnet-b']);
  });

  it('exits 1 with the terraform diagnostic when apply fails', async () => {
    const tf = await standInTerraform(dir, {
      applyExit: 1,
      applyLines: [
        { type: 'diagnostic', diagnostic: { severity: 'error', summary: 'No valid credential sources found' } },
      ],
    });
    const r = await runCli(['deploy', config, '--skip-configure', ...SKIP], {
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'citc: TERRAFORM_FAILED: hpc-aws: terraform apply failed (exit 1): No valid credential sources found.',
    );
  });
});

describe('citc deploy after a change of zones', () => {
  it('refuses to move the management node and the shared disk (exit 2, naming both), --dry-run shows why', async () => {
    const first = await standInTerraform(dir, { outputs: { management_public_ip: '198.51.100.7' } });
    const ok = await runCli(['deploy', config, '--skip-configure', ...SKIP], {
      env: { PATH: await isolatedPath(dir, first.binDir) },
    });
    expect(ok.code, ok.stderr).toBe(0);
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace('zones: [us-east-1a, us-east-1b]', 'zones: [us-east-1b, us-east-1c]'));
    const dry = await runCli(['deploy', '--dry-run', config], { env: { PATH: await isolatedPath(dir) } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      '  -/+ aws_ebs_volume.storage_disk_F797B0A1 [shared disk hpc-aws-shared]: replace\n        availability_zone: "us-east-1a" → "us-east-1b"',
    );
    expect(dry.stdout).toContain(
      'citc deploy would refuse this: hpc-aws: refusing to replace the management node hpc-aws-mgmt',
    );
    const tf = await standInTerraform(join(dir, 'again'), {
      planLines: [
        plannedChange('aws_instance.management_node_E9B160A4', 'replace'),
        plannedChange('aws_ebs_volume.storage_disk_F797B0A1', 'replace'),
      ],
    });
    const r = await runCli(['deploy', config, '--skip-configure', '--yes', ...SKIP], {
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'Plan (from terraform plan): 0 to create, 0 to update in place, 2 to replace, 0 to delete',
    );
    expect(r.stderr).toMatch(
      /citc: DEPLOY_WOULD_REPLACE: hpc-aws: refusing to replace the management node hpc-aws-mgmt .* and replace the shared disk hpc-aws-shared .*--allow-replace/,
    );
    expect((await tf.calls()).map((c) => c.args[0])).not.toContain('apply');
  }, 180_000);
});

describe('citc deploy with a corrupt state file', () => {
  it('exits 1 with one line naming the file, before running terraform', async () => {
    const tf = await standInTerraform(dir);
    await mkdir(join(dir, '.citc/hpc-aws'), { recursive: true });
    await writeFile(join(dir, '.citc/hpc-aws/state.json'), '{"version": 1,');
    const r = await runCli(['deploy', config], { env: { PATH: await isolatedPath(dir, tf.binDir) } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^citc: STATE_CORRUPT: .*\/\.citc\/hpc-aws\/state\.json: the state file is not valid JSON .*Restore it from a backup/,
      ),
    ]);
    expect(await tf.calls()).toEqual([]);
  });
});

describe('citc destroy (the CLI, against the loopback EC2 fake)', () => {
  let fake: Ec2Fake;

  beforeEach(async () => {
    fake = new Ec2Fake();
    await fake.start();
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${fake.endpoint}`));
    fake.seed(2, { tags: { 'citc:cluster': 'hpc-aws', 'citc:nodes': 'compute-c5-[1-2]' } });
    fake.seed(1, { tags: { 'citc:cluster': 'other', 'citc:node': 'compute-c5-1' } });
  });
  afterEach(() => fake.stop());

  it('refuses without --yes when there is no terminal to ask on (exit 5), touching nothing', async () => {
    const r = await runCli(['destroy', config], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('citc: DESTROY_NOT_CONFIRMED: hpc-aws: refusing to destroy without confirmation');
    expect(r.stderr).toContain('Pass --yes');
    expect(fake.live('hpc-aws')).toHaveLength(2);
  });

  it('--yes terminates the cluster instances and says no infrastructure was recorded', async () => {
    const r = await runCli(['destroy', config, '--yes'], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      'hpc-aws: 2 compute instance(s) terminated; no infrastructure is recorded, so there was nothing else to destroy.',
    );
    expect(fake.live('hpc-aws')).toHaveLength(0);
    expect(fake.live('other')).toHaveLength(1);
  });
});
