import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { Construct } from 'constructs';
import { TAG } from '../../src/core/naming.js';
import { managementUserData } from '../cloud-init.js';
import type { ManagementModel } from '../model.js';

export interface AwsManagementProps {
  management: ManagementModel;
  subnetId: string;
  securityGroupIds: string[];
  instanceProfileName: string;
}

/** The management/login node: slurmctld, the power-save hooks and, for storage kind nfs, the NFS server. */
export class AwsManagement extends Construct {
  readonly instance: Instance;

  constructor(scope: Construct, id: string, props: AwsManagementProps) {
    super(scope, id);
    const { management } = props;
    const ami = new DataAwsAmi(this, 'image', {
      mostRecent: true,
      owners: [management.awsImage.owner],
      filter: [
        { name: 'name', values: [management.awsImage.namePattern] },
        { name: 'architecture', values: ['x86_64'] },
      ],
    });
    this.instance = new Instance(this, 'node', {
      ami: ami.id,
      instanceType: management.machineType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: props.securityGroupIds,
      iamInstanceProfile: props.instanceProfileName,
      associatePublicIpAddress: true,
      userData: managementUserData(management.name, management.sshKeys),
      // Hop limit 1: a container bridged on the node gets no IMDSv2 token; local users are kept out by
      // the metadata_guard role (nftables by uid).
      metadataOptions: {
        httpTokens: 'required',
        httpEndpoint: 'enabled',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'enabled',
      },
      rootBlockDevice: { volumeSize: management.diskGb, volumeType: 'gp3', encrypted: true },
      tags: { Name: management.name, [TAG.aws.role]: 'management' },
      // A newer vendor AMI must not replace a running management node.
      lifecycle: { ignoreChanges: ['ami', 'user_data'] },
    });
  }
}
