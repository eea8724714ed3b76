import type { ProviderKind } from './config/types.js';

/**
 * What citc learned about one deployed cluster. One JSON file per cluster (see src/state/file.ts),
 * written atomically. Deploy fills `deploy`, `citc image rebuild` fills `image`.
 */
export interface ClusterState {
  version: 1;
  cluster: string;
  provider: ProviderKind;
  deploy?: DeployState;
  image?: ImageState;
}

export interface DeployState {
  /** Directory holding the synthesized Terraform JSON (cdk.tf.json). */
  stackDir: string;
  synthesizedAt: string;
  /** Set once terraform/tofu apply succeeded. */
  appliedAt?: string;
  /** Terraform outputs after apply: management node addresses, subnet ids, storage endpoints... */
  outputs: Record<string, string | string[]>;
  /** Zone the management node and shared disk were applied in: kept when provider.zones is reordered. */
  managementZone?: string;
  /** The address the admin deployed from (--my-address): the next preflight checks it is in adminCidrs. */
  adminAddress?: string;
}

export interface ImageRecord {
  id: string;
  builtAt: string;
}

export interface ImageState {
  /** The image the resume hook launches. */
  current: ImageRecord;
  /** Earlier images, newest first, for roll-back. */
  previous: ImageRecord[];
}

export function emptyState(cluster: string, provider: ProviderKind): ClusterState {
  return { version: 1, cluster, provider };
}
