import { fileURLToPath } from 'node:url';
import { loadClusterConfig } from '../../../src/config/load.js';
import type { ClusterConfig } from '../../../src/core/config/types.js';
import { nodeName } from '../../../src/core/naming.js';

export const CLUSTER_YAML = fileURLToPath(new URL('./e2e-cluster.yaml', import.meta.url));

/** The test cluster through citc's own loader (validation, defaults); the harness points it at the fake. */
export function loadE2eCluster(): Promise<ClusterConfig> {
  return loadClusterConfig(CLUSTER_YAML);
}

export function allNodes(config: ClusterConfig): string[] {
  return config.partitions.flatMap((p) =>
    p.shapes.flatMap((s) => Array.from({ length: s.maxNodes }, (_, i) => nodeName(p.name, s.name, i + 1))),
  );
}
