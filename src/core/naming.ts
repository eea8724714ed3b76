import type { ClusterConfig, PartitionConfig, ShapeConfig } from './config/types.js';

/**
 * Compute-node names are `<partition>-<shape>-<index>`, index 1..maxNodes, e.g. `compute-c5-12`.
 * Partition and shape names contain no '-', so a name maps back to its partition and shape by
 * splitting, with no lookup: the hooks rely on that. Cloud instances are named
 * `<cluster>-<node>` and tagged/labelled with both.
 */
export type NodeName = string & { readonly __brand: 'NodeName' };

export const SHORT_NAME = /^[a-z][a-z0-9]{0,14}$/;
export const CLUSTER_NAME = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

export interface NodeRef {
  node: NodeName;
  partition: PartitionConfig;
  shape: ShapeConfig;
  index: number;
}

export function nodeName(partition: string, shape: string, index: number): NodeName {
  return `${partition}-${shape}-${index}` as NodeName;
}

/** The hostlist that names every node of a shape, e.g. `compute-c5-[1-10]`. */
export function shapeHostlist(partition: string, shape: ShapeConfig): string {
  return shape.maxNodes === 1 ? nodeName(partition, shape.name, 1) : `${partition}-${shape.name}-[1-${shape.maxNodes}]`;
}

const NODE_NAME = /^([a-z][a-z0-9]*)-([a-z][a-z0-9]*)-([1-9][0-9]*)$/;

/** Maps a node name back to its partition and shape; undefined when the name is not one of ours. */
export function parseNodeName(config: ClusterConfig, name: string): NodeRef | undefined {
  const m = NODE_NAME.exec(name);
  if (!m) return undefined;
  const [, p, s, i] = m as unknown as [string, string, string, string];
  const partition = config.partitions.find((x) => x.name === p);
  const shape = partition?.shapes.find((x) => x.name === s);
  const index = Number(i);
  if (!partition || !shape || index > shape.maxNodes) return undefined;
  return { node: name as NodeName, partition, shape, index };
}

/** The cloud instance name of a node: unique per project/account because the cluster name is in it. */
export function instanceName(cluster: string, node: string): string {
  return `${cluster}-${node}`;
}

/** Tag (aws) / label (gcp) keys citc puts on everything it creates. GCP label keys allow no ':'. */
export const TAG = {
  aws: { cluster: 'citc:cluster', node: 'citc:node', role: 'citc:role' },
  gcp: { cluster: 'citc-cluster', node: 'citc-node', role: 'citc-role' },
} as const;
