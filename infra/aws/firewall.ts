import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct } from 'constructs';
import type { FirewallModel } from '../model.js';

export interface AwsFirewallProps {
  cluster: string;
  vpcId: string;
  firewall: FirewallModel;
}

/** One security group for every cluster member: SSH from the admin CIDRs only, anything within the group. */
export class AwsFirewall extends Construct {
  readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, props: AwsFirewallProps) {
    super(scope, id);
    const { cluster, vpcId, firewall } = props;
    // Rules are separate resources (not inline) so one change never replaces the whole group.
    this.group = new SecurityGroup(this, 'cluster', {
      name: cluster,
      description: `citc cluster ${cluster}: SSH from admins, all traffic between members`,
      vpcId,
      tags: { Name: cluster },
    });
    firewall.sshFrom.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `ssh-${i}`, {
        securityGroupId: this.group.id,
        description: `SSH from admin range ${cidr}`,
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: cidr,
      });
    });
    new VpcSecurityGroupIngressRule(this, 'internal', {
      securityGroupId: this.group.id,
      description: 'slurmctld/slurmd, munge, NFS and MPI between cluster members',
      ipProtocol: '-1',
      referencedSecurityGroupId: this.group.id,
    });
    new VpcSecurityGroupEgressRule(this, 'egress', {
      securityGroupId: this.group.id,
      description: 'package mirrors and the cloud APIs',
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
    });
  }
}
