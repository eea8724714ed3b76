import type { ClusterConfig } from './config/types.js';

/**
 * Everything the power-save hooks need, in one JSON file installed on the management node
 * (default /etc/citc/runtime.json). Rendered by citc from citc.yaml + the deploy state, so the hooks
 * neither parse YAML nor call terraform at start-up. Every path is absolute: Slurm passes no PATH.
 */
export interface HookRuntime {
  version: 1;
  cluster: ClusterConfig;
  /** Image the compute nodes boot from (from `citc image rebuild`). */
  imageId: string;
  aws?: AwsLaunchSettings;
  gcp?: GcpLaunchSettings;
  paths: HookPaths;
  log: { format: 'text' | 'json' };
}

export interface AwsLaunchSettings {
  /** One subnet per configured zone. */
  subnetIdsByZone: Record<string, string>;
  securityGroupIds: string[];
  /** Launch template made by infra (IMDSv2, encrypted disk, user data); optional in tests. */
  launchTemplateId?: string;
  instanceProfileArn?: string;
}

export interface GcpLaunchSettings {
  /** Self links or names. */
  network: string;
  subnetwork: string;
  serviceAccountEmail?: string;
  /** Boot disk size for compute nodes. */
  diskGb: number;
}

export interface HookPaths {
  /** Absolute path of scontrol (e.g. /usr/bin/scontrol). */
  scontrol: string;
  /** The hooks' log file (Slurm discards their output). */
  logFile: string;
  /** Directory for the hooks' lock files. */
  lockDir: string;
}
