import type { ClusterConfig } from '../config/types.js';
import { parseNodeName, splitNodeName } from '../naming.js';
import { type DenyList, deniedAt } from '../plan/deny-list.js';
import type { LiveInstance } from '../plan/types.js';
import { poweredDown, type SlurmNode } from './slurm-nodes.js';

/**
 * The reconcile classifier: pure. From the cloud's instances of this cluster and Slurm's nodes (both
 * read afresh every pass, never remembered), it gives every node and instance a status and each
 * status at most one action. The pass (src/power/reconcile.ts) only reads, calls this, and applies.
 */
export interface ReconcileSettings {
  /** An instance younger than this is never an orphan or a duplicate: its launch may be in flight. */
  orphanGraceMs: number;
  /** Most returns to service of one node within `returnWindowMs`; then it stays down, flagged stuck. */
  maxReturns: number;
  returnWindowMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  orphanGraceMs: 90_000,
  maxReturns: 3,
  returnWindowMs: 3_600_000,
};

/** When citc returned each node to service (epoch ms), within the window: kept in a file, never in memory. */
export type ReturnLog = Record<string, number[]>;

export interface ReconcileInput {
  config: ClusterConfig;
  slurm: readonly SlurmNode[];
  /** Every instance of the cluster that is not terminated, with its node tag. */
  instances: readonly LiveInstance[];
  deny: DenyList;
  returns: ReturnLog;
  now: number;
  settings: ReconcileSettings;
}

export type Status =
  /** Slurm wants no instance and there is none. */
  | 'powered-down'
  /** Powered up (or powering up) with its instance and the instance's address. */
  | 'up'
  /** Powering up without an instance yet: the resume hook is at work. */
  | 'launching'
  /** An instance no node wants (node powered down, or not in the config or Slurm), older than the grace. */
  | 'orphan'
  /** Slurm thinks the node is up but its instance is gone or not running. */
  | 'unbacked'
  /** The node's instance runs but Slurm does not have its address. */
  | 'no-address'
  /** A second live instance for one node. */
  | 'duplicate'
  /** A stopped or otherwise unusable instance. */
  | 'unusable'
  /** citc (or ResumeTimeout) set it down; the cause has not passed yet, or its instance is still there. */
  | 'waiting'
  /** citc set it down and the cause has passed: returned to service. */
  | 'returnable'
  /** citc gave up on it (returns exhausted) or a person's reason keeps citc from acting: needs a look. */
  | 'stuck'
  /** Down or drained by a person: left alone. */
  | 'admin';

export type Flag = 'orphan' | 'unbacked' | 'stuck' | 'duplicate' | 'denied';

export type Action =
  | { kind: 'terminate'; node: string; instanceId: string; why: string }
  /** DOWN with this reason, then POWER_DOWN_FORCE: the node's jobs requeue now. */
  | { kind: 'down'; node: string; reason: string }
  | { kind: 'set-address'; node: string; addr: string; hostname: string }
  /** POWER_DOWN_FORCE only: a node citc set down that is not powered down yet. */
  | { kind: 'power-down'; node: string; why: string }
  /** `state=resume` of a DOWN+POWERED_DOWN node: back in service. */
  | { kind: 'resume'; node: string; why: string };

export interface NodeRow {
  node: string;
  inConfig: boolean;
  slurm?: SlurmNode;
  /** The node's live instances; the one Slurm uses (or would) first. */
  instances: LiveInstance[];
  statuses: Status[];
  flags: Flag[];
  /** One line on why, for the log and `citc nodes`. */
  note?: string;
}

export interface Classification {
  rows: NodeRow[];
  actions: Action[];
  /** The return log to write back: old returns dropped, this pass's added. */
  returns: ReturnLog;
}

/** Slurm's own reasons after which citc may return a node once no instance is left. */
const SLURM_RETURNABLE = /^(ResumeTimeout reached|Not responding)/;
const NOT_OURS = /^citc: not a node of cluster/;
/** `citc: <code> in <zone> for <type>`: a launch failure (src/core/plan/slurm-updates.ts failureReason). */
const LAUNCH_FAILURE = /^citc: (\S+) in (\S+) for (\S+)/;

const isUp = (i: LiveInstance) => i.state === undefined || i.state === 'pending' || i.state === 'running';
const isDown = (n: SlurmNode) => n.state === 'DOWN';

/** The reason citc gives a node whose instance is gone or not running. */
export function unbackedReason(gone: LiveInstance | undefined): string {
  return gone ? `citc: instance ${gone.id} ${gone.state === 'other' ? 'stopped' : gone.state}` : 'citc: instance gone';
}

export function classify(input: ReconcileInput): Classification {
  const { config, now, settings } = input;
  const denied = deniedAt(input.deny, now);
  const byNode = new Map<string, LiveInstance[]>();
  for (const i of input.instances) {
    // Instances without a node name of ours (the management node carries the cluster tag too) are not ours to judge.
    if (!splitNodeName(i.node)) continue;
    const list = byNode.get(i.node);
    if (list) list.push(i);
    else byNode.set(i.node, [i]);
  }
  const slurmByName = new Map<string, SlurmNode>();
  for (const n of input.slurm) if (splitNodeName(n.name)) slurmByName.set(n.name, n);

  const returns: ReturnLog = {};
  for (const [node, times] of Object.entries(input.returns)) {
    const kept = times.filter((t) => now - t < settings.returnWindowMs);
    if (kept.length > 0) returns[node] = kept;
  }

  const names = [...new Set([...slurmByName.keys(), ...byNode.keys()])].sort(byNodeName);
  const rows: NodeRow[] = [];
  const actions: Action[] = [];
  const old = (i: LiveInstance) => i.launchedAt === undefined || now - i.launchedAt >= settings.orphanGraceMs;

  for (const node of names) {
    const slurm = slurmByName.get(node);
    const ref = parseNodeName(config, node);
    const all = byNode.get(node) ?? [];
    const row: NodeRow = { node, inConfig: ref !== undefined, instances: [], statuses: [], flags: [] };
    if (slurm) row.slurm = slurm;
    const status = (s: Status, note?: string) => {
      if (!row.statuses.includes(s)) row.statuses.push(s);
      if (note && !row.note) row.note = note;
    };
    const flag = (f: Flag) => {
      if (!row.flags.includes(f)) row.flags.push(f);
    };
    rows.push(row);

    // Stopped or otherwise unusable instances serve no one: terminate whatever the node's state.
    for (const i of all.filter((x) => x.state === 'other')) {
      status('unusable', `instance ${i.id} is stopped or unusable`);
      actions.push({ kind: 'terminate', node, instanceId: i.id, why: 'unusable' });
    }
    const up = all.filter(isUp).sort(oldestFirst);
    const gone = all.find((x) => !isUp(x));

    const wanted = slurm !== undefined && ref !== undefined && !poweredDown(slurm);
    if (!wanted) {
      row.instances = up;
      for (const i of up) {
        if (old(i)) {
          status('orphan', orphanNote(slurm, ref !== undefined));
          flag('orphan');
          actions.push({ kind: 'terminate', node, instanceId: i.id, why: 'orphan' });
        } else {
          status('orphan', `instance ${i.id} within the ${Math.round(settings.orphanGraceMs / 1000)} s grace`);
        }
      }
    }
    if (!slurm || !ref) continue;

    const reason = slurm.reason ?? '';
    const citcDown =
      isDown(slurm) && (reason.startsWith('citc:') || SLURM_RETURNABLE.test(reason)) && !NOT_OURS.test(reason);
    const adminHeld =
      !citcDown && (isDown(slurm) || slurm.flags.includes('DRAIN')) && reason !== '' && !NOT_OURS.test(reason);

    if (citcDown) {
      if (!poweredDown(slurm)) {
        if (up.length === 0) {
          status('waiting', `down (${reason}), not powered down yet`);
          actions.push({ kind: 'power-down', node, why: reason });
        } else {
          // Down with an instance: its jobs requeued; power it down so suspend terminates the instance.
          row.instances = up;
          status('waiting', `down (${reason}) with instance ${up[0]?.id}`);
          actions.push({ kind: 'power-down', node, why: reason });
        }
        continue;
      }
      if (slurm.flags.includes('POWERING_DOWN') || up.length > 0) {
        status('waiting', up.length > 0 ? 'its instance is not gone yet' : 'powering down');
        continue;
      }
      const pair = LAUNCH_FAILURE.exec(reason);
      if (pair && denied({ zone: pair[2] as string, instanceType: pair[3] as string })) {
        status('waiting', `${pair[3]} in ${pair[2]} is on the capacity deny-list`);
        flag('denied');
        continue;
      }
      const done = returns[node] ?? [];
      if (done.length >= settings.maxReturns) {
        status(
          'stuck',
          `returned ${done.length} times within ${Math.round(settings.returnWindowMs / 60_000)} min and down again (${reason}): left down`,
        );
        flag('stuck');
        continue;
      }
      status('returnable', `cause passed: ${reason}`);
      actions.push({ kind: 'resume', node, why: reason });
      returns[node] = [...done, now];
      continue;
    }

    if (!wanted) {
      if (up.length === 0 && !row.statuses.includes('unusable')) status('powered-down');
      continue;
    }

    // Slurm wants this node (powered up or powering up).
    const powering = slurm.flags.includes('POWERING_UP');
    const kept = up.find((i) => i.privateIp !== undefined && i.privateIp === slurm.addr) ?? up[0];
    row.instances = kept ? [kept, ...up.filter((i) => i !== kept)] : [];
    for (const extra of up.filter((i) => i !== kept)) {
      flag('duplicate');
      if (old(extra)) {
        status('duplicate', `instance ${extra.id} besides ${kept?.id}, which Slurm uses`);
        actions.push({ kind: 'terminate', node, instanceId: extra.id, why: `duplicate of ${kept?.id}` });
      } else {
        status('duplicate', `instance ${extra.id} within the grace besides ${kept?.id}`);
      }
    }
    if (!kept) {
      if (powering) {
        status('launching');
        continue;
      }
      flag('unbacked');
      if (adminHeld) {
        status('stuck', `no running instance, but held by a person (${reason}): left alone`);
        flag('stuck');
        continue;
      }
      status('unbacked', unbackedReason(gone));
      actions.push({ kind: 'down', node, reason: unbackedReason(gone) });
      continue;
    }
    if (adminHeld) status('admin', reason);
    // While powering up the resume hook sets the address itself; only a launch older than the grace
    // (its hook killed or gone) gets it from here.
    if (kept.privateIp && kept.privateIp !== slurm.addr && (!powering || old(kept))) {
      status('no-address', `Slurm has ${slurm.addr}, the instance ${kept.privateIp}`);
      actions.push({ kind: 'set-address', node, addr: kept.privateIp, hostname: node });
      continue;
    }
    if (!row.statuses.includes('duplicate')) status(powering ? 'launching' : 'up');
  }
  return { rows, actions, returns };
}

function orphanNote(slurm: SlurmNode | undefined, inConfig: boolean): string {
  if (!inConfig) return 'its node is not in the config';
  if (!slurm) return 'Slurm does not list its node';
  return `its node is ${slurm.flags.includes('POWERING_DOWN') ? 'powering down' : 'powered down'}`;
}

function oldestFirst(a: LiveInstance, b: LiveInstance): number {
  return (a.launchedAt ?? 0) - (b.launchedAt ?? 0) || a.id.localeCompare(b.id);
}

/** compute-c5-2 before compute-c5-10. */
function byNodeName(a: string, b: string): number {
  const x = splitNodeName(a);
  const y = splitNodeName(b);
  if (!x || !y) return a.localeCompare(b);
  return x.partition.localeCompare(y.partition) || x.shape.localeCompare(y.shape) || x.index - y.index;
}
