import { join } from 'node:path';
import { waitFor } from '../../support/processes.js';
import type { Harness } from './harness.js';
import { recordTimeline, type Timeline, timeline } from './timeline.js';

export type NodeView = Map<string, Record<string, string>>;

/** The output file of job `id` (sbatch -o). */
export const jobOutput = (h: Harness, id: number): string => join(h.dir, `job-${id}.out`);

/** sbatch a short job on `nodes` nodes; its output lands in the harness directory. */
export async function submit(
  h: Harness,
  nodes: number,
  script = 'echo "ran on $SLURMD_NODENAME"; sleep 1',
): Promise<number> {
  return h.slurm.sbatch(
    '-N',
    String(nodes),
    '-p',
    h.config.partitions[0]?.name ?? 'work',
    '-o',
    join(h.dir, 'job-%j.out'),
    '--wrap',
    script,
  );
}

/** Waits until Slurm reports the job in a state matching `state`; returns `scontrol show job`'s record. */
export function waitJob(h: Harness, id: number, state: RegExp, ms = 90_000): Promise<Record<string, string>> {
  return waitFor(`job ${id} ${state}`, ms, async () => {
    const job = await h.slurm.job(id);
    return job && state.test(job.JobState ?? '') ? job : undefined;
  });
}

/** Waits until `pred` holds for `scontrol show node`; returns that view. */
export function waitNodes(h: Harness, what: string, pred: (v: NodeView) => boolean, ms = 90_000): Promise<NodeView> {
  return waitFor(what, ms, async () => {
    const view = await h.slurm.nodes();
    return pred(view) ? view : undefined;
  });
}

export const stateOf = (view: NodeView, node: string): string => view.get(node)?.State ?? '';

/** Node names of a job's NodeList as Slurm expands them. */
export async function hostnames(h: Harness, hostlist: string): Promise<string[]> {
  return (await h.slurm.scontrol('show', 'hostnames', hostlist)).split('\n').filter(Boolean);
}

const ENDED = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)$/;

export interface Cycle {
  id: number;
  submitAt: number;
  /** Nodes the job ran on. */
  nodes: string[];
  /** NodeAddr Slurm held for each of them while the job ran (what the resume hook told it). */
  addrs: Record<string, string>;
  /** `scontrol show job` once the job ended. */
  done: Record<string, string>;
  timeline: Timeline;
}

/** One job through a whole wake/run/sleep cycle; prints the timings, asserts nothing. */
export async function runCycle(h: Harness, scenario: string, nodeCount: number): Promise<Cycle> {
  const submitAt = Date.now();
  const id = await submit(h, nodeCount);
  const running = await waitJob(h, id, /^(RUNNING|COMPLETING|COMPLETED)$/);
  const jobRunning = Date.now();
  const nodes = await hostnames(h, running.NodeList ?? '');
  const view = await h.slurm.nodes();
  const addrs = Object.fromEntries(nodes.map((n) => [n, view.get(n)?.NodeAddr ?? '']));
  const done = await waitJob(h, id, ENDED);
  const jobDone = Date.now();
  await h.waitAllAsleep();
  const t = await timeline(h, scenario, submitAt, nodes, { jobRunning, jobDone });
  await recordTimeline(t);
  return { id, submitAt, nodes, addrs, done, timeline: t };
}
