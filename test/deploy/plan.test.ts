import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TerraformJson } from '../../infra/synth.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { CitcError } from '../../src/core/errors.js';
import { deployCluster } from '../../src/deploy/deploy.js';
import { diffTerraform, formatPlan, guardPlan, parsePlanLines } from '../../src/deploy/plan.js';
import type { CheckName } from '../../src/deploy/preflight/preflight.js';
import { forcesReplacement } from '../../src/deploy/replace-rules.js';
import { loadExample } from '../support/cluster.js';
import { synthExample } from '../support/synth.js';
import { isolatedPath, plannedChange, standInTerraform } from './stand-in-terraform.js';

/** A Terraform reference, `${type.name.attr}`. */
const ref = (addr: string) => `\${${addr}}`;
const preflight = { skip: ['placeholders', 'credentials', 'admin-address', 'ansible'] as CheckName[] };
const meta = (path: string) => ({ '//': { metadata: { path: `c/${path}` } } });

function stack(
  over: { zone?: string; cidr?: string; tags?: Record<string, string>; ami?: string } = {},
): TerraformJson {
  return {
    resource: {
      aws_subnet: {
        a: { ...meta('network/subnet-a'), cidr_block: over.cidr ?? '10.0.0.0/18', availability_zone: 'a' },
      },
      aws_instance: {
        node: {
          ...meta('management/node'),
          ami: over.ami ?? 'ami-1',
          subnet_id: ref('aws_subnet.a.id'),
          instance_type: 't3.medium',
          tags: over.tags ?? { Name: 'c-mgmt' },
          lifecycle: { ignore_changes: ['ami'] },
        },
      },
      aws_ebs_volume: {
        disk: { ...meta('storage/disk'), availability_zone: over.zone ?? 'a', size: 100, tags: { Name: 'c-shared' } },
      },
      aws_volume_attachment: {
        attach: {
          instance_id: ref('aws_instance.node.id'),
          volume_id: ref('aws_ebs_volume.disk.id'),
          device_name: '/dev/sdf',
        },
      },
    },
  };
}

describe('diffTerraform (pure)', () => {
  it('lists every resource as created on a first deploy, and nothing when nothing changed', () => {
    const first = diffTerraform(undefined, stack());
    expect(first.basis).toBe('first deploy');
    expect(first.counts).toEqual({ create: 4, update: 0, replace: 0, delete: 0 });
    const same = diffTerraform(stack(), stack());
    expect(same.changes).toEqual([]);
    expect(same.unchanged).toBe(4);
  });

  it('updates in place for a tag, ignores what lifecycle.ignore_changes names', () => {
    const plan = diffTerraform(stack(), stack({ tags: { Name: 'c-mgmt', team: 'x' }, ami: 'ami-2' }));
    expect(plan.changes).toEqual([
      {
        address: 'aws_instance.node',
        type: 'aws_instance',
        action: 'update',
        reasons: ['tags.team: (none) → "x"'],
        protected: { role: 'management node', name: 'c-mgmt' },
      },
    ]);
  });

  it('follows a replaced subnet to the instance (subnet_id) and to the attachment (instance_id), not to the disk', () => {
    const plan = diffTerraform(stack(), stack({ cidr: '10.0.64.0/18' }));
    expect(plan.changes.map((c) => [c.action, c.address])).toEqual([
      ['replace', 'aws_instance.node'],
      ['replace', 'aws_subnet.a'],
      ['replace', 'aws_volume_attachment.attach'],
    ]);
    expect(plan.changes[0]?.reasons).toEqual(['subnet_id follows aws_subnet.a, which is replaced']);
    expect(plan.changes[1]?.reasons).toEqual(['cidr_block: "10.0.0.0/18" → "10.0.64.0/18"']);
  });

  it('replaces the disk when its zone changes, and names it and the node in the refusal', () => {
    const plan = diffTerraform(stack(), stack({ zone: 'b', cidr: '10.0.64.0/18' }));
    expect(() => guardPlan(plan, { subject: 'c' })).toThrowError(
      /refusing to replace the management node c-mgmt \(aws_instance\.node: subnet_id follows aws_subnet\.a, which is replaced\) and replace the shared disk c-shared \(aws_ebs_volume\.disk: availability_zone: "a" → "b"\)/,
    );
    expect(() => guardPlan(plan, { subject: 'c', allowReplace: true })).not.toThrow();
    const err = (() => {
      try {
        guardPlan(plan, { subject: 'c' });
      } catch (e) {
        return e as CitcError;
      }
    })();
    expect(err?.exitCode).toBe(2);
    expect(err?.remedy).toContain('--allow-replace');
  });

  it('counts a deleted disk as a loss too', () => {
    const next = stack();
    delete next.resource?.aws_ebs_volume;
    delete next.resource?.aws_volume_attachment;
    const plan = diffTerraform(stack(), next);
    expect(plan.counts.delete).toBe(2);
    expect(() => guardPlan(plan, { subject: 'c' })).toThrowError(/refusing to delete the shared disk c-shared/);
  });

  it.each([
    ['aws_instance', 'availability_zone', true],
    ['aws_instance', 'subnet_id', true],
    ['aws_instance', 'instance_type', false],
    ['aws_instance', 'root_block_device.encrypted', true],
    ['aws_instance', 'root_block_device.volume_size', false],
    ['aws_ebs_volume', 'availability_zone', true],
    ['aws_ebs_volume', 'size', false],
    ['google_compute_instance', 'zone', true],
    ['google_compute_instance', 'boot_disk.initialize_params.size', true],
    ['google_compute_instance', 'machine_type', false],
    ['google_compute_disk', 'zone', true],
    ['google_compute_disk', 'type', true],
    ['google_filestore_instance', 'tier', true],
  ])('%s.%s forces replacement: %s', (type, path, expected) => {
    expect(forcesReplacement(type, path)).toBe(expected);
  });

  it('replaces a GCE disk that shrinks, updates one that grows', () => {
    expect(forcesReplacement('google_compute_disk', 'size', 200, 100)).toBe(true);
    expect(forcesReplacement('google_compute_disk', 'size', 100, 200)).toBe(false);
  });
});

describe('parsePlanLines', () => {
  it('keeps create/update/replace/delete planned changes, drops noop, read and other messages', () => {
    const lines = [
      plannedChange('aws_instance.node', 'replace'),
      { type: 'planned_change', change: { resource: { addr: 'data.aws_ami.x' }, action: 'read' } },
      { type: 'change_summary', changes: { add: 1 } },
      plannedChange('aws_subnet.a', 'update'),
    ].map((l) => JSON.stringify(l));
    expect(parsePlanLines([...lines, 'not json'])).toEqual([
      { address: 'aws_instance.node', type: 'aws_instance', action: 'replace' },
      { address: 'aws_subnet.a', type: 'aws_subnet', action: 'update' },
    ]);
  });
});

describe('the synthesized stack protects the shared disk', () => {
  it('aws and gcp disks carry lifecycle.prevent_destroy unless destroy asks', async () => {
    const aws = await synthExample('aws');
    expect(Object.values(aws.json.resource?.aws_ebs_volume ?? {})[0]?.lifecycle).toEqual({ prevent_destroy: true });
    const gcp = await synthExample('gcp');
    expect(Object.values(gcp.json.resource?.google_compute_disk ?? {})[0]?.lifecycle).toEqual({
      prevent_destroy: true,
    });
  });
});

describe('citc deploy plans against the last applied configuration (stand-in terraform)', () => {
  let dir: string;
  let workDir: string;
  let config: ClusterConfig;
  let PATH: string;

  const zones = (z: string[], zone?: string): ClusterConfig => ({
    ...config,
    provider: { ...config.provider, zones: z },
    management: { ...config.management, ...(zone && { zone }) },
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'citc-plan-'));
    workDir = join(dir, '.citc', 'hpc-aws');
    config = await loadExample('aws');
    const tf = await standInTerraform(dir, { outputs: { management_public_ip: '198.51.100.7' } });
    PATH = await isolatedPath(dir, tf.binDir);
    // The cluster as first deployed: zones us-east-1a, us-east-1b.
    await deployCluster({ config, workDir, preflight, skipConfigure: true, env: { PATH } });
  });

  it('reordering zones moves nothing: the management node stays in the recorded zone, no resource changes', async () => {
    const r = await deployCluster({
      config: zones(['us-east-1b', 'us-east-1a']),
      workDir,
      preflight,
      dryRun: true,
      env: { PATH },
    });
    expect(r.summary.management.zone).toBe('us-east-1a');
    expect(r.plan.basis).toBe('last applied');
    expect(r.plan.changes).toEqual([]);
    expect(r.wouldRefuse).toBeUndefined();
  });

  it('dropping the zone the management node is in: deploy refuses, naming the management node and the disk; apply never runs', async () => {
    const tf = await standInTerraform(join(dir, 'tf2'), {
      planLines: [
        plannedChange('aws_instance.management_node_E9B160A4', 'replace'),
        plannedChange('aws_ebs_volume.storage_disk_F797B0A1', 'replace'),
        plannedChange('aws_volume_attachment.storage_attach_7B43188B', 'replace'),
      ],
    });
    const next = zones(['us-east-1b', 'us-east-1c']);
    const dry = await deployCluster({ config: next, workDir, preflight, dryRun: true, env: { PATH } });
    expect(dry.wouldRefuse).toMatch(
      /refusing to replace the management node hpc-aws-mgmt \(aws_instance\.management_node_E9B160A4: subnet_id: aws_subnet\.network_subnet-us-east-1a_20E3704B\.id → aws_subnet\.network_subnet-us-east-1b_3304E386\.id\) and replace the shared disk hpc-aws-shared \(aws_ebs_volume\.storage_disk_F797B0A1: availability_zone: "us-east-1a" → "us-east-1b"\)/,
    );
    const err = await deployCluster({
      config: next,
      workDir,
      preflight,
      skipConfigure: true,
      yes: true,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect(err.code).toBe('DEPLOY_WOULD_REPLACE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('the management node hpc-aws-mgmt');
    expect(err.message).toContain('the shared disk hpc-aws-shared');
    expect((await tf.calls()).map((c) => c.args[0])).toEqual(['version', 'init', 'plan']);
  });

  it('a different management.zone is a real move: refused, then applied with --allow-replace --yes without prevent_destroy', async () => {
    const next = zones(['us-east-1a', 'us-east-1b'], 'us-east-1b');
    const dry = await deployCluster({ config: next, workDir, preflight, dryRun: true, env: { PATH } });
    const replaced = dry.plan.changes.filter((c) => c.action === 'replace').map((c) => c.protected?.role ?? c.type);
    expect(replaced.sort()).toEqual(['aws_volume_attachment', 'management node', 'shared disk']);
    expect(formatPlan(dry.plan)).toContain(
      '  -/+ aws_ebs_volume.storage_disk_F797B0A1 [shared disk hpc-aws-shared]: replace',
    );
    const tf = await standInTerraform(join(dir, 'tf3'), {
      planLines: [plannedChange('aws_instance.management_node_E9B160A4', 'replace')],
    });
    const ok = await deployCluster({
      config: next,
      workDir,
      preflight,
      skipConfigure: true,
      allowReplace: true,
      yes: true,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(ok.plan.basis).toBe('terraform plan');
    expect((await tf.calls()).map((c) => c.args[0])).toContain('apply');
    const applied = JSON.parse(await readFile(join(workDir, 'applied.tf.json'), 'utf8'));
    expect(Object.values(applied.resource.aws_ebs_volume)[0]).toMatchObject({ lifecycle: { prevent_destroy: false } });
    expect(JSON.parse(await readFile(join(workDir, 'state.json'), 'utf8')).deploy.managementZone).toBe('us-east-1b');
  });

  it('a deletion needs a yes: refused with exit 5 when no one can be asked, applied with --yes', async () => {
    const tf = await standInTerraform(join(dir, 'tf4'), {
      planLines: [plannedChange('aws_subnet.network_subnet-us-east-1b_3304E386', 'delete')],
    });
    const path = await isolatedPath(dir, tf.binDir);
    const next = zones(['us-east-1a']);
    const err = await deployCluster({
      config: next,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: path },
    }).catch((e) => e);
    expect(err.code).toBe('DEPLOY_NOT_CONFIRMED');
    expect(err.exitCode).toBe(5);
    const asked: number[] = [];
    const declined = await deployCluster({
      config: next,
      workDir,
      preflight,
      skipConfigure: true,
      env: { PATH: path },
      confirm: async (p) => {
        asked.push(p.counts.delete);
        return false;
      },
    }).catch((e) => e);
    expect(declined.message).toContain('was not confirmed');
    expect(asked).toEqual([1]);
    expect((await tf.calls()).filter((c) => c.args[0] === 'apply')).toEqual([]);
    await deployCluster({ config: next, workDir, preflight, skipConfigure: true, yes: true, env: { PATH: path } });
    expect((await tf.calls()).filter((c) => c.args[0] === 'apply')).toHaveLength(1);
  });
});
