import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Construct } from 'constructs';
import { TAG } from '../../src/core/naming.js';
import type { ComputeModel } from '../model.js';

export interface AwsComputeTemplateProps {
  cluster: string;
  compute: ComputeModel;
  securityGroupIds: string[];
  instanceProfileArn: string;
  /** Tags of every compute instance and disk, besides those the resume hook adds per node. */
  tags: Record<string, string>;
}

/**
 * The launch template the resume hook starts compute nodes from. The subnet and instance type come with
 * each RunInstances call (zone and type fail over); everything that must hold for every node is here.
 */
export class AwsComputeTemplate extends Construct {
  readonly template: LaunchTemplate;

  constructor(scope: Construct, id: string, props: AwsComputeTemplateProps) {
    super(scope, id);
    const { cluster, compute } = props;
    this.template = new LaunchTemplate(this, 'compute', {
      name: `${cluster}-compute`,
      description: `citc ${cluster}: compute nodes`,
      ...(compute.imageId && { imageId: compute.imageId }),
      // The hook launches '$Default': each change becomes the default version.
      updateDefaultVersion: true,
      vpcSecurityGroupIds: props.securityGroupIds,
      iamInstanceProfile: { arn: props.instanceProfileArn },
      // A node that powers itself off is gone, not a stopped instance that keeps its disk and its name.
      instanceInitiatedShutdownBehavior: 'terminate',
      // instanceMetadataTags: the node reads its Slurm name from its citc:node tag.
      // Hop limit 1: a container on the node gets no IMDSv2 token (the compute role has no rights anyway).
      metadataOptions: {
        httpTokens: 'required',
        httpEndpoint: 'enabled',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'enabled',
      },
      blockDeviceMappings: [
        {
          deviceName: compute.rootDevice,
          ebs: { volumeSize: compute.diskGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      // citc:role=compute: what the hooks' role may terminate (the hooks' own calls tag the same).
      tagSpecifications: ['instance', 'volume'].map((resourceType) => ({
        resourceType,
        tags: { ...props.tags, [TAG.aws.role]: 'compute' },
      })),
    });
  }
}
