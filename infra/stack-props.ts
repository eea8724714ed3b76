import type { ClusterInfraModel } from './model.js';

/** What both cloud stacks are built from. */
export interface ClusterStackProps {
  model: ClusterInfraModel;
  /** Absolute path of this cluster's terraform.tfstate (local backend, one per cluster). */
  stateFile: string;
}
