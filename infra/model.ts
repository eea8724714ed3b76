import type { ClusterConfig, ImageOs, ProviderKind, StorageKind } from '../src/core/config/types.js';
import { TAG } from '../src/core/naming.js';
import { AWS_BASE_IMAGES, GCP_BASE_IMAGES } from '../src/render/base-images.js';
import { managementHostName } from '../src/render/slurm-conf.js';
import { bitsFor, cidrSubnet } from './cidr-split.js';

/**
 * What a cluster needs from a cloud, whatever the cloud: the one place where citc.yaml turns into
 * infrastructure decisions (subnet ranges, ports, names, sizes). The AWS and GCP stacks only translate
 * this model into resources, so both clouds get the same cluster and the decisions are tested once.
 */
export interface ClusterInfraModel {
  cluster: string;
  provider: ProviderKind;
  region: string;
  /** provider.zones: compute nodes fail over along them in this order. */
  zones: string[];
  /** gcp only. */
  project?: string;
  /** Put on every resource: the user's tags plus citc's cluster tag (key per cloud). */
  labels: Record<string, string>;
  network: NetworkModel;
  firewall: FirewallModel;
  management: ManagementModel;
  storage: StorageModel;
  identity: IdentityModel;
  compute: ComputeModel;
}

export interface SubnetModel {
  zone: string;
  cidr: string;
}

export interface NetworkModel {
  cidr: string;
  /**
   * aws: one public subnet per zone, in the order of provider.zones (the hooks map zone → subnet by
   * position). gcp: a single regional subnetwork, listed once with the first zone.
   */
  subnets: SubnetModel[];
  /**
   * Compute nodes reach the internet (package mirrors, the cloud APIs) without public addresses only
   * through NAT. gcp: Cloud NAT (billed per hour only while a VM uses it). aws: none — a NAT gateway
   * costs about 33 USD a month even with no node running; compute nodes get a public IPv4 address instead
   * (0.005 USD/h per running node) and the security group admits nothing from outside.
   */
  nat: boolean;
  /** gcp filestore: the /29 reserved for the managed file system, outside the subnetwork. */
  storageReservedCidr: string;
}

export interface FirewallModel {
  /** Sources allowed to SSH (22/tcp) to the management node; exactly network.adminCidrs. */
  sshFrom: string[];
  /** All traffic between cluster members (slurmctld/slurmd, munge, NFS, MPI). */
  internal: true;
}

export interface ManagementModel {
  /** Instance name and host name, e.g. hpc-aws-mgmt. */
  name: string;
  machineType: string;
  diskGb: number;
  zone: string;
  os: ImageOs;
  /** aws: AMI lookup of the vendor's image; gcp: image family. */
  awsImage: { namePattern: string; owner: string };
  gcpImage: { family: string; project: string };
  /** User Ansible logs in as: the image's default user (aws) or citc's admin user (gcp). */
  sshUser: string;
  /**
   * The only keys sshUser accepts: citc's deploy key (src/deploy/deploy-key.ts). The cluster users' keys
   * go to their own accounts (Ansible role users), never to this sudo account.
   */
  sshKeys: string[];
}

export interface StorageModel {
  kind: StorageKind;
  sizeGb: number;
  mounts: string[];
  /** nfs: device name the attached disk appears as on the management node. */
  device: string;
  /** filestore: the file share's name; its exports are /<share>/<mount>. */
  shareName: string;
}

export interface IdentityModel {
  /** aws IAM role / gcp service account the management node (and so the hooks) runs as. */
  managementRole: string;
  /** aws IAM role / gcp service account the compute nodes run as: no cloud rights. */
  computeRole: string;
  /** gcp custom role id (letters, digits, underscores). */
  hookRoleId: string;
}

export interface ComputeModel {
  /** Boot disk of the compute nodes; aws: device name of the root disk in the base images. */
  diskGb: number;
  rootDevice: string;
  /** Set once `citc image rebuild` recorded an image, else the launch template carries none. */
  imageId?: string;
  /** Sum of maxNodes over every shape: the most compute instances that can exist at once. */
  maxNodes: number;
  partitions: { name: string; shapes: { name: string; instanceTypes: string[]; maxNodes: number; spot: boolean }[] }[];
}

/** gcp: Ansible logs in as this user, whose keys are the cluster users' keys (see src/ansible/inventory.ts). */
export const GCP_ADMIN_USER = 'citc';

/** Root device names of the vendors' AMIs (Rocky and Ubuntu boot from sda1, Debian from xvda). */
const AWS_ROOT_DEVICE: Record<ImageOs, string> = {
  rocky9: '/dev/sda1',
  debian12: '/dev/xvda',
  ubuntu2204: '/dev/sda1',
};

/** Compute nodes hold no data: a small boot disk is enough; the shared storage holds /home. */
const COMPUTE_DISK_GB = 30;

/**
 * Pure: the infrastructure a cluster needs, with every default decided here. `imageId` is the image
 * `citc image rebuild` recorded in the state, which wins over image.id in citc.yaml; `deployPublicKey`
 * is citc's deploy key for the management node's sudo account.
 */
export function clusterInfraModel(
  config: ClusterConfig,
  imageId?: string,
  deployPublicKey?: string,
): ClusterInfraModel {
  const { provider, network, name } = config;
  const zones = provider.zones;
  const clusterTag = provider.kind === 'aws' ? TAG.aws.cluster : TAG.gcp.cluster;
  // aws: one subnet per zone in the first blocks; gcp: one regional subnetwork in the first half.
  const subnets =
    provider.kind === 'aws'
      ? zones.map((zone, i) => ({ zone, cidr: cidrSubnet(network.cidr, bitsFor(zones.length), i) }))
      : [{ zone: zones[0] as string, cidr: cidrSubnet(network.cidr, 1, 0) }];
  const lastSlash29 = 2 ** (29 - Number(network.cidr.split('/')[1])) - 1;
  const model: ClusterInfraModel = {
    cluster: name,
    provider: provider.kind,
    region: provider.region,
    zones: [...zones],
    labels: { ...config.tags, [clusterTag]: name },
    network: {
      cidr: network.cidr,
      subnets,
      nat: provider.kind === 'gcp',
      storageReservedCidr: cidrSubnet(network.cidr, 29 - Number(network.cidr.split('/')[1]), lastSlash29),
    },
    firewall: { sshFrom: [...network.adminCidrs], internal: true },
    management: {
      name: managementHostName(name),
      machineType: config.management.machineType,
      diskGb: config.management.diskGb,
      zone: zones[0] as string,
      os: config.image.os,
      awsImage: { namePattern: AWS_BASE_IMAGES[config.image.os].name, owner: AWS_BASE_IMAGES[config.image.os].owner },
      gcpImage: { ...GCP_BASE_IMAGES[config.image.os] },
      sshUser: provider.kind === 'aws' ? AWS_BASE_IMAGES[config.image.os].sshUser : GCP_ADMIN_USER,
      sshKeys: deployPublicKey ? [deployPublicKey] : [],
    },
    storage: {
      kind: config.storage.kind,
      sizeGb: config.storage.sizeGb,
      mounts: [...config.storage.mounts],
      device: provider.kind === 'aws' ? '/dev/sdf' : 'citc-shared',
      shareName: 'share',
    },
    identity: {
      managementRole: `${name}-mgmt`,
      computeRole: `${name}-node`,
      hookRoleId: `citc_hooks_${name.replace(/-/g, '_')}`,
    },
    compute: {
      diskGb: COMPUTE_DISK_GB,
      rootDevice: AWS_ROOT_DEVICE[config.image.os],
      maxNodes: config.partitions.reduce((n, p) => n + p.shapes.reduce((m, s) => m + s.maxNodes, 0), 0),
      partitions: config.partitions.map((p) => ({
        name: p.name,
        shapes: p.shapes.map((s) => ({
          name: s.name,
          instanceTypes: [...s.instanceTypes],
          maxNodes: s.maxNodes,
          spot: s.spot,
        })),
      })),
    },
  };
  if (provider.project) model.project = provider.project;
  const image = imageId ?? config.image.id;
  if (image) model.compute.imageId = image;
  return model;
}
