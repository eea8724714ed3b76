import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';
import { hookRuns, readHookLog } from './hook-log.js';
import { isAsleep, isUp } from './node-watch.js';

export interface Timeline {
  scenario: string;
  /** What the steps count from: the job's submission, or the moment a fault was injected. */
  origin?: 'submit' | 'fault';
  /** Seconds after the origin; undefined when the step did not happen. */
  steps: Record<string, number | undefined>;
  /** Fault scenarios: seconds from the fault (or from its cause clearing) until the cluster is whole again. */
  recoveryS?: number;
  /** Runs and total ms spent inside each hook (from the hooks' own exit records). */
  hooks: Record<string, { runs: number; ms: number }>;
}

export interface Marks {
  jobRunning?: number;
  jobDone?: number;
}

const first = (xs: number[]) => (xs.length > 0 ? Math.min(...xs) : undefined);
const last = (xs: number[]) => (xs.length > 0 ? Math.max(...xs) : undefined);

/**
 * submit → resume called → instance created → node registered → job running → job done → suspend called
 * → instance gone → node powered down, for the scenario's `nodes` (the last of them for each step).
 */
export async function timeline(
  h: Harness,
  scenario: string,
  submitAt: number,
  nodes: readonly string[],
  marks: Marks,
): Promise<Timeline> {
  const runs = hookRuns(await readHookLog(h.hooks.logFile), submitAt - 1000);
  const events = h.cloud.events.filter((e) => e.at >= submitAt && nodes.includes(e.event.node));
  const seen = h.watch.transitions.filter((t) => t.at >= submitAt && nodes.includes(t.node));
  const perNode = (pred: (s: string) => boolean, after: number) =>
    last(
      nodes.flatMap(
        (n) => first(seen.filter((t) => t.node === n && t.at >= after && pred(t.state)).map((t) => t.at)) ?? [],
      ),
    );
  const rel = (t: number | undefined) => since(submitAt, t);
  const hooks = hookTotals(runs);
  const after = marks.jobDone ?? submitAt;
  return {
    scenario,
    steps: {
      'resume called': rel(first(runs.filter((r) => r.hook === 'resume').map((r) => r.at))),
      'instance created': rel(last(events.filter((e) => e.event.type === 'created').map((e) => e.at))),
      'node registered': rel(perNode(isUp, submitAt)),
      'job running': rel(marks.jobRunning),
      'job done': rel(marks.jobDone),
      'suspend called': rel(first(runs.filter((r) => r.hook === 'suspend' && r.at >= after).map((r) => r.at))),
      'instance gone': rel(last(events.filter((e) => e.event.type === 'terminated').map((e) => e.at))),
      'node powered down': rel(perNode(isAsleep, after)),
    },
    hooks,
  };
}

export function hookTotals(runs: readonly { hook: string; ms?: number }[]): Timeline['hooks'] {
  const hooks: Timeline['hooks'] = {};
  for (const r of runs) {
    const agg = hooks[r.hook] ?? { runs: 0, ms: 0 };
    agg.runs++;
    agg.ms += r.ms ?? 0;
    hooks[r.hook] = agg;
  }
  return hooks;
}

export function formatTimeline(t: Timeline): string {
  const steps = Object.entries(t.steps)
    .map(([k, v]) => `${k} ${v === undefined ? '-' : `+${v.toFixed(1)}s`}`)
    .join(' → ');
  const hooks = Object.entries(t.hooks)
    .map(([k, v]) => `${k} ${v.runs}× ${v.ms} ms`)
    .join(', ');
  const recovery = t.recoveryS === undefined ? '' : `; recovered in ${t.recoveryS.toFixed(1)} s`;
  return `[timing] ${t.scenario}: ${t.origin ?? 'submit'} → ${steps}; inside hooks: ${hooks || 'none'}${recovery}`;
}

/** Seconds from `origin` to `at`, to a tenth; undefined when `at` is. */
export const since = (origin: number, at: number | undefined): number | undefined =>
  at === undefined ? undefined : Math.round((at - origin) / 100) / 10;

const REPORTS = fileURLToPath(new URL('../../../reports/e2e/', import.meta.url));

/**
 * Prints the timeline and writes it as JSON to reports/e2e/<scenario>.json (reports/ is where CI keeps
 * its results), so the numbers of a run can be read back and reported.
 */
export async function recordTimeline(t: Timeline): Promise<string> {
  console.log(formatTimeline(t));
  await mkdir(REPORTS, { recursive: true });
  const file = join(REPORTS, `${t.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`);
  await writeFile(file, `${JSON.stringify({ ...t, at: new Date().toISOString() }, null, 2)}\n`);
  return file;
}
