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

/**
 * Splits a name of the form `<partition>-<shape>-<index>` without looking at the config; undefined
 * when it has another form. A name of this form that the config does not list may still be a node the
 * cluster had before maxNodes was lowered or a shape or partition was removed.
 */
export function splitNodeName(name: string): { partition: string; shape: string; index: number } | undefined {
  const m = NODE_NAME.exec(name);
  if (!m) return undefined;
  const [, partition, shape, index] = m as unknown as [string, string, string, string];
  return { partition, shape, index: Number(index) };
}

/** Maps a node name back to its partition and shape; undefined when the name is not one of ours. */
export function parseNodeName(config: ClusterConfig, name: string): NodeRef | undefined {
  const parts = splitNodeName(name);
  if (!parts) return undefined;
  const partition = config.partitions.find((x) => x.name === parts.partition);
  const shape = partition?.shapes.find((x) => x.name === parts.shape);
  if (!partition || !shape || parts.index > shape.maxNodes) return undefined;
  return { node: name as NodeName, partition, shape, index: parts.index };
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
