import type { NodeName } from '../naming.js';
import { chunk, SCONTROL_BATCH_LIMIT } from './batch-limits.js';
import type { NodeOutcome } from './types.js';

/** One `scontrol update nodename=... nodeaddr=... nodehostname=...` call: the three lists line up. */
export interface AddressUpdate {
  nodes: NodeName[];
  addrs: string[];
  hostnames: string[];
}

/** One "down with this reason, then power down" pair of calls for nodes sharing a reason. */
export interface DownUpdate {
  nodes: string[];
  reason: string;
}

/**
 * Nodes with an address get it told to Slurm, in calls of at most `limit` nodes. Nodes without an
 * address yet (the cloud has not assigned one) are left out: slurmd reports itself when it registers.
 */
export function addressUpdates(outcomes: readonly NodeOutcome[], limit = SCONTROL_BATCH_LIMIT): AddressUpdate[] {
  const rows = outcomes.flatMap((o) =>
    o.status !== 'failed' && o.privateIp ? [{ node: o.node, addr: o.privateIp, host: o.hostname ?? o.node }] : [],
  );
  return chunk(rows, limit).map((c) => ({
    nodes: c.map((r) => r.node),
    addrs: c.map((r) => r.addr),
    hostnames: c.map((r) => r.host),
  }));
}

/** Slurm reason for a failed node: what failed, where, as what, e.g. `citc: InsufficientInstanceCapacity in us-east-1a for c5.large`. */
export function failureReason(o: Extract<NodeOutcome, { status: 'failed' }>): string {
  const where = o.option ? ` in ${o.option.zone} for ${o.option.instanceType}` : '';
  return `citc: ${o.code}${where}`;
}

/** Failed nodes grouped by distinct reason (one pair of scontrol calls per reason and per `limit` nodes). */
export function downUpdates(
  failed: readonly Extract<NodeOutcome, { status: 'failed' }>[],
  limit = SCONTROL_BATCH_LIMIT,
): DownUpdate[] {
  const byReason = new Map<string, NodeName[]>();
  for (const o of failed) {
    const reason = failureReason(o);
    const list = byReason.get(reason);
    if (list) list.push(o.node);
    else byReason.set(reason, [o.node]);
  }
  const out: DownUpdate[] = [];
  for (const [reason, nodes] of byReason) for (const c of chunk(nodes, limit)) out.push({ nodes: c, reason });
  return out;
}
