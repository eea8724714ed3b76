import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import { EfsFileSystem } from '@cdktf/provider-aws/lib/efs-file-system/index.js';
import { EfsMountTarget } from '@cdktf/provider-aws/lib/efs-mount-target/index.js';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment/index.js';
import { Construct } from 'constructs';
import type { StorageModel } from '../model.js';

export interface AwsStorageProps {
  cluster: string;
  storage: StorageModel;
  /** nfs: the management node the disk is attached to, and its zone. */
  managementInstanceId: string;
  managementZone: string;
  /** efs: one mount target per subnet, in the cluster's security group (NFS is member-to-member traffic). */
  subnetIds: string[];
  securityGroupIds: string[];
}

/** Shared storage: an encrypted EBS disk served by the management node (nfs), or an encrypted EFS file system. */
export class AwsStorage extends Construct {
  /** efs: the DNS name to mount; nfs: undefined (the management node serves it). */
  readonly address?: string;
  /** nfs: the EBS volume id; the node finds the disk by it (its NVMe serial). */
  readonly diskId?: string;

  constructor(scope: Construct, id: string, props: AwsStorageProps) {
    super(scope, id);
    const { cluster, storage } = props;
    if (storage.kind === 'efs') {
      const fs = new EfsFileSystem(this, 'efs', {
        creationToken: `${cluster}-shared`,
        encrypted: true,
        tags: { Name: `${cluster}-shared` },
      });
      props.subnetIds.forEach((subnetId, i) => {
        new EfsMountTarget(this, `mount-${i}`, {
          fileSystemId: fs.id,
          subnetId,
          securityGroups: props.securityGroupIds,
        });
      });
      this.address = fs.dnsName;
      return;
    }
    const disk = new EbsVolume(this, 'disk', {
      availabilityZone: props.managementZone,
      size: storage.sizeGb,
      type: 'gp3',
      encrypted: true,
      tags: { Name: `${cluster}-shared` },
    });
    this.diskId = disk.id;
    new VolumeAttachment(this, 'attach', {
      deviceName: storage.device,
      volumeId: disk.id,
      instanceId: props.managementInstanceId,
    });
  }
}
