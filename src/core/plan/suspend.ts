import type { NodeName, NodeRef } from '../naming.js';
import type { LiveInstance } from './types.js';

export interface SuspendPlan {
  /** Instances to terminate, with the node each belongs to (a node may have more than one: all go). */
  terminate: { node: NodeName; instanceId: string }[];
  /** Nodes with no instance: nothing to do, already powered down as far as the cloud is concerned. */
  absent: NodeName[];
}

/** Pure: which instances to terminate for these nodes. Used by SuspendProgram and ResumeFailProgram. */
/** Only the node names count: a node the config no longer lists (no partition or shape) is planned alike. */
export function planSuspend(nodes: readonly Pick<NodeRef, 'node'>[], live: readonly LiveInstance[]): SuspendPlan {
  const byNode = new Map<string, LiveInstance[]>();
  for (const inst of live) {
    const list = byNode.get(inst.node);
    if (list) list.push(inst);
    else byNode.set(inst.node, [inst]);
  }
  const plan: SuspendPlan = { terminate: [], absent: [] };
  for (const ref of nodes) {
    const insts = byNode.get(ref.node);
    if (!insts) plan.absent.push(ref.node);
    else for (const i of insts) plan.terminate.push({ node: ref.node, instanceId: i.id });
  }
  return plan;
}
