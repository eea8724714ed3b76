import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct } from 'constructs';
import type { FirewallModel } from '../model.js';

export interface AwsFirewallProps {
  cluster: string;
  vpcId: string;
  firewall: FirewallModel;
  /** efs: a group for the mount targets, which admits NFS from the cluster's two groups only. */
  efs: boolean;
}

const NFS_PORT = 2049;

/**
 * A security group per role. The management node's admits SSH from the admin CIDRs and anything from
 * the compute nodes; the compute nodes' admits only the two cluster groups, so admins reach a compute
 * node by SSH through the management node. Egress is open (package mirrors, the cloud APIs, data a
 * job fetches): a choice stated in the README.
 */
export class AwsFirewall extends Construct {
  readonly management: SecurityGroup;
  readonly compute: SecurityGroup;
  readonly efs?: SecurityGroup;

  constructor(scope: Construct, id: string, props: AwsFirewallProps) {
    super(scope, id);
    const { cluster, vpcId, firewall } = props;
    // Rules are separate resources (not inline) so one change never replaces a whole group.
    const group = (gid: string, name: string, description: string) =>
      new SecurityGroup(this, gid, { name, description, vpcId, tags: { Name: name } });
    this.management = group(
      'management',
      `${cluster}-mgmt`,
      `citc cluster ${cluster}: management node, SSH from admins, all traffic from compute nodes`,
    );
    this.compute = group(
      'compute',
      `${cluster}-compute`,
      `citc cluster ${cluster}: compute nodes, traffic from the cluster's groups only`,
    );
    firewall.sshFrom.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `ssh-${i}`, {
        securityGroupId: this.management.id,
        description: `SSH from admin range ${cidr}`,
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: cidr,
      });
    });
    const from = (rid: string, to: SecurityGroup, source: SecurityGroup, description: string) =>
      new VpcSecurityGroupIngressRule(this, rid, {
        securityGroupId: to.id,
        description,
        ipProtocol: '-1',
        referencedSecurityGroupId: source.id,
      });
    from(
      'compute-to-management',
      this.management,
      this.compute,
      'slurmd to slurmctld, NFS, srun I/O from compute nodes',
    );
    from('management-to-compute', this.compute, this.management, 'slurmctld, srun and SSH from the management node');
    from('compute-to-compute', this.compute, this.compute, 'MPI and srun between compute nodes');
    for (const [gid, g] of [
      ['management', this.management],
      ['compute', this.compute],
    ] as const) {
      new VpcSecurityGroupEgressRule(this, `egress-${gid}`, {
        securityGroupId: g.id,
        description: 'package mirrors, the cloud APIs, data jobs fetch',
        ipProtocol: '-1',
        cidrIpv4: '0.0.0.0/0',
      });
    }
    if (!props.efs) return;
    const efs = group('efs', `${cluster}-efs`, `citc cluster ${cluster}: EFS mount targets, NFS from cluster nodes`);
    this.efs = efs;
    for (const [gid, source] of [
      ['management', this.management],
      ['compute', this.compute],
    ] as const) {
      new VpcSecurityGroupIngressRule(this, `nfs-from-${gid}`, {
        securityGroupId: efs.id,
        description: `NFS from the ${gid} group`,
        ipProtocol: 'tcp',
        fromPort: NFS_PORT,
        toPort: NFS_PORT,
        referencedSecurityGroupId: source.id,
      });
    }
  }
}
