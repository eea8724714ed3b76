/**
 * The cluster model: what citc.yaml describes once it is validated and defaults are applied.
 * Field names here are the field names in citc.yaml (camelCase), so an error's field path is the
 * path a person sees in the file.
 */
export type ProviderKind = 'aws' | 'gcp';

export interface ProviderConfig {
  kind: ProviderKind;
  /** aws: us-east-1; gcp: europe-west4. */
  region: string;
  /** At least one; compute nodes fail over across them in this order. */
  zones: string[];
  /** gcp only: the project id. */
  project?: string;
  /**
   * Optional API endpoint (a private/VPC endpoint). When set, the hooks and `citc destroy` send every
   * cloud call there. The tests point it at the loopback fakes.
   */
  endpoint?: string;
}

export interface NetworkConfig {
  /** The cluster's private network, e.g. 10.0.0.0/16. */
  cidr: string;
  /** CIDRs allowed to SSH to the login node. 0.0.0.0/0 only when written out explicitly. */
  adminCidrs: string[];
}

export interface ManagementConfig {
  /** Machine type of the management/login node (t3.medium, e2-standard-2). */
  machineType: string;
  /** Boot disk size in GB. */
  diskGb: number;
}

export type StorageKind = 'nfs' | 'efs' | 'filestore';

export interface StorageConfig {
  /** nfs: a disk on the management node served over NFS; efs (aws) / filestore (gcp): managed. */
  kind: StorageKind;
  /** Size in GB of the shared disk (nfs, filestore). */
  sizeGb: number;
  /** Mount points shared with every node. */
  mounts: string[];
}

export type ImageOs = 'rocky9' | 'debian12' | 'ubuntu2204';

export interface ImageConfig {
  /** Base OS of the management node and of the compute image. */
  os: ImageOs;
  /** Image id recorded by `citc image rebuild` (ami-..., or a gcp image self link). */
  id?: string;
}

export interface GpuConfig {
  count: number;
  /** Slurm gres type, e.g. a100, t4. */
  type?: string;
}

export interface ShapeConfig {
  /** Short name, [a-z][a-z0-9]*: it is part of every node name of the shape. */
  name: string;
  /** Instance/machine types in order of preference; the hooks fail over along this list. */
  instanceTypes: string[];
  cpus: number;
  /** Memory Slurm may schedule, in MB (Slurm RealMemory). */
  memoryMb: number;
  gpus?: GpuConfig;
  spot: boolean;
  /** The most nodes of this shape that may exist at once: names run 1..maxNodes. */
  maxNodes: number;
  /** Slurm node features, for --constraint. */
  features: string[];
}

export interface PartitionConfig {
  /** Short name, [a-z][a-z0-9]*: it is part of every node name in the partition. */
  name: string;
  default: boolean;
  /** Slurm MaxTime in minutes; absent means UNLIMITED. */
  maxTimeMinutes?: number;
  shapes: ShapeConfig[];
}

export interface SlurmConfig {
  /** Seconds a node idles before it is powered down (Slurm SuspendTime). */
  suspendTime: number;
  /** Seconds from power-up request to node registration before Slurm gives up (ResumeTimeout). */
  resumeTimeout: number;
  /** Seconds allowed for a power-down (SuspendTimeout). */
  suspendTimeout: number;
  /** Nodes per minute Slurm may resume / suspend (0 = unlimited). */
  resumeRate: number;
  suspendRate: number;
  /** Format of the hooks' log lines. */
  hookLogFormat: 'text' | 'json';
}

/** The reconcile pass on the management node (src/hooks/reconcile.ts). */
export interface ReconcileConfig {
  /** Seconds between passes (the systemd timer). */
  intervalSeconds: number;
  /** An instance younger than this is never terminated as an orphan or duplicate. */
  orphanGraceSeconds: number;
  /** Seconds an (instance type, zone) is skipped after an insufficient-capacity error. */
  capacityDenySeconds: number;
}

export interface UserConfig {
  name: string;
  sshKeys: string[];
}

export interface ClusterConfig {
  /** DNS-safe: [a-z][a-z0-9-]*, at most 24 characters. Prefixes every cloud resource. */
  name: string;
  provider: ProviderConfig;
  network: NetworkConfig;
  management: ManagementConfig;
  storage: StorageConfig;
  image: ImageConfig;
  partitions: PartitionConfig[];
  slurm: SlurmConfig;
  /** Absent in runtimes rendered before it existed: the defaults apply (reconcileSettingsOf). */
  reconcile?: ReconcileConfig;
  users: UserConfig[];
  /** Tags (aws) or labels (gcp) put on every resource, besides citc's own. */
  tags: Record<string, string>;
}
