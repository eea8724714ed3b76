import { describe, expect, it } from 'vitest';
import type { TerraformJson } from '../../infra/synth.js';
import { RUNTIME_OUTPUTS } from '../../src/core/runtime.js';
import { dataSources, only, resources, synthExample } from '../support/synth.js';

describe('AWS stack synthesized from examples/aws.yaml', () => {
  let json: TerraformJson;
  it('synthesizes a VPC with one public subnet per zone, in zone order, routed to an internet gateway', async () => {
    const synth = await synthExample('aws');
    json = synth.json;
    expect(only(json, 'aws_vpc')).toMatchObject({ cidr_block: '10.20.0.0/16', enable_dns_hostnames: true });
    const subnets = resources(json, 'aws_subnet');
    expect(subnets.map((s) => [s.availability_zone, s.cidr_block])).toEqual([
      ['us-east-1a', '10.20.0.0/18'],
      ['us-east-1b', '10.20.64.0/18'],
    ]);
    expect(only(json, 'aws_route')).toMatchObject({ destination_cidr_block: '0.0.0.0/0' });
    expect(String(only(json, 'aws_route').gateway_id)).toMatch(/^\$\{aws_internet_gateway\./);
    expect(resources(json, 'aws_route_table_association')).toHaveLength(2);
    expect(resources(json, 'aws_nat_gateway')).toHaveLength(0);
  });

  it('admits SSH only from adminCidrs, and all other traffic only between the cluster groups', async () => {
    json ??= (await synthExample('aws')).json;
    const ingress = resources(json, 'aws_vpc_security_group_ingress_rule');
    const ssh = ingress.filter((r) => r.from_port === 22);
    expect(ssh.map((r) => r.cidr_ipv4)).toEqual(['203.0.113.0/24']);
    expect(String(ssh[0]?.security_group_id)).toMatch(/firewall_management/);
    const all = ingress.filter((r) => r.ip_protocol === '-1');
    const pairs = all.map((r) =>
      [r.security_group_id, r.referenced_security_group_id]
        .map((g) => /firewall_(\w+?)_/.exec(String(g))?.[1])
        .join('<-'),
    );
    expect(pairs.sort()).toEqual(['compute<-compute', 'compute<-management', 'management<-compute']);
    for (const r of all) expect(r.cidr_ipv4).toBeUndefined();
  });

  it('runs the management node with IMDSv2, an encrypted root disk, the rocky9 AMI and none of the users keys', async () => {
    json ??= (await synthExample('aws')).json;
    const node = only(json, 'aws_instance');
    expect(node).toMatchObject({
      instance_type: 't3.medium',
      metadata_options: { http_tokens: 'required', instance_metadata_tags: 'enabled' },
      root_block_device: { encrypted: true, volume_size: 50 },
      associate_public_ip_address: true,
    });
    expect(String(node.user_data)).not.toContain('alice@laptop');
    expect(String(node.user_data)).toMatch(/^#cloud-config\n/);
    const ami = dataSources(json, 'aws_ami')[0];
    expect(ami).toMatchObject({ most_recent: true, owners: ['792107900819'] });
    expect(JSON.stringify(ami)).toContain('Rocky-9-EC2-Base-9.*x86_64');
  });

  it('attaches an encrypted EBS volume of storage.sizeGb to the management node for nfs', async () => {
    json ??= (await synthExample('aws')).json;
    expect(only(json, 'aws_ebs_volume')).toMatchObject({ size: 200, encrypted: true, availability_zone: 'us-east-1a' });
    expect(String(only(json, 'aws_volume_attachment').instance_id)).toMatch(/^\$\{aws_instance\.management/);
    expect(resources(json, 'aws_efs_file_system')).toHaveLength(0);
  });

  it('uses an encrypted EFS with one mount target per subnet for storage kind efs', async () => {
    const { json: efs } = await synthExample('aws', (c) => {
      c.storage.kind = 'efs';
    });
    expect(only(efs, 'aws_efs_file_system')).toMatchObject({ encrypted: true });
    const targets = resources(efs, 'aws_efs_mount_target');
    expect(targets).toHaveLength(2);
    expect(targets.every((t) => String((t.security_groups as string[])[0]).startsWith('${aws_security_group.'))).toBe(
      true,
    );
    expect(resources(efs, 'aws_ebs_volume')).toHaveLength(0);
    expect(String(efs.output?.storage_address?.value)).toMatch(/aws_efs_file_system\..*\.dns_name/);
  });

  it('gives compute nodes a launch template with IMDSv2, instance metadata tags, encrypted disks, the group and the compute profile', async () => {
    json ??= (await synthExample('aws')).json;
    const lt = only(json, 'aws_launch_template');
    expect(lt).toMatchObject({
      name: 'hpc-aws-compute',
      update_default_version: true,
      // A node that powers itself off must not linger as a stopped instance.
      instance_initiated_shutdown_behavior: 'terminate',
      metadata_options: { http_tokens: 'required', instance_metadata_tags: 'enabled' },
      block_device_mappings: [{ device_name: '/dev/sda1', ebs: { encrypted: 'true', delete_on_termination: 'true' } }],
    });
    expect(String((lt.iam_instance_profile as { arn: string }).arn)).toMatch(
      /aws_iam_instance_profile\.identity_compute-profile/,
    );
    expect(JSON.stringify(lt.tag_specifications)).toContain('"citc:cluster":"hpc-aws"');
  });

  it('tags every resource with citc:cluster and the user tags through the provider, and pins hashicorp/aws', async () => {
    json ??= (await synthExample('aws')).json;
    const provider = (json.provider as { aws: { default_tags: { tags: Record<string, string> }[]; region: string }[] })
      .aws[0];
    expect(provider?.region).toBe('us-east-1');
    expect(provider?.default_tags[0]?.tags).toEqual({
      'citc:cluster': 'hpc-aws',
      project: 'climate-model',
      'cost-center': '4711',
    });
    expect((json.terraform as { required_providers: unknown }).required_providers).toEqual({
      aws: { source: 'hashicorp/aws', version: '6.25.0' },
    });
  });

  it('outputs every name the hooks, Ansible and Packer read', async () => {
    json ??= (await synthExample('aws')).json;
    const names = Object.keys(json.output ?? {});
    for (const n of [
      RUNTIME_OUTPUTS.awsSubnetIds,
      RUNTIME_OUTPUTS.awsSecurityGroupIds,
      RUNTIME_OUTPUTS.awsLaunchTemplateId,
      RUNTIME_OUTPUTS.awsInstanceProfileArn,
      'management_public_ip',
      'management_private_ip',
      'management_ssh_user',
      'storage_address',
      'storage_export_prefix',
      'packer_subnet_id',
    ]) {
      expect(names).toContain(n);
    }
    expect(json.output?.compute_subnet_ids?.value).toEqual([
      expect.stringMatching(/aws_subnet\.network_subnet-us-east-1a/),
      expect.stringMatching(/aws_subnet\.network_subnet-us-east-1b/),
    ]);
    expect(json.output?.management_ssh_user?.value).toBe('rocky');
  });
});
