import { cloudCodeOf } from '../cloud/retry.js';
import { ExitCode } from '../core/errors.js';
import { parseNodeName } from '../core/naming.js';
import { chunk, SCONTROL_BATCH_LIMIT } from '../core/plan/batch-limits.js';
import { activeDenies, type DenyEntry, type DenyList } from '../core/plan/deny-list.js';
import { launchOptions } from '../core/plan/failover.js';
import type { AddressUpdate } from '../core/plan/slurm-updates.js';
import type { LiveInstance } from '../core/plan/types.js';
import { type Action, type Classification, classify, type Flag, type Status } from '../core/reconcile/classify.js';
import { reconcileSettingsOf } from '../core/reconcile/settings.js';
import { parseShowNodes } from '../core/reconcile/slurm-nodes.js';
import { type HookRuntime, stateDirOf } from '../core/runtime.js';
import type { Scontrol } from '../slurm/scontrol.js';
import { terminateInstances } from './cleanup.js';
import { type Cloud, cloudUnavailable } from './cloud.js';
import type { NodeLocks } from './lock.js';
import type { HookLogger } from './log.js';
import { RETURNS_FILE, readDenyList, readReturnLog, writeStateFile } from './state-file.js';
import { timed } from './timed.js';

/**
 * One reconcile pass: reads the whole view afresh (Slurm's nodes, the cloud's instances of the cluster,
 * the deny-list and the return counts), classifies it (core/reconcile/classify.ts) and applies one action
 * per status, batched: scontrol updates of at most 100 nodes, terminations through the one cleanup
 * component. Nodes a hook holds locks for are left to it this pass. Nothing is remembered between passes.
 */
export type SlurmPort = Pick<Scontrol, 'showNodes' | 'setAddresses' | 'markDown' | 'powerDown' | 'resume' | 'run'>;

export interface PassDeps {
  runtime: HookRuntime;
  cloud: () => Promise<Cloud>;
  scontrol: SlurmPort;
  log: HookLogger;
  /** The hooks' node locks, to skip nodes a hook is working on. */
  locks: NodeLocks;
  /** Epoch ms by which the pass's cloud calls must be over. */
  deadline: number;
  now?: () => number;
}

export interface View {
  classification: Classification;
  deny: DenyList;
  now: number;
}

/** Reads Slurm and the cloud (in parallel) and classifies. Throws a CitcError when either cannot be read. */
export async function readView(deps: PassDeps): Promise<View> {
  const { runtime, log } = deps;
  const now = (deps.now ?? Date.now)();
  const stateDir = stateDirOf(runtime.paths);
  const [slurmText, instances] = await Promise.all([
    deps.scontrol.showNodes(),
    (async (): Promise<LiveInstance[]> => {
      try {
        const cloud = await deps.cloud();
        return await timed(deps, 'list', 0, () => cloud.list());
      } catch (err) {
        throw cloudUnavailable(err, runtime.cluster.provider.kind);
      }
    })(),
  ]);
  const deny = readDenyList(stateDir, log);
  const classification = classify({
    config: runtime.cluster,
    slurm: parseShowNodes(slurmText),
    instances,
    deny,
    returns: readReturnLog(stateDir, log),
    now,
    settings: reconcileSettingsOf(runtime.cluster),
  });
  return { classification, deny, now };
}

export interface ActionResult {
  action: Action;
  result: 'planned' | 'done' | 'skipped' | 'failed';
  error?: string;
}

export interface PassReport {
  dryRun: boolean;
  at: string;
  actions: ActionResult[];
  /** Nodes and instances per status. */
  statuses: Partial<Record<Status, number>>;
}

export async function runReconcile(
  deps: PassDeps,
  opts: { dryRun: boolean },
): Promise<{ code: ExitCode; report: PassReport }> {
  const { log } = deps;
  const view = await readView(deps);
  const { classification } = view;
  const statuses: Partial<Record<Status, number>> = {};
  for (const r of classification.rows) for (const s of r.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
  const report: PassReport = { dryRun: opts.dryRun, at: new Date(view.now).toISOString(), actions: [], statuses };
  if (opts.dryRun) {
    report.actions = classification.actions.map((action) => ({ action, result: 'planned' }));
    log.info('done', { dryRun: true, planned: report.actions.length, ...statuses });
    return { code: ExitCode.ok, report };
  }

  const results = new Map<Action, ActionResult>();
  const set = (a: Action, result: ActionResult['result'], error?: string) =>
    results.set(a, { action: a, result, ...(error !== undefined && { error }) });
  // A node a hook holds is the hook's: its view is newer than ours.
  const nodes = [...new Set(classification.actions.map((a) => a.node))];
  const lock = deps.locks.acquire(nodes);
  const busy = new Set(lock.busy.map((b) => b.node));
  const mine = classification.actions.filter((a) => !busy.has(a.node));
  for (const a of classification.actions) if (busy.has(a.node)) set(a, 'skipped', 'a hook holds the node');
  try {
    const of = <K extends Action['kind']>(kind: K) =>
      mine.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

    // Addresses first: they put nodes back to work.
    for (const group of chunk(of('set-address'), SCONTROL_BATCH_LIMIT)) {
      const u: AddressUpdate = {
        nodes: group.map((a) => a.node) as AddressUpdate['nodes'],
        addrs: group.map((a) => a.addr),
        hostnames: group.map((a) => a.hostname),
      };
      await deps.scontrol.setAddresses(u).then(
        () => group.forEach((a) => set(a, 'done')),
        (err) => group.forEach((a) => set(a, 'failed', (err as Error).message)),
      );
    }
    // Unbacked: DOWN with the reason (grouped by reason), then one POWER_DOWN_FORCE per 100 nodes.
    const downs = of('down');
    const byReason = new Map<string, typeof downs>();
    for (const a of downs) byReason.set(a.reason, [...(byReason.get(a.reason) ?? []), a]);
    const downed: typeof downs = [];
    for (const [reason, list] of byReason) {
      for (const group of chunk(list, SCONTROL_BATCH_LIMIT)) {
        await deps.scontrol
          .run(['update', `nodename=${group.map((a) => a.node).join(',')}`, 'state=down', `reason=${reason}`])
          .then(
            () => downed.push(...group),
            (err) => group.forEach((a) => set(a, 'failed', (err as Error).message)),
          );
      }
    }
    const powerDowns = [...downed, ...of('power-down')];
    for (const group of chunk(powerDowns, SCONTROL_BATCH_LIMIT)) {
      await deps.scontrol.powerDown(group.map((a) => a.node)).then(
        () => group.forEach((a) => set(a, 'done')),
        (err) => group.forEach((a) => set(a, 'failed', (err as Error).message)),
      );
    }
    // Returns to service, counted in the state file so a fault that persists does not loop.
    const returned: string[] = [];
    for (const group of chunk(of('resume'), SCONTROL_BATCH_LIMIT)) {
      await deps.scontrol.resume(group.map((a) => a.node)).then(
        () => {
          group.forEach((a) => set(a, 'done'));
          returned.push(...group.map((a) => a.node));
        },
        (err) => group.forEach((a) => set(a, 'failed', (err as Error).message)),
      );
    }
    const returns = { ...classification.returns };
    for (const a of of('resume'))
      if (!returned.includes(a.node)) returns[a.node] = (returns[a.node] ?? []).slice(0, -1);
    try {
      writeStateFile(stateDirOf(deps.runtime.paths), RETURNS_FILE, returns);
    } catch (err) {
      log.warn('returns-unwritable', { file: RETURNS_FILE, error: (err as Error).message });
    }
    // Terminations: orphans, duplicates, unusable instances. Not awaited: the next pass sees what is left.
    const doomed = of('terminate');
    if (doomed.length > 0) {
      try {
        const cloud = await deps.cloud();
        const out = await terminateInstances(
          cloud,
          log,
          doomed.map((a) => ({ node: a.node, instanceId: a.instanceId, why: a.why })),
          { wait: false, deadline: deps.deadline, ...(deps.now && { now: deps.now }) },
        );
        const failed = new Map(out.failed.map((f) => [f.instanceId, `${f.code}: ${f.message}`]));
        for (const a of doomed) {
          const e = failed.get(a.instanceId);
          set(a, e ? 'failed' : 'done', e);
        }
      } catch (err) {
        for (const a of doomed) set(a, 'failed', `${cloudCodeOf(err)}: ${(err as Error).message}`);
      }
    }
  } finally {
    deps.locks.release();
  }
  report.actions = classification.actions.map(
    (a) => results.get(a) ?? { action: a, result: 'failed', error: 'not run' },
  );
  const line = (r: ActionResult) => ({ ...flatAction(r.action), result: r.result, error: r.error });
  log.many('info', 'action', report.actions.filter((r) => r.result === 'done').map(line));
  log.many('warn', 'action', report.actions.filter((r) => r.result !== 'done').map(line));
  const failed = report.actions.filter((r) => r.result === 'failed').length;
  log.info('done', {
    actions: report.actions.length,
    failed,
    skipped: report.actions.filter((r) => r.result === 'skipped').length,
    ...statuses,
  });
  return { code: failed > 0 ? ExitCode.partial : ExitCode.ok, report };
}

/** One action as flat log fields. */
export function flatAction(a: Action): Record<string, string> {
  switch (a.kind) {
    case 'terminate':
      return { action: a.kind, node: a.node, instance: a.instanceId, why: a.why };
    case 'down':
      return { action: a.kind, node: a.node, reason: a.reason };
    case 'set-address':
      return { action: a.kind, node: a.node, addr: a.addr };
    default:
      return { action: a.kind, node: a.node, why: a.why };
  }
}

/** `citc nodes`: one row per node of the cluster Slurm lists or the cloud runs, joined. */
export interface NodesRow {
  node: string;
  state: string;
  reason: string | null;
  instance: string | null;
  type: string | null;
  zone: string | null;
  address: string | null;
  /** Seconds since the instance was launched. */
  ageSeconds: number | null;
  statuses: Status[];
  flags: Record<Flag, boolean>;
  /** The node's (type, zone) pairs on the capacity deny-list now, as `type@zone`. */
  denied: string[];
  note: string | null;
}

export interface NodesTable {
  nodes: NodesRow[];
  summary: {
    at: string;
    nodes: number;
    instances: number;
    statuses: Partial<Record<Status, number>>;
    flags: Record<Flag, number>;
    denied: { instanceType: string; zone: string; until: string; code: string }[];
  };
}

const FLAGS: Flag[] = ['orphan', 'unbacked', 'stuck', 'duplicate', 'denied'];

export function nodesTable(view: View, runtime: HookRuntime): NodesTable {
  const { classification, deny, now } = view;
  const active = activeDenies(deny, now);
  const key = (e: { instanceType: string; zone: string }) => `${e.instanceType}@${e.zone}`;
  const activeKeys = new Set(active.map(key));
  const statuses: Partial<Record<Status, number>> = {};
  const flagCount = Object.fromEntries(FLAGS.map((f) => [f, 0])) as Record<Flag, number>;
  let instances = 0;
  const nodes = classification.rows.map((r): NodesRow => {
    const i = r.instances[0];
    instances += r.instances.length;
    const ref = parseNodeName(runtime.cluster, r.node);
    const denied = ref
      ? launchOptions(ref.shape, runtime.cluster.provider.zones)
          .map(key)
          .filter((k) => activeKeys.has(k))
      : [];
    const flags = Object.fromEntries(
      FLAGS.map((f) => [f, r.flags.includes(f) || (f === 'denied' && denied.length > 0)]),
    ) as Record<Flag, boolean>;
    for (const s of r.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
    for (const f of FLAGS) if (flags[f]) flagCount[f]++;
    return {
      node: r.node,
      state: r.slurm ? [r.slurm.state, ...r.slurm.flags].join('+') : 'not in Slurm',
      reason: r.slurm?.reason ?? null,
      instance: i?.id ?? null,
      type: i?.instanceType ?? null,
      zone: i?.zone ?? null,
      address: i?.privateIp ?? null,
      ageSeconds: i?.launchedAt !== undefined ? Math.max(0, Math.round((now - i.launchedAt) / 1000)) : null,
      statuses: r.statuses,
      flags,
      denied,
      note: r.note ?? null,
    };
  });
  return {
    nodes,
    summary: {
      at: new Date(now).toISOString(),
      nodes: nodes.length,
      instances,
      statuses,
      flags: flagCount,
      denied: active.map((e: DenyEntry) => ({
        instanceType: e.instanceType,
        zone: e.zone,
        until: new Date(e.until).toISOString(),
        code: e.code,
      })),
    },
  };
}

/** The table for people: fixed columns, `-` for nothing. */
export function formatNodesTable(t: NodesTable): string {
  const head = ['NODE', 'STATE', 'INSTANCE', 'TYPE', 'ZONE', 'ADDRESS', 'AGE', 'FLAGS', 'REASON'];
  const age = (s: number | null) =>
    s === null ? '-' : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
  const rows = t.nodes.map((n) => [
    n.node,
    n.state,
    n.instance ?? '-',
    n.type ?? '-',
    n.zone ?? '-',
    n.address ?? '-',
    age(n.ageSeconds),
    FLAGS.filter((f) => n.flags[f]).join(',') || '-',
    n.reason ?? '-',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const fmt = (r: string[]) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  const s = t.summary;
  const flags = FLAGS.filter((f) => s.flags[f] > 0).map((f) => `${s.flags[f]} ${f}`);
  const lines = [fmt(head), ...rows.map(fmt), ''];
  lines.push(`${s.nodes} nodes, ${s.instances} instances${flags.length ? `; ${flags.join(', ')}` : ''}`);
  for (const d of s.denied) lines.push(`denied: ${d.instanceType} in ${d.zone} until ${d.until} (${d.code})`);
  return `${lines.join('\n')}\n`;
}
