/**
 * One reconcile pass over N nodes and N instances (default 5000), in-process against the loopback EC2 and
 * GCE fakes through the real SDKs. Run: node --import tsx bench/reconcile-clouds.ts [--nodes 5000]
 * bench/reconcile.ts runs the pass against the real slurmctld and EC2; this one covers both clouds (the
 * GCE batch deletes too), five kinds of node at once, and the pass with and without the SDK's load.
 *
 * Slurm's side: `scontrol show nodes -o` is captured text (N lines in Slurm 22.05's one-line format),
 * handed to the pass in-process; every update goes through Scontrol to a stand-in script that records it. The view: most nodes up with their instance; N/50 each of unbacked
 * nodes (Slurm has them ALLOCATED, no instance), nodes registered without their address, orphans (node
 * powered down, instance running past the grace) and duplicates (a second instance for an up node).
 * Each pass runs in a fresh process, cold (the SDK is loaded inside the pass, as the timer's process
 * does) and warm (the SDK loaded and a client built first). "fake ms" is the wall time the fake had a request
 * open; "own ms" = pass ms − fake ms.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressOrdered } from '../src/cloud/aws/node-tag.js';
import { chunk, LAUNCH_BATCH_LIMIT } from '../src/core/plan/batch-limits.js';
import type { HookRuntime } from '../src/core/runtime.js';
import { clusterConfig } from '../test/core/plan/fixture.js';
import type { Ec2Fake } from '../test/fakes/ec2/server.js';
import type { GceFake } from '../test/fakes/gce/server.js';

type Kind = 'aws' | 'gcp';
const TEN_MINUTES = 600_000;

/** One `scontrol show nodes -o` line as Debian's Slurm 22.05 prints it. */
function slurmLine(node: string, state: string, addr: string, bootAt: Date | undefined, reason?: string): string {
  const t = (d: Date | undefined) => (d ? d.toISOString().slice(0, 19) : 'None');
  const alloc = state.startsWith('ALLOCATED') ? 2 : 0;
  return (
    `NodeName=${node} Arch=x86_64 CoresPerSocket=1 CPUAlloc=${alloc} CPUEfctv=2 CPUTot=2 CPULoad=0.01 ` +
    `AvailableFeatures=(null) ActiveFeatures=(null) Gres=(null) NodeAddr=${addr} NodeHostName=${node} ` +
    `Version=22.05.8 OS=Linux 6.1.0 RealMemory=3500 AllocMem=0 FreeMem=N/A Sockets=2 Boards=1 State=${state} ` +
    `ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=compute BootTime=${t(bootAt)} ` +
    `SlurmdStartTime=${t(bootAt)} LastBusyTime=Unknown CfgTRES=cpu=2,mem=3500M,billing=2 AllocTRES= CapWatts=n/a ` +
    `CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s${reason ? ` Reason=${reason}` : ''}`
  );
}

interface Seeded {
  node: string;
  ip: string;
}

/**
 * Instances as the resume hook leaves them: one launch per 500 (EC2) / 1000 (GCE) nodes, launched 10 min
 * ago, launches alternating between the two zones from `zoneShift` (a GCE name is unique per zone only).
 */
function seed(kind: Kind, fake: Ec2Fake | GceFake, runtime: HookRuntime, nodes: string[], zoneShift = 0): Seeded[] {
  const out: Seeded[] = [];
  const cluster = runtime.cluster.name;
  const old = new Date(Date.now() - TEN_MINUTES);
  chunk(nodes, LAUNCH_BATCH_LIMIT[kind]).forEach((launch, k) => {
    const zone = runtime.cluster.provider.zones[(k + zoneShift) % 2] as string;
    if (kind === 'aws') {
      const made = (fake as Ec2Fake).seed(launch.length, {
        zone,
        subnetId: `subnet-${zone}`,
        instanceType: 'c5.large',
        tags: { 'citc:cluster': cluster, 'citc:role': 'compute', 'citc:nodes': compressOrdered(launch) },
      });
      made.forEach((i, j) => {
        i.launchTime = old;
        out.push({ node: launch[j] as string, ip: i.privateIp });
      });
    } else {
      const gce = fake as GceFake;
      gce.seed(
        'p',
        zone,
        launch.map((n) => `${cluster}-${n}`),
        { 'citc-cluster': cluster, 'citc-role': 'compute' },
      );
      for (const n of launch) {
        const i = gce.instances.get(`p/${zone}/${cluster}-${n}`);
        if (!i) continue;
        i.creationTimestamp = old.toISOString();
        out.push({ node: n, ip: i.networkIP });
      }
    }
  });
  return out;
}

async function child(kind: Kind, n: number, warm: boolean): Promise<void> {
  const { Ec2Fake } = await import('../test/fakes/ec2/server.js');
  const { GceFake } = await import('../test/fakes/gce/server.js');
  const { runReconcile } = await import('../src/hooks/reconcile.js');
  const { openRunCloud } = await import('../src/hooks/cloud.js');
  const { lazy } = await import('../src/hooks/deps.js');
  const { openNodeLocks } = await import('../src/hooks/lock.js');
  const { openHookLog } = await import('../src/hooks/log.js');
  const { Scontrol } = await import('../src/slurm/scontrol.js');
  type SlurmPort = import('../src/hooks/reconcile.js').SlurmPort;
  const fake = kind === 'aws' ? new Ec2Fake() : new GceFake();
  await fake.start();
  const dir = mkdtempSync(join(tmpdir(), 'citc-bench-reconcile-'));
  const shm = mkdtempSync('/dev/shm/citc-bench-reconcile-');
  try {
    const cluster = clusterConfig(kind);
    cluster.name = 'bench';
    cluster.provider.endpoint = fake.endpoint;
    for (const s of cluster.partitions[0]?.shapes ?? []) if (s.name === 'c5') s.maxNodes = Math.max(s.maxNodes, n);
    const runtime: HookRuntime = {
      version: 1,
      cluster,
      imageId: kind === 'aws' ? 'ami-0123456789abcdef0' : 'projects/p/global/images/citc-compute-1',
      ...(kind === 'aws'
        ? {
            aws: {
              subnetIdsByZone: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b' },
              securityGroupIds: ['sg-1'],
            },
          }
        : { gcp: { network: 'n', subnetwork: 's', diskGb: 20 } }),
      paths: {
        scontrol: join(dir, 'scontrol'),
        logFile: join(dir, 'reconcile.log'),
        lockDir: join(shm, 'locks'),
        stateDir: join(dir, 'state'),
      },
      log: { format: 'text' },
    };
    const nodes = Array.from({ length: n }, (_, i) => `compute-c5-${i + 1}`);
    const k = Math.max(1, Math.floor(n / 50));
    // 1..k unbacked (no instance); k+1..2k no address; 2k+1..3k orphans; 3k+1..4k duplicates; the rest up.
    const seeded = seed(kind, fake, runtime, nodes.slice(k));
    seeded.push(...seed(kind, fake, runtime, nodes.slice(3 * k, 4 * k), 1).map((s) => ({ ...s, node: '' })));
    const ipOf = new Map(seeded.filter((s) => s.node).map((s) => [s.node, s.ip]));
    const boot = new Date(Date.now() - TEN_MINUTES + 60_000);
    const lines = nodes.map((node, i) => {
      if (i < k) return slurmLine(node, 'ALLOCATED+CLOUD', `10.9.${i >> 8}.${i & 255}`, boot);
      if (i < 2 * k) return slurmLine(node, 'IDLE+CLOUD', node, boot);
      if (i < 3 * k) return slurmLine(node, 'IDLE+CLOUD+POWERED_DOWN', node, undefined);
      return slurmLine(node, i % 2 ? 'ALLOCATED+CLOUD' : 'IDLE+CLOUD', ipOf.get(node) ?? node, boot);
    });
    const showFile = join(dir, 'show-nodes.txt');
    const callsFile = join(dir, 'scontrol.calls');
    writeFileSync(showFile, `${lines.join('\n')}\n`);
    writeFileSync(
      runtime.paths.scontrol,
      `#!/bin/sh\nif [ "$1" = show ]; then cat ${showFile}; else printf '%s\\n' "$*" >> ${callsFile}; fi\n`,
    );
    chmodSync(runtime.paths.scontrol, 0o755);
    writeFileSync(callsFile, '');
    const showKiB = Math.round(Buffer.byteLength(lines.join('\n')) / 1024);
    const instances = kind === 'aws' ? (fake as Ec2Fake).live().length : (fake as GceFake).live().length;

    // Warm: the SDK loaded and one client built before (the GCE client's protos are parsed once per process).
    if (warm) await (await import('../src/cloud/factory.js')).createCloudAdapter(runtime);
    const log = openHookLog({ hook: 'reconcile', file: runtime.paths.logFile, format: 'text' });
    // `show nodes` is answered with the captured text in-process; the updates go through Scontrol to the script.
    const real = new Scontrol({ path: runtime.paths.scontrol });
    const showNodesText = `${lines.join('\n')}\n`;
    const slurm: SlurmPort = {
      showNodes: async () => showNodesText,
      setAddresses: (u) => real.setAddresses(u),
      markDown: (u) => real.markDown(u),
      powerDown: (nodes) => real.powerDown(nodes),
      resume: (nodes) => real.resume(nodes),
      run: (args) => real.run(args),
    };
    // Whether Scontrol itself can read this much `show nodes -o` output (its execFile buffer).
    const viaScontrol = await real.showNodes().then(
      (t) => `ok (${Math.round(t.length / 1024)} KiB)`,
      (err) =>
        `fails: ${String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message).slice(0, 80)}`,
    );
    const deadline = Date.now() + 300_000;
    const calls0 = fake.calls.length;
    const busy0 = fake.busyMs;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { code, report } = await runReconcile(
      {
        runtime,
        cloud: lazy(() => openRunCloud(runtime, log, deadline)),
        scontrol: slurm,
        log,
        locks: openNodeLocks(runtime.paths.lockDir, 'reconcile'),
        deadline,
      },
      { dryRun: false },
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const fakeMs = fake.busyMs - busy0;
    const api = fake.calls.slice(calls0);
    const count = (re: RegExp) => api.filter((c) => re.test(c.operation)).length;
    const scontrol = readFileSync(callsFile, 'utf8').trim().split('\n').filter(Boolean);
    const actions: Record<string, number> = {};
    for (const a of report.actions)
      actions[`${a.action.kind}:${a.result}`] = (actions[`${a.action.kind}:${a.result}`] ?? 0) + 1;
    process.stdout.write(
      JSON.stringify({
        code,
        nodes: n,
        instances,
        ms: Math.round(ms),
        fakeMs: Math.round(fakeMs),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        listCalls: count(/^(DescribeInstances|list|aggregatedList)$/),
        terminateCalls: count(/^(TerminateInstances|delete)$/),
        http: api.filter((c) => !c.params.inBatch).length,
        scontrolUpdates: scontrol.length,
        nodesPerUpdate: Math.max(0, ...scontrol.map((l) => (/nodename=(\S+)/.exec(l)?.[1] ?? '').split(',').length)),
        actions,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        showKiB,
        viaScontrol,
      }),
    );
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(shm, { recursive: true, force: true });
  }
}

function main(): void {
  const at = process.argv.indexOf('--nodes');
  const n = at > 0 ? Number(process.argv[at + 1]) : 5000;
  console.log(
    `reconcile bench: one pass over ${n} nodes and ${n} instances, in-process against the loopback fakes (real SDKs); scontrol = stand-in (show nodes -o: ${n} lines in 22.05's format; updates recorded)`,
  );
  console.log(
    'cloud\tprocess\tpass ms\tfake ms\town ms\tCPU ms (fake included)\tinstances\tlist calls\tinstances per list call\tterminate calls\tHTTP requests\tscontrol updates\tmost nodes per update\tactions\tpeak RSS MB\texit',
  );
  for (const kind of ['aws', 'gcp'] as const) {
    for (const warm of [false, true]) {
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', import.meta.filename, '--child', kind, String(n), warm ? 'warm' : 'cold'],
        { cwd: join(import.meta.dirname, '..'), maxBuffer: 1 << 24 },
      ).toString();
      const r = JSON.parse(out);
      console.log(
        [
          kind,
          warm ? 'warm (SDK and client ready)' : 'cold (SDK loaded in the pass)',
          r.ms,
          r.fakeMs,
          r.ms - r.fakeMs,
          r.cpuMs,
          r.instances,
          r.listCalls,
          Math.round(r.instances / Math.max(1, r.listCalls)),
          r.terminateCalls,
          r.http,
          r.scontrolUpdates,
          r.nodesPerUpdate,
          Object.entries(r.actions)
            .map(([a, c]) => `${a}=${c}`)
            .join(' '),
          r.peakRssMb,
          r.code,
        ].join('\t'),
      );
      if (kind === 'aws' && !warm)
        console.log(`  show nodes -o: ${r.showKiB} KiB; read through Scontrol (execFile): ${r.viaScontrol}`);
    }
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0)
  await child(
    process.argv[childAt + 1] as Kind,
    Number(process.argv[childAt + 2]),
    process.argv[childAt + 3] === 'warm',
  );
else main();
