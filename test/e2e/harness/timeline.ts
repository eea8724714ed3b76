import type { Harness } from "./harness.js";
import { hookRuns, readHookLog } from "./hook-log.js";

export interface Timeline {
	scenario: string;
	/** Seconds after submit; undefined when the step did not happen. */
	steps: Record<string, number | undefined>;
	/** Total ms spent inside resume / suspend hook runs (from the hooks' own exit records). */
	hookMs: Record<string, number>;
}

/** submit → resume called → instance created → node idle → job done → suspend called → instance gone. */
export async function timeline(
	h: Harness,
	scenario: string,
	submitAt: number,
	marks: { nodeIdle?: number; jobDone?: number },
): Promise<Timeline> {
	const runs = hookRuns(await readHookLog(h.hooks.logFile), submitAt - 1000);
	const first = (xs: number[]) => (xs.length > 0 ? Math.min(...xs) : undefined);
	const last = (xs: number[]) => (xs.length > 0 ? Math.max(...xs) : undefined);
	const events = h.cloud.events.filter((e) => e.at >= submitAt);
	const rel = (t: number | undefined) =>
		t === undefined ? undefined : Math.round((t - submitAt) / 100) / 10;
	const hookMs: Record<string, number> = {};
	for (const r of runs) hookMs[r.hook] = (hookMs[r.hook] ?? 0) + (r.ms ?? 0);
	return {
		scenario,
		steps: {
			"resume called": rel(
				first(runs.filter((r) => r.hook === "resume").map((r) => r.at)),
			),
			"instance created": rel(
				last(events.filter((e) => e.event.type === "created").map((e) => e.at)),
			),
			"node idle": rel(marks.nodeIdle),
			"job done": rel(marks.jobDone),
			"suspend called": rel(
				first(runs.filter((r) => r.hook === "suspend").map((r) => r.at)),
			),
			"instance gone": rel(
				last(
					events.filter((e) => e.event.type === "terminated").map((e) => e.at),
				),
			),
		},
		hookMs,
	};
}

export function formatTimeline(t: Timeline): string {
	const steps = Object.entries(t.steps)
		.map(([k, v]) => `${k} ${v === undefined ? "-" : `+${v.toFixed(1)}s`}`)
		.join(" → ");
	const hooks = Object.entries(t.hookMs)
		.map(([k, v]) => `${k} ${v} ms`)
		.join(", ");
	return `[timing] ${t.scenario}: submit → ${steps}; inside hooks: ${hooks || "none"}`;
}
