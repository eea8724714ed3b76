import { ComputeAttachedDisk } from '@cdktf/provider-google/lib/compute-attached-disk/index.js';
import { ComputeDisk } from '@cdktf/provider-google/lib/compute-disk/index.js';
import { FilestoreInstance } from '@cdktf/provider-google/lib/filestore-instance/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { StorageModel } from '../model.js';

export interface GcpStorageProps {
  cluster: string;
  storage: StorageModel;
  zone: string;
  /** nfs: the management node the disk is attached to. */
  managementInstanceId: string;
  /** filestore: the VPC's name and the /29 it may use. */
  networkName: string;
  reservedCidr: string;
}

/**
 * Shared storage: a persistent disk attached to the management node and served over NFS, or a Filestore
 * instance. Both are encrypted at rest by Google (no option to turn it off).
 */
export class GcpStorage extends Construct {
  /** filestore: the address to mount; nfs: undefined (the management node serves it). */
  readonly address?: string;
  readonly exportPrefix: string;
  /** nfs: the attached disk's device name; the node finds it as /dev/disk/by-id/google-<name>. */
  readonly diskId?: string;

  constructor(scope: Construct, id: string, props: GcpStorageProps) {
    super(scope, id);
    const { cluster, storage } = props;
    if (storage.kind === 'filestore') {
      const fs = new FilestoreInstance(this, 'filestore', {
        name: `${cluster}-shared`,
        location: props.zone,
        tier: 'BASIC_HDD',
        fileShares: { name: storage.shareName, capacityGb: storage.sizeGb },
        networks: [{ network: props.networkName, modes: ['MODE_IPV4'], reservedIpRange: props.reservedCidr }],
      });
      this.address = Fn.element(fs.networks.get(0).ipAddresses, 0);
      this.exportPrefix = `/${storage.shareName}`;
      return;
    }
    const disk = new ComputeDisk(this, 'disk', {
      name: `${cluster}-shared`,
      zone: props.zone,
      size: storage.sizeGb,
      type: 'pd-balanced',
    });
    new ComputeAttachedDisk(this, 'attach', {
      disk: disk.id,
      instance: props.managementInstanceId,
      deviceName: storage.device,
    });
    this.exportPrefix = '';
    this.diskId = storage.device;
  }
}
