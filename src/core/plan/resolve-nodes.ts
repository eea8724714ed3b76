import type { ClusterConfig } from '../config/types.js';
import { type NodeRef, parseNodeName } from '../naming.js';

export interface ResolvedNodes {
  known: NodeRef[];
  /** Names that are not `<partition>-<shape>-<index>` of this cluster: reported, never guessed. */
  unknown: string[];
}

/** Maps Slurm node names to partition and shape; duplicates are dropped, order is kept. */
export function resolveNodes(config: ClusterConfig, names: readonly string[]): ResolvedNodes {
  const seen = new Set<string>();
  const known: NodeRef[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const ref = parseNodeName(config, name);
    if (ref) known.push(ref);
    else unknown.push(name);
  }
  return { known, unknown };
}
