import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { synthExample } from '../support/synth.js';

/**
 * What the deploying account needs, checked against what citc calls: the EC2 commands its own code sends
 * (destroy, status, image prune; the hooks' too, though they run under the management node's role), the
 * Terraform resources and data sources its stacks contain (a new type fails here until its actions are
 * listed), and Packer's amazon-ebs builder (its documented minimum).
 */
const AWS_TYPE_ACTIONS: Record<string, string[]> = {
  aws_vpc: ['ec2:CreateVpc', 'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute', 'ec2:DescribeVpcs', 'ec2:CreateTags'],
  aws_subnet: ['ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute', 'ec2:DescribeSubnets'],
  aws_internet_gateway: [
    'ec2:CreateInternetGateway',
    'ec2:AttachInternetGateway',
    'ec2:DetachInternetGateway',
    'ec2:DeleteInternetGateway',
  ],
  aws_route_table: ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:DescribeRouteTables'],
  aws_route: ['ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute'],
  aws_route_table_association: ['ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable'],
  aws_security_group: ['ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupEgress'],
  aws_vpc_security_group_ingress_rule: [
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:ModifySecurityGroupRules',
  ],
  aws_vpc_security_group_egress_rule: ['ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress'],
  aws_iam_role: [
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:GetRole',
    'iam:TagRole',
    'iam:ListRolePolicies',
    'iam:ListAttachedRolePolicies',
    'iam:ListInstanceProfilesForRole',
    'iam:UpdateAssumeRolePolicy',
  ],
  aws_iam_instance_profile: [
    'iam:CreateInstanceProfile',
    'iam:DeleteInstanceProfile',
    'iam:GetInstanceProfile',
    'iam:AddRoleToInstanceProfile',
    'iam:RemoveRoleFromInstanceProfile',
  ],
  aws_iam_role_policy: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
  aws_instance: [
    'ec2:RunInstances',
    'ec2:TerminateInstances',
    'ec2:StopInstances',
    'ec2:StartInstances',
    'ec2:ModifyInstanceAttribute',
    'ec2:ModifyInstanceMetadataOptions',
    'ec2:DescribeInstances',
    'iam:PassRole',
  ],
  aws_ebs_volume: ['ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:ModifyVolume', 'ec2:DescribeVolumes'],
  aws_volume_attachment: ['ec2:AttachVolume', 'ec2:DetachVolume'],
  aws_launch_template: [
    'ec2:CreateLaunchTemplate',
    'ec2:CreateLaunchTemplateVersion',
    'ec2:ModifyLaunchTemplate',
    'ec2:DeleteLaunchTemplate',
    'ec2:DescribeLaunchTemplates',
  ],
  aws_efs_file_system: [
    'elasticfilesystem:CreateFileSystem',
    'elasticfilesystem:DeleteFileSystem',
    'elasticfilesystem:DescribeFileSystems',
    'elasticfilesystem:TagResource',
  ],
  aws_efs_mount_target: [
    'elasticfilesystem:CreateMountTarget',
    'elasticfilesystem:DeleteMountTarget',
    'elasticfilesystem:DescribeMountTargets',
    'elasticfilesystem:ModifyMountTargetSecurityGroups',
  ],
  aws_eip: ['ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:DescribeAddresses', 'ec2:DisassociateAddress'],
  aws_nat_gateway: ['ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 'ec2:DescribeNatGateways'],
  'data.aws_ami': ['ec2:DescribeImages'],
  'data.aws_caller_identity': ['sts:GetCallerIdentity'],
  'data.aws_partition': [],
  'data.aws_iam_policy_document': [],
};

/** Packer's amazon-ebs builder: https://developer.hashicorp.com/packer/integrations/hashicorp/amazon#iam-task-or-instance-role */
const PACKER_AMAZON_EBS = [
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CopyImage',
  'ec2:CreateImage',
  'ec2:CreateKeyPair',
  'ec2:CreateSecurityGroup',
  'ec2:CreateSnapshot',
  'ec2:CreateTags',
  'ec2:CreateVolume',
  'ec2:DeleteKeyPair',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteSnapshot',
  'ec2:DeleteVolume',
  'ec2:DeregisterImage',
  'ec2:DescribeImageAttribute',
  'ec2:DescribeImages',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeRegions',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeVolumes',
  'ec2:DetachVolume',
  'ec2:GetPasswordData',
  'ec2:ModifyImageAttribute',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifySnapshotAttribute',
  'ec2:RegisterImage',
  'ec2:RunInstances',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
];

const GCP_TYPE_ROLES: Record<string, string> = {
  google_compute_instance: 'roles/compute.instanceAdmin.v1',
  google_compute_disk: 'roles/compute.instanceAdmin.v1',
  google_compute_attached_disk: 'roles/compute.instanceAdmin.v1',
  google_compute_network: 'roles/compute.networkAdmin',
  google_compute_subnetwork: 'roles/compute.networkAdmin',
  google_compute_router: 'roles/compute.networkAdmin',
  google_compute_router_nat: 'roles/compute.networkAdmin',
  google_compute_firewall: 'roles/compute.securityAdmin',
  google_service_account: 'roles/iam.serviceAccountAdmin',
  google_service_account_iam_member: 'roles/iam.serviceAccountAdmin',
  google_project_iam_custom_role: 'roles/iam.roleAdmin',
  google_project_iam_member: 'roles/resourcemanager.projectIamAdmin',
  google_filestore_instance: 'roles/file.editor',
};
/** The Compute Engine clients citc's own code uses, and the role that covers them. */
const GCP_CLIENT_ROLES: Record<string, string> = {
  InstancesClient: 'roles/compute.instanceAdmin.v1',
  ZoneOperationsClient: 'roles/compute.instanceAdmin.v1',
  ImagesClient: 'roles/compute.storageAdmin',
};

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(await readFile(p, 'utf8'));
  }
  return out;
}

function allowed(policy: { Statement: { Action: string[] }[] }): (action: string) => boolean {
  const patterns = policy.Statement.flatMap((s) => s.Action).map(
    (a) => new RegExp(`^${a.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`),
  );
  return (action) => patterns.some((p) => p.test(action));
}

async function typesOf(
  kind: 'aws' | 'gcp',
  storage: 'nfs' | 'efs' | 'filestore',
  computeEgress?: 'public' | 'nat',
): Promise<string[]> {
  const synth = await synthExample(kind, (c) => {
    c.storage.kind = storage;
    if (storage === 'filestore') c.storage.sizeGb = 1024;
    if (computeEgress) c.network.computeEgress = computeEgress;
  });
  return [...Object.keys(synth.json.resource ?? {}), ...Object.keys(synth.json.data ?? {}).map((t) => `data.${t}`)];
}

describe('the permissions README gives for the deploying account', () => {
  it('the AWS policy allows every action citc, its Terraform stacks and Packer call', async () => {
    const policy = JSON.parse(await readFile(join(repoRoot, 'docs/permissions/aws-deploy-policy.json'), 'utf8'));
    const ok = allowed(policy);
    const sdk = [...(await sources(join(repoRoot, 'src'))).join('\n').matchAll(/new (\w+)Command\(/g)].map(
      (m) => `ec2:${m[1]}`,
    );
    expect(sdk).toContain('ec2:DeregisterImage');
    const types = [...new Set([...(await typesOf('aws', 'nfs')), ...(await typesOf('aws', 'efs', 'nat'))])];
    const unknown = types.filter((t) => !(t in AWS_TYPE_ACTIONS));
    expect(unknown, 'a resource type without its actions in AWS_TYPE_ACTIONS').toEqual([]);
    const needed = [...new Set([...sdk, ...types.flatMap((t) => AWS_TYPE_ACTIONS[t] ?? []), ...PACKER_AMAZON_EBS])];
    expect(needed.filter((a) => !ok(a))).toEqual([]);
  });

  it('the GCP role list covers every resource type of the stacks and every client citc uses', async () => {
    const roles = (await readFile(join(repoRoot, 'docs/permissions/gcp-deploy-roles.txt'), 'utf8'))
      .split('\n')
      .filter(Boolean);
    const types = [...new Set([...(await typesOf('gcp', 'nfs')), ...(await typesOf('gcp', 'filestore'))])];
    expect(
      types.filter((t) => !(t in GCP_TYPE_ROLES)),
      'a resource type without its role',
    ).toEqual([]);
    const clients = [
      ...new Set(
        [...(await sources(join(repoRoot, 'src'))).join('\n').matchAll(/new (\w+Client)\(/g)].map(
          (m) => m[1] as string,
        ),
      ),
    ].filter((c) => c !== 'EC2Client' && c !== 'PassThroughClient');
    expect(
      clients.filter((c) => !(c in GCP_CLIENT_ROLES)),
      'a client without its role',
    ).toEqual([]);
    const needed = new Set([
      ...types.map((t) => GCP_TYPE_ROLES[t]),
      ...clients.map((c) => GCP_CLIENT_ROLES[c]),
      'roles/iam.serviceAccountUser',
    ]);
    expect([...needed].filter((r) => r && !roles.includes(r))).toEqual([]);
  });

  it('README quotes both files as they are', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(
      (await readFile(join(repoRoot, 'docs/permissions/aws-deploy-policy.json'), 'utf8')).trim(),
    );
    for (const role of (await readFile(join(repoRoot, 'docs/permissions/gcp-deploy-roles.txt'), 'utf8'))
      .split('\n')
      .filter(Boolean))
      expect(readme).toContain(`\`${role}\``);
  });
});
