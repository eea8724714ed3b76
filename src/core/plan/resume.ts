import type { ClusterConfig } from '../config/types.js';
import type { NodeName, NodeRef } from '../naming.js';
import { chunk, LAUNCH_BATCH_LIMIT } from './batch-limits.js';
import { launchOptions } from './failover.js';
import type { BatchOutcome, FailedNode, LaunchOption, LiveInstance, NodeOutcome, PlannedBatch } from './types.js';

/**
 * The resume planner: a pure state machine. The entry point asks for batches, launches them, feeds
 * the outcomes back, and repeats until `next` returns no batches. Every node ends in exactly one
 * NodeOutcome. Capacity errors move a node to its shape's next option; throttling retries the same
 * option (a bounded number of times); quota/invalid/other errors are final at once.
 */
export interface ResumePlanOptions {
  /** Nodes per launch call; defaults to the provider's limit. */
  batchLimit?: number;
  /** How often a throttled node is retried on the same option before it fails. */
  maxThrottleRetries?: number;
  /** Options skipped for now (the capacity deny-list, core/plan/deny-list.ts): the others keep their order. */
  denied?: (option: LaunchOption) => boolean;
}

interface Pending {
  ref: NodeRef;
  options: LaunchOption[];
  optionIndex: number;
  throttleRetries: number;
  lastFailure?: FailedNode;
}

export interface ResumeState {
  readonly batchLimit: number;
  readonly maxThrottleRetries: number;
  readonly pending: ReadonlyMap<NodeName, Pending>;
  readonly outcomes: ReadonlyMap<NodeName, NodeOutcome>;
  /** True when the last step only retried throttled nodes: the driver should back off first. */
  readonly throttled: boolean;
}

export interface ResumeStep {
  state: ResumeState;
  /** What to launch now; empty when every node has its outcome. */
  batches: PlannedBatch[];
}

/**
 * First step: nodes with a pending or running instance are 'running' (not relaunched); the rest get
 * first-option batches. A stopped or suspended instance ('other') has no workload and maybe an old address:
 * its node is launched anew (the cloud bridge clears that instance first).
 */
export function startResume(
  config: ClusterConfig,
  nodes: readonly NodeRef[],
  live: readonly LiveInstance[],
  opts: ResumePlanOptions = {},
): ResumeStep {
  const liveByNode = new Map(live.filter(isUp).map((i) => [i.node, i]));
  const outcomes = new Map<NodeName, NodeOutcome>();
  const pending = new Map<NodeName, Pending>();
  for (const ref of nodes) {
    const inst = liveByNode.get(ref.node);
    if (inst) {
      outcomes.set(ref.node, {
        node: ref.node,
        status: 'running',
        instanceId: inst.id,
        ...(inst.privateIp !== undefined && { privateIp: inst.privateIp }),
        ...(inst.hostname !== undefined && { hostname: inst.hostname }),
      });
      continue;
    }
    const all = launchOptions(ref.shape, config.provider.zones);
    const options = opts.denied ? all.filter((o) => !opts.denied?.(o)) : all;
    if (options.length === 0 && all.length > 0) {
      // Every type and zone of the shape failed for capacity a moment ago: fail now, so the job goes
      // elsewhere at once; reconcile returns the node once its first option is off the list.
      outcomes.set(ref.node, {
        node: ref.node,
        status: 'failed',
        kind: 'capacity',
        code: 'CapacityDenied',
        message: `every instance type and zone of shape ${ref.shape.name} is on the capacity deny-list`,
        option: all[0] as LaunchOption,
      });
      continue;
    }
    if (options.length === 0) {
      outcomes.set(ref.node, {
        node: ref.node,
        status: 'failed',
        kind: 'invalid',
        code: 'NoLaunchOptions',
        message: `shape ${ref.shape.name} has no instance types or the cluster has no zones`,
      });
      continue;
    }
    pending.set(ref.node, { ref, options, optionIndex: 0, throttleRetries: 0 });
  }
  const state: ResumeState = {
    batchLimit: opts.batchLimit ?? LAUNCH_BATCH_LIMIT[config.provider.kind],
    maxThrottleRetries: opts.maxThrottleRetries ?? 5,
    pending,
    outcomes,
    throttled: false,
  };
  return { state, batches: batchesFor(state) };
}

/** Pending or running; a list without states (older callers) means up. */
export function isUp(i: LiveInstance): boolean {
  return i.state === undefined || i.state === 'pending' || i.state === 'running';
}

/** Feeds one round of outcomes back; returns the next round of batches. */
export function nextResume(prev: ResumeState, results: readonly BatchOutcome[]): ResumeStep {
  const pending = new Map(prev.pending);
  const outcomes = new Map(prev.outcomes);
  let retriedThrottled = false;
  let movedOn = false;
  for (const result of results) {
    const { option } = result.batch;
    const answered = new Set<NodeName>();
    for (const l of result.launched) {
      answered.add(l.node);
      if (!pending.has(l.node)) continue;
      pending.delete(l.node);
      outcomes.set(l.node, {
        node: l.node,
        status: 'launched',
        instanceId: l.instanceId,
        option,
        ...(l.privateIp !== undefined && { privateIp: l.privateIp }),
        ...(l.hostname !== undefined && { hostname: l.hostname }),
      });
    }
    const failures: FailedNode[] = [...result.failed];
    const reported = new Set(failures.map((f) => f.node));
    for (const node of result.batch.nodes) {
      if (answered.has(node) || reported.has(node)) continue;
      failures.push({ node, kind: 'other', code: 'NoAnswer', message: 'the launch call did not report this node' });
    }
    for (const f of failures) {
      const p = pending.get(f.node);
      if (!p || answered.has(f.node)) continue;
      if (f.kind === 'capacity' && p.optionIndex + 1 < p.options.length) {
        pending.set(f.node, { ...p, optionIndex: p.optionIndex + 1, throttleRetries: 0, lastFailure: f });
        movedOn = true;
      } else if (f.kind === 'throttled' && p.throttleRetries < prev.maxThrottleRetries) {
        pending.set(f.node, { ...p, throttleRetries: p.throttleRetries + 1, lastFailure: f });
        retriedThrottled = true;
      } else {
        pending.delete(f.node);
        // Out of time on a retry: the error that used the time up (throttling, capacity) is the news.
        const why =
          f.kind === 'timeout' && p.lastFailure
            ? { ...p.lastFailure, message: `${p.lastFailure.message}; ${f.message}` }
            : f;
        outcomes.set(f.node, { ...why, status: 'failed', option: p.options[p.optionIndex] as LaunchOption });
      }
    }
  }
  const state: ResumeState = {
    ...prev,
    pending,
    outcomes,
    throttled: retriedThrottled && !movedOn,
  };
  return { state, batches: batchesFor(state) };
}

/** Ends the plan early (time budget spent): every node still pending fails with kind 'timeout'. */
export function expireResume(prev: ResumeState, why: string): ResumeState {
  const outcomes = new Map(prev.outcomes);
  for (const [node, p] of prev.pending) {
    const last = p.lastFailure;
    outcomes.set(node, {
      node,
      status: 'failed',
      kind: last ? last.kind : 'timeout',
      code: last ? last.code : 'HookTimeBudget',
      message: last ? `${last.message}; ${why}` : why,
      option: p.options[p.optionIndex] as LaunchOption,
    });
  }
  return { ...prev, pending: new Map(), outcomes, throttled: false };
}

/** Groups pending nodes by shape and current option, in launch order, split at the batch limit. */
function batchesFor(state: ResumeState): PlannedBatch[] {
  const groups = new Map<string, { template: Omit<PlannedBatch, 'nodes'>; nodes: NodeName[] }>();
  for (const p of state.pending.values()) {
    const option = p.options[p.optionIndex] as LaunchOption;
    const key = `${p.ref.partition.name}\0${p.ref.shape.name}\0${option.zone}\0${option.instanceType}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        template: { partition: p.ref.partition.name, shape: p.ref.shape.name, spot: p.ref.shape.spot, option },
        nodes: [],
      };
      groups.set(key, g);
    }
    g.nodes.push(p.ref.node);
  }
  const out: PlannedBatch[] = [];
  for (const g of groups.values()) {
    for (const nodes of chunk(g.nodes, state.batchLimit)) out.push({ ...g.template, nodes });
  }
  return out;
}

export interface ResumeSummary {
  running: NodeOutcome[];
  launched: NodeOutcome[];
  failed: Extract<NodeOutcome, { status: 'failed' }>[];
}

export function summarizeResume(state: ResumeState): ResumeSummary {
  const s: ResumeSummary = { running: [], launched: [], failed: [] };
  for (const o of state.outcomes.values()) {
    if (o.status === 'running') s.running.push(o);
    else if (o.status === 'launched') s.launched.push(o);
    else s.failed.push(o);
  }
  return s;
}
