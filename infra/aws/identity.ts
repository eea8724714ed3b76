import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import { TAG } from '../../src/core/naming.js';
import type { IdentityModel } from '../model.js';

export interface AwsIdentityProps {
  cluster: string;
  region: string;
  identity: IdentityModel;
  /** ARN of the cluster's VPC: launches may use only its subnets, security groups and interfaces. */
  vpcArn: string;
}

const LAUNCH = ['ec2:RunInstances', 'ec2:CreateFleet'];

/**
 * Two roles. The management node's role lets the power-save hooks launch, tag and terminate instances
 * of this cluster only (tag conditions) and pass the compute role only. The compute role has no policy:
 * a node reads its name from the instance metadata tags, which needs no API call.
 */
export class AwsIdentity extends Construct {
  readonly managementProfile: IamInstanceProfile;
  readonly computeRole: IamRole;
  readonly computeProfile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: AwsIdentityProps) {
    super(scope, id);
    const { cluster, region, identity, vpcArn } = props;
    const partition = new DataAwsPartition(this, 'partition').partition;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:${account}:${resource}`;

    const trust = new DataAwsIamPolicyDocument(this, 'ec2-trust', {
      statement: [
        {
          effect: 'Allow',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }],
        },
      ],
    });
    const managementRole = new IamRole(this, 'management-role', {
      name: identity.managementRole,
      description: `citc ${cluster}: management node, runs the Slurm power-save hooks`,
      assumeRolePolicy: trust.json,
    });
    this.computeRole = new IamRole(this, 'compute-role', {
      name: identity.computeRole,
      description: `citc ${cluster}: compute nodes (no cloud API rights)`,
      assumeRolePolicy: trust.json,
    });

    const ownCluster = (variable: string) => ({ test: 'StringEquals', variable, values: [cluster] });
    const statement: DataAwsIamPolicyDocumentStatement[] = [
      {
        sid: 'DescribeCannotBeScoped',
        // EC2 Describe* actions support no resource-level permissions or tag conditions: '*' is the only resource.
        actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
        resources: ['*'],
      },
      {
        sid: 'LaunchOnlyTaggedForThisCluster',
        actions: LAUNCH,
        resources: [ec2('instance/*'), ec2('volume/*'), ec2('fleet/*')],
        condition: [ownCluster(`aws:RequestTag/${TAG.aws.cluster}`)],
      },
      {
        sid: 'LaunchOnlyIntoThisClusterVpc',
        actions: LAUNCH,
        resources: [ec2('subnet/*'), ec2('security-group/*'), ec2('network-interface/*')],
        condition: [{ test: 'ArnEquals', variable: 'ec2:Vpc', values: [vpcArn] }],
      },
      {
        sid: 'LaunchFromThisClusterTemplate',
        actions: LAUNCH,
        resources: [ec2('launch-template/*')],
        condition: [ownCluster(`aws:ResourceTag/${TAG.aws.cluster}`)],
      },
      {
        sid: 'LaunchImagesAndSpotRequests',
        // AMIs belong to their publisher (no tag of ours to match); spot requests exist only as part of
        // a RunInstances call whose instances are scoped above.
        actions: LAUNCH,
        resources: [`arn:${partition}:ec2:${region}::image/*`, ec2('spot-instances-request/*')],
      },
      {
        sid: 'TagOnlyWhileLaunching',
        actions: ['ec2:CreateTags'],
        resources: [ec2('instance/*'), ec2('volume/*'), ec2('fleet/*')],
        condition: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: LAUNCH.map((a) => a.slice(4)) }],
      },
      {
        sid: 'TagAndTerminateOnlyThisCluster',
        actions: ['ec2:CreateTags', 'ec2:TerminateInstances'],
        resources: [ec2('instance/*')],
        condition: [ownCluster(`aws:ResourceTag/${TAG.aws.cluster}`)],
      },
      {
        sid: 'PassOnlyTheComputeRole',
        actions: ['iam:PassRole'],
        resources: [this.computeRole.arn],
        condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] }],
      },
    ];
    const hooks = new DataAwsIamPolicyDocument(this, 'hooks', {
      statement: statement.map((s) => ({ effect: 'Allow', ...s })),
    });
    new IamRolePolicy(this, 'hooks-policy', { name: `${cluster}-hooks`, role: managementRole.id, policy: hooks.json });

    this.managementProfile = new IamInstanceProfile(this, 'management-profile', {
      name: identity.managementRole,
      role: managementRole.name,
    });
    this.computeProfile = new IamInstanceProfile(this, 'compute-profile', {
      name: identity.computeRole,
      role: this.computeRole.name,
    });
  }
}
