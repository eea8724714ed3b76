import { waitFor } from '../../support/processes.js';
import type { CloudEvent, FakeInstanceView } from './fake-cloud.js';
import type { Harness, HarnessOptions } from './harness.js';
import { hookRuns, readHookLog } from './hook-log.js';
import { isUp, type NodeTransition } from './node-watch.js';
import { hookTotals, since, type Timeline } from './timeline.js';

/** Reconcile every 10 s, as the fault tests ask; the orphan grace at its smallest (30 s). */
export const RECONCILE_EVERY_S = 10;
export const ORPHAN_GRACE_S = 30;
export const CRED_EXPIRE_S = 10;

/**
 * A harness for a fault test: reconcile every 10 s, the smallest orphan grace, requeued jobs eligible
 * after 10 s, and idle nodes suspended after `suspendTimeS` (5 s unless the test needs a longer idle).
 */
export function faultHarnessOptions(more: HarnessOptions & { suspendTimeS?: number } = {}): HarnessOptions {
  const { suspendTimeS = 5, ...rest } = more;
  return {
    log: (l) => console.log(`[e2e] ${l}`),
    reconcileEverySeconds: RECONCILE_EVERY_S,
    // A requeued job waits this long before Slurm starts it again (120 s by default): what is measured
    // here is citc's part, the time until the requeue, and the rerun on a new instance after it.
    credExpireSeconds: CRED_EXPIRE_S,
    ...rest,
    edit: (c) => {
      const edited = rest.edit ? rest.edit(c) : c;
      return {
        ...edited,
        slurm: { ...edited.slurm, suspendTime: suspendTimeS },
        reconcile: {
          ...edited.reconcile,
          intervalSeconds: RECONCILE_EVERY_S,
          orphanGraceSeconds: ORPHAN_GRACE_S,
          capacityDenySeconds: edited.reconcile?.capacityDenySeconds ?? 600,
        },
      };
    },
  };
}

/**
 * Nodes that were ever backed by two live instances at once, from the cloud's own created/terminated
 * events (exact, unlike sampling the instance list).
 */
export function doubleBacked(events: readonly CloudEvent[]): { node: string; ids: string[] }[] {
  const live = new Map<string, Set<string>>();
  const out: { node: string; ids: string[] }[] = [];
  for (const { event } of [...events].sort((a, b) => a.at - b.at)) {
    if (!event.node) continue;
    const set = live.get(event.node) ?? new Set<string>();
    live.set(event.node, set);
    if (event.type === 'created') {
      set.add(event.id);
      if (set.size > 1) out.push({ node: event.node, ids: [...set] });
    } else set.delete(event.id);
  }
  return out;
}

/** Asks Slurm to power a node up with no job (what `scontrol update state=power_up` does for an admin). */
export async function powerUp(h: Harness, node: string): Promise<void> {
  await h.slurm.scontrol('update', `nodename=${node}`, 'state=power_up');
}

/** The first state change of `node` at or after `after` that `pred` accepts. */
export function firstSeen(
  h: Harness,
  node: string,
  after: number,
  pred: (t: NodeTransition) => boolean,
): NodeTransition | undefined {
  return h.watch.transitions.find((t) => t.node === node && t.at >= after && pred(t));
}

export function waitSeen(
  h: Harness,
  what: string,
  node: string,
  after: number,
  pred: (t: NodeTransition) => boolean,
  ms: number,
): Promise<NodeTransition> {
  return waitFor(what, ms, async () => firstSeen(h, node, after, pred), 100);
}

/** Waits until `node` has registered (up, no power flags) and returns its live instance. */
export async function waitNodeUp(h: Harness, node: string, after: number, ms = 60_000): Promise<FakeInstanceView> {
  await waitSeen(h, `${node} up`, node, after, (t) => isUp(t.state), ms);
  const live = (await h.cloud.live()).filter((i) => i.node === node);
  if (live.length !== 1) throw new Error(`${node} is up with ${live.length} live instances`);
  return live[0] as FakeInstanceView;
}

/**
 * Set down with a reason citc gave (`citc: ...`), as the node watch saw it: DOWN, or already on the way to
 * powered down (citc powers it down at once, so DOWN alone may last less than a poll; the reason stays).
 */
export const citcDown = (t: NodeTransition): boolean =>
  /\bDOWN\b|POWER_DOWN|POWERING_DOWN/.test(t.state) && /^citc: /.test(t.reason ?? '');
/** In service and asleep: powered down and idle, neither DOWN nor drained (Slurm may keep an old reason). */
export const inService = (t: NodeTransition): boolean => t.state === 'IDLE+CLOUD+POWERED_DOWN';

/**
 * Which reconcile pass, counted from the first that started at or after `from`, was under way or had
 * just ended when `at` was seen (1: the first pass after `from`). The node watch polls, so a change is
 * seen up to a poll (and an scontrol call) after the pass made it: one second of slack.
 */
export function passOf(h: Harness, from: number, at: number): number {
  const passes = (h.reconcile?.passes ?? []).filter((p) => p.at >= from);
  const i = passes.findIndex((p) => at - 1000 <= (p.end ?? Number.POSITIVE_INFINITY));
  return i < 0 ? passes.length + 1 : i + 1;
}

/**
 * The end of every fault test: citc's own suspend has terminated every instance (the cloud lists none
 * live), every node is asleep or on its way (Slurm's SuspendTimeout is not waited out) and none is DOWN,
 * no process of any instance is left, and no node was ever backed by two instances.
 */
export async function settle(
  h: Harness,
  ms = 120_000,
): Promise<{ live: number; strays: number[]; doubled: unknown[] }> {
  await waitFor(
    'every node asleep or going to sleep, and no live instance',
    ms,
    async () => {
      const view = h.watch.current();
      const asleep = h.nodes.every((n) => /^IDLE\+CLOUD\+POWER(ED|ING)_DOWN$/.test(view.get(n) ?? ''));
      return asleep && (await h.cloud.live()).length === 0;
    },
    500,
  );
  // The processes of the last terminated instance end just after its event.
  await waitFor('every instance process to end', 10_000, async () => h.instanceProcesses().length === 0, 100).catch(
    () => {},
  );
  return { live: (await h.cloud.live()).length, strays: h.instanceProcesses(), doubled: doubleBacked(h.cloud.events) };
}

/**
 * A fault scenario's timeline: steps in seconds after the fault, the hooks' and reconcile's own time, and
 * the recovery: from the fault, or from when its cause cleared (`from`) for faults citc cannot shorten.
 */
export async function faultTimeline(
  h: Harness,
  scenario: string,
  faultAt: number,
  marks: Record<string, number | undefined>,
  recovery: { at: number | undefined; from?: number },
): Promise<Timeline> {
  const hooks = hookTotals(hookRuns(await readHookLog(h.hooks.logFile), faultAt - 60_000));
  const recoveryS = since(recovery.from ?? faultAt, recovery.at);
  return {
    scenario,
    origin: 'fault',
    steps: Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, since(faultAt, v)])),
    ...(recoveryS !== undefined && { recoveryS }),
    hooks,
  };
}
