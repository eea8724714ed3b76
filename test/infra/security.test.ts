import { describe, expect, it } from 'vitest';
import type { TerraformJson } from '../../infra/synth.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { dataSources, resources, synthExample } from '../support/synth.js';

interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[];
  condition?: { test: string; variable: string; values: string[] }[];
}

const openSsh = (c: ClusterConfig) => {
  c.network.adminCidrs = ['0.0.0.0/0'];
};
const efs = (c: ClusterConfig) => {
  c.storage.kind = 'efs';
};
const filestore = (c: ClusterConfig) => {
  c.storage = { ...c.storage, kind: 'filestore', sizeGb: 1024 };
};

function statements(json: TerraformJson): Statement[] {
  return dataSources(json, 'aws_iam_policy_document').flatMap((d) => (d.statement as Statement[]) ?? []);
}

function sshSources(json: TerraformJson): string[] {
  const aws = resources(json, 'aws_vpc_security_group_ingress_rule')
    .filter((r) => r.ip_protocol === '-1' || (Number(r.from_port) <= 22 && Number(r.to_port) >= 22))
    .map((r) => r.cidr_ipv4)
    .filter((c): c is string => typeof c === 'string');
  const gcp = resources(json, 'google_compute_firewall')
    .filter((r) => JSON.stringify(r.allow).match(/"ports":\["22"\]|"protocol":"(all|tcp)"(?!,"ports")/))
    .flatMap((r) => r.source_ranges as string[]);
  return [...aws, ...gcp];
}

describe.each([
  ['aws', undefined],
  ['aws', efs],
  ['gcp', undefined],
  ['gcp', filestore],
] as const)('security of the synthesized %s stack (variant %#)', (kind, edit) => {
  it('admits SSH from the admin CIDRs only, never 0.0.0.0/0 unless written in the config', async () => {
    const { json } = await synthExample(kind, edit);
    const sources = sshSources(json);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources).not.toContain('0.0.0.0/0');
  });

  it('encrypts every disk and file system and requires IMDSv2 on every instance and launch template (aws)', async () => {
    const { json } = await synthExample(kind, edit);
    for (const v of resources(json, 'aws_ebs_volume')) expect(v.encrypted).toBe(true);
    for (const f of resources(json, 'aws_efs_file_system')) expect(f.encrypted).toBe(true);
    for (const i of resources(json, 'aws_instance')) {
      expect((i.root_block_device as { encrypted: boolean }).encrypted).toBe(true);
      expect((i.metadata_options as { http_tokens: string }).http_tokens).toBe('required');
    }
    for (const lt of resources(json, 'aws_launch_template')) {
      expect((lt.metadata_options as { http_tokens: string }).http_tokens).toBe('required');
      for (const m of lt.block_device_mappings as { ebs: { encrypted: string } }[])
        expect(m.ebs.encrypted).toBe('true');
    }
    for (const i of resources(json, 'google_compute_instance')) {
      expect(i.shielded_instance_config).toMatchObject({ enable_secure_boot: true });
    }
  });

  it('grants no IAM statement * on *, nothing like ec2:*, and scopes every mutating EC2 action', async () => {
    const { json } = await synthExample(kind, edit);
    for (const s of statements(json)) {
      const actions = s.actions ?? [];
      expect(
        actions.some((a) => a.includes('*')),
        `${s.sid}: wildcard action`,
      ).toBe(false);
      if ((s.resources ?? []).includes('*')) {
        expect(
          actions.every((a) => /^ec2:Describe/.test(a)),
          `${s.sid}: only Describe* may use Resource *`,
        ).toBe(true);
      }
      if (
        actions.some((a) => /^(ec2:(RunInstances|CreateFleet|TerminateInstances|CreateTags)|iam:PassRole)$/.test(a))
      ) {
        const scoped =
          (s.condition ?? []).length > 0 || (s.resources ?? []).every((r) => !r.endsWith(':*') && r !== '*');
        expect(scoped, `${s.sid}: unscoped mutating statement`).toBe(true);
      }
    }
    const passRole = statements(json).filter((s) => s.actions?.includes('iam:PassRole'));
    for (const s of passRole)
      expect(s.resources).toEqual([expect.stringMatching(/aws_iam_role\.identity_compute-role/)]);
    const bindings = [
      ...resources(json, 'google_project_iam_member'),
      ...resources(json, 'google_service_account_iam_member'),
    ];
    for (const b of bindings) {
      expect(String(b.role)).not.toMatch(/roles\/(owner|editor|compute\.admin|compute\.instanceAdmin)/);
    }
    for (const r of resources(json, 'google_project_iam_custom_role')) {
      expect((r.permissions as string[]).some((p) => p.includes('*'))).toBe(false);
    }
  });
});

describe('an explicit 0.0.0.0/0 in network.adminCidrs', () => {
  it.each(['aws', 'gcp'] as const)('opens SSH to the world on %s because the config says so', async (kind) => {
    const { json, model } = await synthExample(kind, openSsh);
    // Besides the cluster's own range (gcp's internal rule), only what the config wrote.
    expect(sshSources(json).filter((c) => c !== model.network.cidr)).toEqual(['0.0.0.0/0']);
  });
});

describe('the AWS hook policy', () => {
  it('scopes launches by the request tag, terminations by the resource tag and launches to the cluster VPC', async () => {
    const { json } = await synthExample('aws');
    const bySid = new Map(statements(json).map((s) => [s.sid, s]));
    expect(bySid.get('LaunchOnlyTaggedForThisCluster')?.condition).toEqual([
      { test: 'StringEquals', variable: 'aws:RequestTag/citc:cluster', values: ['hpc-aws'] },
    ]);
    expect(bySid.get('TagAndTerminateOnlyThisCluster')?.condition).toEqual([
      { test: 'StringEquals', variable: 'aws:ResourceTag/citc:cluster', values: ['hpc-aws'] },
    ]);
    expect(bySid.get('LaunchOnlyIntoThisClusterVpc')?.condition?.[0]).toMatchObject({
      test: 'ArnEquals',
      variable: 'ec2:Vpc',
    });
    expect(bySid.get('DescribeCannotBeScoped')).toMatchObject({
      resources: ['*'],
      actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
    });
    // The compute role has a trust policy only: no cloud rights at all.
    const policies = resources(json, 'aws_iam_role_policy');
    expect(policies).toHaveLength(1);
    expect(String(policies[0]?.role)).toMatch(/identity_management-role/);
  });
});
