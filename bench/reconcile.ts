/**
 * One reconcile pass over N nodes and N instances (default 5000): the real slurmctld (Debian's Slurm,
 * no slurmd) holds the nodes, the EC2 fake the instances, through the real SDK and scontrol. Half the
 * nodes are powering up with their instance and address (nothing to do), half are powered down with an
 * instance left running (orphans: terminated). Prints the pass's wall time, its own CPU time, and the
 * API and scontrol calls it made. Run: node --import tsx bench/reconcile.ts [--nodes 5000]
 */
import { join } from 'node:path';
import type { ClusterConfig } from '../src/core/config/types.js';
import { classify, DEFAULT_RECONCILE_SETTINGS } from '../src/core/reconcile/classify.js';
import { parseShowNodes } from '../src/core/reconcile/slurm-nodes.js';
import { openHookLog } from '../src/hooks/log.js';
import { reconcileOnce } from '../src/hooks/pass.js';
import { Scontrol } from '../src/slurm/scontrol.js';
import { clusterConfig } from '../test/core/plan/fixture.js';
import { Ec2Fake } from '../test/fakes/ec2/server.js';
import { writeRuntime } from '../test/hooks/harness.js';
import { SCONTROL, startSlurmctld } from '../test/support/slurmctld.js';

const arg = process.argv.indexOf('--nodes');
const n = arg > 0 ? Number(process.argv[arg + 1]) : 5000;
const names = Array.from({ length: n }, (_, i) => `compute-c5-${i + 1}`);
const half = Math.floor(n / 2);

const fake = new Ec2Fake();
await fake.start();
// ResumeRate=0: Slurm's default (300 a minute) would take minutes to start 2500 power-ups.
const ctld = await startSlurmctld({
  nodes: names.map((name) => ({ name })),
  resumeTimeout: 3600,
  extra: ['ResumeRate=0'],
});
try {
  const config: ClusterConfig = {
    ...clusterConfig('aws'),
    reconcile: { intervalSeconds: 30, orphanGraceSeconds: 0, capacityDenySeconds: 600 },
  };
  config.provider.endpoint = fake.endpoint;
  const files = writeRuntime(config);
  const seeded = names.map(
    (node) => fake.seed(1, { tags: { 'citc:cluster': 'demo', 'citc:node': node, Name: `demo-${node}` } })[0],
  );
  // The first half powering up with their addresses set, as after a resume.
  for (let i = 0; i < half; i += 100) {
    const part = names.slice(i, Math.min(i + 100, half));
    await ctld.scontrol('update', `nodename=${part.join(',')}`, 'state=power_up');
    const ips = part.map((_, k) => seeded[i + k]?.privateIp ?? '');
    await ctld.scontrol(
      'update',
      `nodename=${part.join(',')}`,
      `nodeaddr=${ips.join(',')}`,
      `nodehostname=${part.join(',')}`,
    );
  }
  // Queued power-ups become POWERING_UP at the next power-save cycle (read with citc's own scontrol:
  // `show nodes` of 5000 nodes is more than execFile's default buffer).
  const probe = new Scontrol({ path: SCONTROL, slurmConf: ctld.conf });
  const up = new Set(names.slice(0, half));
  for (let t = 0; t < 600; t++) {
    const view = parseShowNodes(await probe.showNodes());
    if (view.filter((v) => up.has(v.name)).every((v) => v.flags.includes('POWERING_UP'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const scontrolCalls: string[] = [];
  const log = openHookLog({ hook: 'reconcile', file: join(files.dir, 'reconcile.log'), format: 'json' });
  const ctx = {
    runtime: files.runtime,
    log,
    scontrol: new Scontrol({
      path: SCONTROL,
      slurmConf: ctld.conf,
      onCall: (c) => scontrolCalls.push(c.args.slice(0, 2).join(' ')),
    }),
  };
  const callsBefore = fake.calls.length;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await reconcileOnce(ctx, { dryRun: false });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  log.close();
  const calls = fake.calls.slice(callsBefore);
  const count = (op: string) => calls.filter((c) => c.operation === op).length;
  const actions = 'report' in out ? out.report.actions : [];
  console.log(`reconcile pass over ${n} nodes and ${n} instances (${half} up, ${n - half} orphans):`);
  console.log(
    `  wall ${Math.round(ms)} ms, own CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms (user+system of this process)`,
  );
  console.log(
    `  DescribeInstances calls: ${count('DescribeInstances')}, TerminateInstances calls: ${count('TerminateInstances')}`,
  );
  console.log(`  scontrol calls: ${scontrolCalls.length} (${[...new Set(scontrolCalls)].join(', ')})`);
  const kinds = new Map<string, number>();
  for (const { action } of actions) {
    const k = action.kind === 'terminate' ? `terminate ${action.why}` : action.kind;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const byKind = [...kinds].map(([k, v]) => `${v} ${k}`).join(', ');
  const done = actions.filter((a) => a.result === 'done').length;
  console.log(`  actions: ${actions.length} (${byKind}), done ${done}, exit ${out.code}`);
  // The pure part alone on the same view: the pass's CPU above includes the EC2 fake serving it in this process.
  const text = await probe.showNodes();
  const instances = seeded.map((i, k) => ({
    id: i?.id ?? '',
    node: names[k] as string,
    state: 'running' as const,
    privateIp: i?.privateIp ?? '',
    launchedAt: 0,
  }));
  const c0 = performance.now();
  const settings = DEFAULT_RECONCILE_SETTINGS;
  const deny = { version: 1 as const, entries: [] };
  classify({ config, slurm: parseShowNodes(text), instances, deny, returns: {}, now: Date.now(), settings });
  console.log(`  parse + classify alone: ${Math.round(performance.now() - c0)} ms`);
} finally {
  await ctld.stop();
  await fake.stop();
}
