import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../../../src/core/config/types.js';
import { startMunged } from '../../support/munge.js';
import { processesIn, processesWith, runningDaemons, stopDaemon, waitFor } from '../../support/processes.js';
import { freePort } from '../../support/slurmctld.js';
import { type BootAgent, startBootAgent } from './boot-agent.js';
import { allNodes, loadE2eCluster } from './cluster.js';
import { type FakeCloud, startFakeCloud } from './fake-cloud.js';
import { type HookFiles, writeHooks } from './hooks.js';
import { type NodeWatch, watchNodes } from './node-watch.js';
import { preflight } from './preflight.js';
import { type ReconcileTimer, startReconcileTimer } from './reconcile-timer.js';
import { type SlurmClient, startSlurmctld, writeSlurmConf } from './slurm.js';

/** A whole elastic cluster on one machine: munged, slurmctld, citc's hooks, the fake EC2, a boot agent. */
export interface Harness {
  dir: string;
  config: ClusterConfig;
  nodes: string[];
  cloud: FakeCloud;
  slurm: SlurmClient;
  hooks: HookFiles;
  agent: BootAgent;
  /** Slurm's node states as they change, polled from `scontrol show node`. */
  watch: NodeWatch;
  /** slurmd start times by node (the boot agent's "boot"). */
  boots: { node: string; at: number }[];
  /** The reconcile pass every `reconcileEverySeconds`, when asked for. */
  reconcile?: ReconcileTimer;
  slurmctldLog(): Promise<string>;
  /** Stops slurmctld (SIGTERM: it saves its state) and starts it again on its state directory, without -c. */
  restartSlurmctld(): Promise<void>;
  /** SIGKILLs every running process of one hook (resume, suspend, resume-fail), as a crash or OOM kill would. */
  killHook(name: 'resume' | 'suspend' | 'resume-fail'): number[];
  /** Processes in any instance's pid namespace, terminated or not: none once every instance is gone. */
  instanceProcesses(): number[];
  /** Waits until every node is powered down and idle, and the cloud holds no live instance. */
  waitAllAsleep(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Keep the temporary directory (logs) after stop, e.g. after a failure. */
  keepDir?: boolean;
  log?: (line: string) => void;
  /** Changes to the test cluster (e2e-cluster.yaml) before anything is rendered from it. */
  edit?: (config: ClusterConfig) => ClusterConfig;
  /** Runs the bundled reconcile pass this often, as the management node's timer does. */
  reconcileEverySeconds?: number;
  /** AuthInfo cred_expire: also the seconds a requeued job waits before it may start again (Slurm: 120). */
  credExpireSeconds?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  preflight();
  const dir = await mkdtemp(join(tmpdir(), 'citc-e2e-'));
  await mkdir(join(dir, 'log'), { recursive: true });
  const say = opts.log ?? (() => {});
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
  };
  try {
    const loaded = await loadE2eCluster();
    const cloud = await startFakeCloud(loaded.name);
    started.push(cloud);
    say(`fake EC2 listening on ${cloud.endpoint}`);
    const edited = opts.edit ? opts.edit(loaded) : loaded;
    const config = { ...edited, provider: { ...edited.provider, endpoint: cloud.endpoint } };
    const nodes = allNodes(config);
    const munge = await startMunged(dir);
    started.push({ stop: () => stopDaemon(munge.child) });
    const hooks = await writeHooks(dir, config);
    say(`hooks: ${hooks.mode === 'bundle' ? 'esbuild bundles' : 'sources under tsx'}, log ${hooks.logFile}`);
    const ports = { slurmctld: await freePort(), slurmd: await freePort(), nodePorts: [] as number[] };
    for (const _ of nodes) ports.nodePorts.push(await freePort());
    const conf = await writeSlurmConf(dir, config, nodes, hooks, ports, munge.socket, opts.credExpireSeconds);
    const boots: { node: string; at: number }[] = [];
    const agent = startBootAgent(cloud, {
      cluster: config.name,
      slurmConf: conf,
      onBoot: (node, at) => {
        boots.push({ node, at });
        say(`boot agent: slurmd started for ${node}`);
      },
    });
    started.push(agent);
    const ctld: { child?: ChildProcess } = {};
    started.push({ stop: () => stopDaemon(ctld.child) });
    const { child, client } = await startSlurmctld(conf);
    ctld.child = child;
    say(`slurmctld up on 127.0.0.1:${ports.slurmctld} with ${nodes.length} cloud nodes (${conf})`);
    const watch = watchNodes(client);
    started.push({ stop: async () => watch.stop() });
    let reconcile: ReconcileTimer | undefined;
    if (opts.reconcileEverySeconds !== undefined) {
      if (!hooks.reconcile) throw new Error(`no reconcile bundle in ${hooks.bundleDir} (npm run build must make one)`);
      reconcile = startReconcileTimer(hooks.reconcile, conf, opts.reconcileEverySeconds * 1000);
      // Stopped before slurmctld and the cloud, like the timer before the daemons at shutdown.
      started.push(reconcile);
      say(`reconcile every ${opts.reconcileEverySeconds} s`);
    }
    return {
      dir,
      config,
      nodes,
      cloud,
      slurm: client,
      hooks,
      agent,
      watch,
      boots,
      ...(reconcile && { reconcile }),
      slurmctldLog: () => readFile(join(dir, 'log', 'slurmctld.log'), 'utf8'),
      async restartSlurmctld() {
        await stopDaemon(ctld.child, 'SIGTERM');
        ctld.child = (await startSlurmctld(conf, { cold: false })).child;
        say('slurmctld restarted on its state directory');
      },
      killHook(name) {
        const bundle = join(hooks.bundleDir, `${name}.mjs`);
        const pids = processesWith(bundle);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        return pids;
      },
      instanceProcesses: () => processesIn(agent.namespaces()),
      async waitAllAsleep(ms = 90_000) {
        await waitFor(
          'every node powered down and no live instance',
          ms,
          async () => {
            // The watch's view, so that what the timeline reads afterwards has seen it too.
            const view = watch.current();
            const asleep = nodes.every((n) => view.get(n) === 'IDLE+CLOUD+POWERED_DOWN');
            return asleep && (await cloud.live()).length === 0;
          },
          500,
        );
      },
      async stop() {
        await stopAll();
        if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
        const left = runningDaemons();
        if (left.length > 0) throw new Error(`daemons still running after stop: ${left.join(', ')}`);
        const strays = processesIn(agent.namespaces());
        if (strays.length > 0) throw new Error(`instance processes still running after stop: ${strays.join(', ')}`);
      },
    };
  } catch (err) {
    await stopAll();
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
