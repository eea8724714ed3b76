import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_READ_PERMISSIONS } from '../../infra/gcp/identity.js';
import type { TerraformJson } from '../../infra/synth.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { renderPackerTemplate } from '../../src/render/packer.js';
import { repoRoot } from '../support/cli.js';
import { loadExample } from '../support/cluster.js';
import { dataSources, only, resources, synthExample } from '../support/synth.js';

/**
 * A security review of the synthesized Terraform of both examples and their storage variants, as
 * checks: each fails when the finding it guards (issue 12) comes back.
 */
interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[];
  condition?: { test: string; variable: string; values: string[] }[];
}

type Edit = (c: ClusterConfig) => void;
const openSsh: Edit = (c) => {
  c.network.adminCidrs = ['0.0.0.0/0'];
};
const efs: Edit = (c) => {
  c.storage.kind = 'efs';
};
const nat: Edit = (c) => {
  c.network.computeEgress = 'nat';
};
const filestore: Edit = (c) => {
  c.storage = { ...c.storage, kind: 'filestore', sizeGb: 1024 };
};

function statements(json: TerraformJson): Statement[] {
  return dataSources(json, 'aws_iam_policy_document').flatMap((d) => (d.statement as Statement[]) ?? []);
}

/** The hooks' policy (not the trust policy). */
function hookStatements(json: TerraformJson): Statement[] {
  return statements(json).filter((s) => !s.actions?.includes('sts:AssumeRole'));
}

function conditionValue(s: Statement, variable: string): string[] | undefined {
  return s.condition?.find((c) => c.variable === variable && c.test === 'StringEquals')?.values;
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

/** `${aws_security_group.firewall_compute_….id}` → the resource key `firewall_compute_…`. */
const refKey = (ref: unknown) => /\$\{aws_security_group\.([^.]+)\.(id|arn)\}/.exec(String(ref))?.[1];

const variants = [
  ['aws', undefined],
  ['aws', efs],
  ['aws', nat],
  ['gcp', undefined],
  ['gcp', filestore],
] as const;

describe.each(variants)('security of the synthesized %s stack (variant %#)', (kind, edit) => {
  it('admits SSH from the admin CIDRs only, never 0.0.0.0/0 unless written in the config', async () => {
    const { json } = await synthExample(kind, edit);
    const sources = sshSources(json);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources).not.toContain('0.0.0.0/0');
  });

  it('encrypts every disk and file system; IMDSv2 with hop limit 1 on every instance and launch template (aws)', async () => {
    const { json } = await synthExample(kind, edit);
    for (const v of resources(json, 'aws_ebs_volume')) expect(v.encrypted).toBe(true);
    for (const f of resources(json, 'aws_efs_file_system')) expect(f.encrypted).toBe(true);
    const metadata = [
      ...resources(json, 'aws_instance').map((i) => {
        expect((i.root_block_device as { encrypted: boolean }).encrypted).toBe(true);
        return i.metadata_options;
      }),
      ...resources(json, 'aws_launch_template').map((lt) => {
        for (const m of lt.block_device_mappings as { ebs: { encrypted: string } }[])
          expect(m.ebs.encrypted).toBe('true');
        return lt.metadata_options;
      }),
    ];
    for (const m of metadata) expect(m).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
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
      if (actions.some((a) => /^(ec2:(RunInstances|TerminateInstances|CreateTags)|iam:PassRole)$/.test(a))) {
        // A spot request exists only inside a RunInstances call whose other resources are all scoped.
        const scoped =
          (s.condition ?? []).length > 0 ||
          (s.resources ?? []).every((r) => r.endsWith(':spot-instances-request/*') || (!r.endsWith('/*') && r !== '*'));
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

describe.each([
  ['nfs', undefined],
  ['efs', efs],
  ['nat', nat],
] as const)('AWS (%s): the hooks role and the compute nodes', (_name, edit) => {
  it('holds no EC2 permission the adapter never sends (CreateTags only while launching)', async () => {
    const { json } = await synthExample('aws', edit);
    const adapter = await readFile(join(repoRoot, 'src', 'cloud', 'aws', 'adapter.ts'), 'utf8');
    const sent = new Set([...adapter.matchAll(/new (\w+)Command\(/g)].map((m) => `ec2:${m[1]}`));
    expect(sent).toEqual(new Set(['ec2:DescribeInstances', 'ec2:RunInstances', 'ec2:TerminateInstances']));
    for (const s of hookStatements(json)) {
      for (const a of s.actions ?? []) {
        if (a === 'iam:PassRole') continue;
        if (a === 'ec2:CreateTags') {
          expect(conditionValue(s, 'ec2:CreateAction'), `${s.sid}: CreateTags outside a launch`).toEqual([
            'RunInstances',
          ]);
          continue;
        }
        expect(sent, `${s.sid}: ${a} is granted but never sent`).toContain(a);
      }
    }
  });

  it('launches only instances and volumes tagged as this cluster’s compute nodes', async () => {
    const { json } = await synthExample('aws', edit);
    const onInstances = hookStatements(json).filter(
      (s) => s.actions?.includes('ec2:RunInstances') && s.resources?.some((r) => r.includes(':instance/')),
    );
    expect(onInstances.length).toBeGreaterThan(0);
    for (const s of onInstances) {
      expect(conditionValue(s, 'aws:RequestTag/citc:cluster'), s.sid).toEqual(['hpc-aws']);
      expect(conditionValue(s, 'aws:RequestTag/citc:role'), s.sid).toEqual(['compute']);
    }
  });

  it('launches only images this cluster built (its tag, this account) or the one image.id names', async () => {
    const images = (json: TerraformJson) =>
      hookStatements(json).filter(
        (s) => s.actions?.includes('ec2:RunInstances') && s.resources?.some((r) => r.includes(':image/')),
      );
    const built = images((await synthExample('aws', edit)).json);
    expect(built).toHaveLength(1);
    expect(conditionValue(built[0] as Statement, 'aws:ResourceTag/citc:cluster')).toEqual(['hpc-aws']);
    expect(conditionValue(built[0] as Statement, 'ec2:Owner')).toEqual([
      expect.stringMatching(/data\.aws_caller_identity\..*account_id/),
    ]);
    const pinned = images(
      (
        await synthExample('aws', (c) => {
          edit?.(c);
          c.image.id = 'ami-0123456789abcdef0';
        })
      ).json,
    );
    const unconditioned = pinned.filter((s) => !s.condition?.length);
    expect(unconditioned.map((s) => s.resources)).toEqual([
      [expect.stringMatching(/^arn:.*::image\/ami-0123456789abcdef0$/)],
    ]);
  });

  it('terminates only instances tagged as this cluster’s compute nodes (never the management node)', async () => {
    const { json } = await synthExample('aws', edit);
    const terminate = hookStatements(json).filter((s) => s.actions?.includes('ec2:TerminateInstances'));
    expect(terminate.length).toBeGreaterThan(0);
    for (const s of terminate) {
      expect(conditionValue(s, 'aws:ResourceTag/citc:cluster'), s.sid).toEqual(['hpc-aws']);
      expect(conditionValue(s, 'aws:ResourceTag/citc:role'), s.sid).toEqual(['compute']);
    }
    expect(only(json, 'aws_instance').tags).toMatchObject({ 'citc:role': 'management' });
    for (const spec of only(json, 'aws_launch_template').tag_specifications as { tags: Record<string, string> }[])
      expect(spec.tags['citc:role']).toBe('compute');
  });

  it('puts compute nodes in their own group that admits the cluster’s groups only; SSH reaches them via the management node', async () => {
    const { json } = await synthExample('aws', edit);
    const lt = only(json, 'aws_launch_template');
    const computeGroups = (lt.vpc_security_group_ids as string[]).map(refKey);
    const managementGroups = (only(json, 'aws_instance').vpc_security_group_ids as string[]).map(refKey);
    expect(computeGroups).toHaveLength(1);
    expect(managementGroups).not.toContain(computeGroups[0]);
    const ingress = resources(json, 'aws_vpc_security_group_ingress_rule');
    const intoCompute = ingress.filter((r) => refKey(r.security_group_id) === computeGroups[0]);
    expect(intoCompute.length).toBeGreaterThan(0);
    for (const r of intoCompute) {
      expect(r.cidr_ipv4).toBeUndefined();
      expect([...managementGroups, ...computeGroups]).toContain(refKey(r.referenced_security_group_id));
    }
    // The hooks may attach only that group (not the management node's, which admits SSH from admins).
    const groups = hookStatements(json).flatMap((s) => (s.resources ?? []).filter((r) => r.includes('security')));
    expect(groups.map(refKey)).toEqual(computeGroups);
    expect(json.output?.compute_security_group_ids?.value).toEqual(lt.vpc_security_group_ids);
  });
});

describe('AWS network.computeEgress', () => {
  it('public (default): compute nodes get public addresses, no NAT gateway bills while idle', async () => {
    const { json } = await synthExample('aws');
    expect(resources(json, 'aws_nat_gateway')).toHaveLength(0);
    for (const s of resources(json, 'aws_subnet')) expect(s.map_public_ip_on_launch).toBe(true);
  });

  it('nat: compute subnets without public addresses route out through one NAT gateway', async () => {
    const { json } = await synthExample('aws', nat);
    expect(resources(json, 'aws_nat_gateway')).toHaveLength(1);
    const subnets = Object.entries(json.resource?.aws_subnet ?? {});
    const compute = ((json.output?.compute_subnet_ids?.value ?? []) as string[]).map(
      (ref) => /\$\{aws_subnet\.([^.]+)\.id\}/.exec(ref)?.[1],
    );
    expect(compute).toHaveLength(2);
    for (const [key, s] of subnets) {
      expect(s.map_public_ip_on_launch, key).toBe(!compute.includes(key));
    }
    const routes = resources(json, 'aws_route');
    expect(routes.filter((r) => String(r.nat_gateway_id).includes('aws_nat_gateway'))).toHaveLength(1);
    expect(String(only(json, 'aws_instance').subnet_id)).not.toMatch(new RegExp(compute.join('|')));
  });
});

describe('AWS EFS', () => {
  it('mount targets sit in a group that admits NFS from the cluster’s groups only', async () => {
    const { json } = await synthExample('aws', efs);
    const targets = resources(json, 'aws_efs_mount_target');
    expect(targets.length).toBeGreaterThan(0);
    const groups = new Set(targets.flatMap((t) => (t.security_groups as string[]).map(refKey)));
    expect(groups.size).toBe(1);
    const [group] = [...groups];
    const rules = resources(json, 'aws_vpc_security_group_ingress_rule').filter(
      (r) => refKey(r.security_group_id) === group,
    );
    expect(rules.length).toBe(2);
    for (const r of rules) {
      expect(r).toMatchObject({ ip_protocol: 'tcp', from_port: 2049, to_port: 2049 });
      expect(r.cidr_ipv4).toBeUndefined();
    }
  });
});

/** The hooks' IAM condition as a predicate: CEL's subset used here is valid JavaScript over `resource`. */
function conditionOf(expression: string): (name: string) => boolean {
  expect(expression).toMatch(/^[\w\s."'/()|&!=,-]+$/);
  const fn = new Function('resource', `return ${expression};`) as (r: { name: string }) => boolean;
  return (name) => fn({ name });
}

describe.each([
  ['nfs', undefined],
  ['filestore', filestore],
] as const)('Google Cloud (%s): the hooks role', (_name, edit) => {
  it('holds its create, delete, metadata and service-account rights only for this cluster’s compute nodes', async () => {
    const { json } = await synthExample('gcp', edit);
    const roles = Object.fromEntries(
      Object.entries(json.resource?.google_project_iam_custom_role ?? {}).map(([key, r]) => [
        key,
        r.permissions as string[],
      ]),
    );
    const P = 'projects/my-research-project';
    for (const b of resources(json, 'google_project_iam_member')) {
      const key = /google_project_iam_custom_role\.([^.]+)\./.exec(String(b.role))?.[1] ?? '';
      const permissions = roles[key] ?? [];
      const condition = b.condition as { expression: string } | undefined;
      if (!condition) {
        // Unconditioned: only reads that IAM cannot narrow by name.
        expect(permissions.sort()).toEqual([...HOOK_READ_PERMISSIONS].sort());
        continue;
      }
      expect(permissions).toEqual(
        expect.arrayContaining([
          'compute.instances.create',
          'compute.instances.delete',
          'compute.instances.setMetadata',
          'compute.instances.setServiceAccount',
        ]),
      );
      const allows = conditionOf(condition.expression);
      for (const zone of ['europe-west4-a', 'europe-west4-b']) {
        expect(allows(`${P}/zones/${zone}/instances/hpc-gcp-batch-n2-7`)).toBe(true);
        expect(allows(`${P}/zones/${zone}/disks/hpc-gcp-gpu-t4-1`)).toBe(true);
        expect(allows(`${P}/zones/${zone}/instances/hpc-gcp-mgmt`), 'the management node').toBe(false);
        expect(allows(`${P}/zones/${zone}/disks/hpc-gcp-mgmt`), 'its boot disk').toBe(false);
        expect(allows(`${P}/zones/${zone}/disks/hpc-gcp-shared`), 'the shared disk').toBe(false);
        expect(allows(`${P}/zones/${zone}/instances/web-1`), 'another VM of the project').toBe(false);
        expect(allows(`${P}/zones/${zone}/instances/other-batch-n2-1`), 'another cluster').toBe(false);
      }
      expect(allows(`${P}/zones/us-central1-a/instances/hpc-gcp-batch-n2-1`), 'a zone not listed').toBe(false);
      expect(allows(`projects/elsewhere/zones/europe-west4-a/instances/hpc-gcp-batch-n2-1`)).toBe(false);
      expect(allows(`${P}/regions/europe-west4/subnetworks/hpc-gcp`)).toBe(true);
      expect(allows(`${P}/regions/europe-west4/subnetworks/default`)).toBe(false);
      expect(allows(`${P}/global/images/citc-hpc-gcp-compute-20261202120000`)).toBe(true);
      expect(allows(`${P}/global/images/someone-elses-image`)).toBe(false);
    }
    expect(resources(json, 'google_project_iam_member').filter((b) => b.condition)).toHaveLength(1);
  });

  it('the condition lets a pinned image.id be used as well', async () => {
    const { json } = await synthExample('gcp', (c) => {
      edit?.(c);
      c.image.id = 'projects/my-research-project/global/images/golden-1';
    });
    const b = resources(json, 'google_project_iam_member').find((m) => m.condition);
    const allows = conditionOf(String((b?.condition as { expression?: string } | undefined)?.expression));
    expect(allows('projects/my-research-project/global/images/golden-1')).toBe(true);
    expect(allows('projects/my-research-project/global/images/golden-2')).toBe(false);
  });
});

/** What each Compute Engine call of the adapter needs (bulkInsert: the instance, its boot disk, image, subnetwork). */
const GCP_CALL_PERMISSIONS: Record<string, string[]> = {
  'instances.bulkInsert': [
    'compute.instances.create',
    'compute.instances.setLabels',
    'compute.instances.setMetadata',
    'compute.instances.setServiceAccount',
    'compute.instances.setScheduling',
    'compute.disks.create',
    'compute.disks.setLabels',
    'compute.images.useReadOnly',
    'compute.subnetworks.use',
  ],
  'instances.delete': ['compute.instances.delete'],
  'instances.list': ['compute.instances.list'],
  'instances.aggregatedListAsync': ['compute.instances.list'],
  'operations.wait': ['compute.zoneOperations.get'],
  'zoneOperations.wait': ['compute.zoneOperations.get'],
};

describe('Google Cloud: the hooks roles', () => {
  it('hold exactly the permissions of the calls the adapter makes', async () => {
    const { json } = await synthExample('gcp');
    const adapter = await readFile(join(repoRoot, 'src', 'cloud', 'gcp', 'adapter.ts'), 'utf8');
    // Client calls (this.instances.x(...)) and calls sent through the batch endpoint (this.batch('x.y', ...)).
    const calls = [
      ...new Set([
        ...[...adapter.matchAll(/this\.(instances|operations)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`),
        ...[...adapter.matchAll(/this\.batch\(\s*'(\w+\.\w+)'/g)].map((m) => m[1] as string),
      ]),
    ];
    const needed = new Set(calls.flatMap((c) => GCP_CALL_PERMISSIONS[c] ?? [`unknown call ${c}`]));
    const granted = new Set(
      resources(json, 'google_project_iam_custom_role').flatMap((r) => r.permissions as string[]),
    );
    expect([...granted].sort()).toEqual([...needed].sort());
  });
});

describe('Filestore', () => {
  it('squashes root for every client but the management node, and exports to the cluster subnetwork only', async () => {
    const { json, model } = await synthExample('gcp', filestore);
    const share = (only(json, 'google_filestore_instance').file_shares ?? {}) as {
      nfs_export_options: { ip_ranges: string[]; squash_mode: string }[];
    };
    const options = share.nfs_export_options;
    const keepsRoot = options.filter((o) => o.squash_mode !== 'ROOT_SQUASH');
    const nic = (only(json, 'google_compute_instance').network_interface as { network_ip?: string }[])[0];
    expect(keepsRoot).toEqual([
      { ip_ranges: [nic?.network_ip], squash_mode: 'NO_ROOT_SQUASH', access_mode: 'READ_WRITE' },
    ]);
    const subnet = model.network.subnets[0]?.cidr as string;
    const toNumber = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const [base, bits] = subnet.split('/') as [string, string];
    const size = 2 ** (32 - Number(bits));
    let covered = 0;
    for (const o of options)
      for (const range of o.ip_ranges) {
        const [a, p = '32'] = range.split('/') as [string, string?];
        const start = toNumber(a);
        expect(start >= toNumber(base) && start < toNumber(base) + size, `${range} outside ${subnet}`).toBe(true);
        covered += 2 ** (32 - Number(p));
      }
    // The whole subnetwork, each address once (Filestore refuses overlaps), within its 64 ranges.
    expect(covered).toBe(size);
    expect(options.flatMap((o) => o.ip_ranges).length).toBeLessThanOrEqual(64);
  });
});

describe('the Packer build of the compute image', () => {
  it('admits SSH to the temporary build instance from the admin ranges only (aws) and pins every plugin exactly', async () => {
    const opts = { playbook: '/p/compute.yml', extraVarsFile: '/p/vars.yml' };
    const aws = renderPackerTemplate(await loadExample('aws'), opts);
    expect(aws['compute.pkr.hcl']).toContain('temporary_security_group_source_cidrs = ["203.0.113.0/24"]');
    for (const files of [aws, renderPackerTemplate(await loadExample('gcp'), opts)]) {
      const versions = [...files['plugins.pkr.hcl'].matchAll(/version\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
      expect(versions.length).toBeGreaterThan(1);
      for (const v of versions) expect(v).toMatch(/^= \d+\.\d+\.\d+$/);
    }
  });
});
