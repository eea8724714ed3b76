// `npm run demo`: one job wakes a cloud node, runs, and the node goes back to sleep, on this machine, with
// real Slurm (slurmctld, slurmd), citc's rendered slurm.conf and hooks, and a loopback fake standing in
// for EC2. Needs root and Debian's slurmctld slurmd slurm-client munge; stops everything it started.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CitcError } from '../src/core/errors.js';
import { type Harness, startHarness } from '../test/e2e/harness/harness.js';
import { type HookRecord, readHookLog } from '../test/e2e/harness/hook-log.js';
import { jobOutput, runCycle } from '../test/e2e/harness/scenario.js';

const t0 = Date.now();
const say = (line: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s  ${line}`);

/** Prints the hooks' start and exit records as they are written. */
function followHooks(h: Harness): () => void {
  let seen = 0;
  const show = (r: HookRecord) => {
    if (r.event === 'start') say(`${r.hook} hook called for ${r.hostlist}`);
    else if (r.event === 'exit') say(`${r.hook} hook done: exit ${r.code} after ${r.ms} ms`);
    else if (r.event === 'node') say(`${r.hook} hook: ${r.node} ${r.outcome}${r.ip ? ` at ${r.ip}` : ''}`);
  };
  const timer = setInterval(async () => {
    const records = await readHookLog(h.hooks.logFile);
    for (const r of records.slice(seen)) show(r);
    seen = records.length;
  }, 300);
  return () => clearInterval(timer);
}

/** Prints each job's state as it changes (CONFIGURING: its nodes are powering up). */
function followJobs(h: Harness): () => void {
  const last = new Map<string, string>();
  const timer = setInterval(async () => {
    const out = await h.slurm.squeue().catch(() => '');
    for (const line of out.split('\n').filter(Boolean)) {
      const [id = '', state = '', ...rest] = line.split(' ');
      if (last.get(id) === state) continue;
      last.set(id, state);
      // %R: the nodes once allocated, else the reason in parentheses; "(None)" says nothing.
      const where = rest.join(' ');
      say(`job ${id} ${state}${where && where !== '(None)' ? ` ${where}` : ''}`);
    }
  }, 300);
  return () => clearInterval(timer);
}

async function main(): Promise<void> {
  say('starting a local elastic cluster (munged, slurmctld, fake EC2, boot agent)');
  const h = await startHarness({ log: say });
  // Also on Ctrl-C: the harness kills its daemons by pid, this removes their directory.
  process.on('exit', () => rmSync(h.dir, { recursive: true, force: true }));
  const unfollow = followHooks(h);
  const unwatchJobs = followJobs(h);
  h.cloud.onEvent(({ event }) =>
    say(`cloud: instance ${event.id} ${event.type} for ${event.node} (${event.zone}, ${event.ip})`),
  );
  h.watch.onChange((t) => say(`slurm: ${t.node} is ${t.state}${t.reason ? ` (${t.reason})` : ''}`));
  try {
    say(`cluster ${h.config.name}: ${h.nodes.length} cloud nodes, all powered down; submitting a one-node job`);
    const cycle = await runCycle(h, 'demo', 1);
    say(`job ${cycle.id} ${cycle.done.JobState}, output: ${(await readFile(jobOutput(h, cycle.id), 'utf8')).trim()}`);
    say(`every node asleep again, ${(await h.cloud.live()).length} instances running`);
    for (const [step, s] of Object.entries(cycle.timeline.steps)) {
      console.log(`    ${step.padEnd(18)} ${s === undefined ? '-' : `+${s.toFixed(1)}s`}`);
    }
    for (const [hook, v] of Object.entries(cycle.timeline.hooks)) {
      console.log(`    inside ${hook.padEnd(11)} ${v.runs} run(s), ${v.ms} ms`);
    }
  } finally {
    unfollow();
    unwatchJobs();
    await h.stop();
    say('stopped slurmctld, slurmd, munged and the fake cloud');
  }
}

main().catch((err) => {
  if (err instanceof CitcError) {
    console.error(`citc demo: ${err.message}${err.remedy ? `; ${err.remedy}` : ''}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
});
