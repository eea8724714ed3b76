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
  /** ARN of the cluster's VPC: launches may use only its network interfaces. */
  vpcArn: string;
  /** The compute nodes' subnets and security group: the only ones a launch may use. */
  computeSubnetArns: string[];
  computeSecurityGroupArn: string;
  /** image.id of citc.yaml: launchable besides the images this cluster built (tagged with it). */
  pinnedImageId?: string;
}

/** What the hooks send (src/cloud/aws/adapter.ts): DescribeInstances, RunInstances, TerminateInstances. */
const LAUNCH = ['ec2:RunInstances'];

/**
 * Two roles. The management node's role lets the power-save hooks launch compute nodes of this
 * cluster only (request tags citc:cluster and citc:role=compute, its own launch template, subnets,
 * security group and images), terminate only instances tagged as this cluster's compute nodes, and
 * pass the compute role only. The compute role has no policy: a node reads its name from the instance
 * metadata tags, which needs no API call.
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

    const tagged = (prefix: string, role?: string) => [
      { test: 'StringEquals', variable: `${prefix}/${TAG.aws.cluster}`, values: [cluster] },
      ...(role ? [{ test: 'StringEquals', variable: `${prefix}/${TAG.aws.role}`, values: [role] }] : []),
    ];
    const statement: DataAwsIamPolicyDocumentStatement[] = [
      {
        sid: 'DescribeCannotBeScoped',
        // EC2 Describe* actions support no resource-level permissions or tag conditions: '*' is the only resource.
        actions: ['ec2:DescribeInstances'],
        resources: ['*'],
      },
      {
        sid: 'LaunchOnlyComputeNodesTaggedForThisCluster',
        actions: LAUNCH,
        resources: [ec2('instance/*'), ec2('volume/*')],
        condition: tagged('aws:RequestTag', 'compute'),
      },
      {
        sid: 'LaunchOnlyIntoTheComputeSubnetsAndGroup',
        actions: LAUNCH,
        resources: [...props.computeSubnetArns, props.computeSecurityGroupArn],
      },
      {
        sid: 'LaunchOnlyInterfacesInThisClusterVpc',
        actions: LAUNCH,
        resources: [ec2('network-interface/*')],
        condition: [{ test: 'ArnEquals', variable: 'ec2:Vpc', values: [vpcArn] }],
      },
      {
        sid: 'LaunchFromThisClusterTemplate',
        actions: LAUNCH,
        resources: [ec2('launch-template/*')],
        condition: tagged('aws:ResourceTag'),
      },
      {
        sid: 'LaunchOnlyImagesThisClusterBuilt',
        // `citc image rebuild` tags its AMIs with the cluster; only this account can tag its own AMIs.
        actions: LAUNCH,
        resources: [`arn:${partition}:ec2:${region}::image/*`],
        condition: [...tagged('aws:ResourceTag'), { test: 'StringEquals', variable: 'ec2:Owner', values: [account] }],
      },
      ...(props.pinnedImageId
        ? [
            {
              sid: 'LaunchThePinnedImage',
              actions: LAUNCH,
              resources: [`arn:${partition}:ec2:${region}::image/${props.pinnedImageId}`],
            },
          ]
        : []),
      {
        sid: 'SpotRequestsOfTheseLaunches',
        // A spot request exists only as part of a RunInstances call whose instances are scoped above.
        actions: LAUNCH,
        resources: [ec2('spot-instances-request/*')],
      },
      {
        sid: 'TagOnlyWhileLaunching',
        actions: ['ec2:CreateTags'],
        resources: [ec2('instance/*'), ec2('volume/*')],
        condition: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: LAUNCH.map((a) => a.slice(4)) }],
      },
      {
        sid: 'TerminateOnlyComputeNodesOfThisCluster',
        actions: ['ec2:TerminateInstances'],
        resources: [ec2('instance/*')],
        condition: tagged('aws:ResourceTag', 'compute'),
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
