import { type ChildProcess, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMunged } from './munge.js';
import { startDaemon, stopDaemon, waitFor } from './processes.js';

const run = promisify(execFile);

/**
 * A real munged + slurmctld (Debian's Slurm 22.05) in a temporary directory, on free loopback ports,
 * with its own munge socket, so tests never touch a Slurm or munge already running on the machine.
 * No slurmd: the nodes are State=CLOUD and stay powered down unless a test powers them up.
 */
export interface SlurmNodeDef {
  name: string;
  cpus?: number;
  features?: string[];
}

export interface SlurmctldOptions {
  nodes: SlurmNodeDef[];
  /** Partition name -> node names. Default: one partition "debug" with every node. */
  partitions?: Record<string, string[]>;
  resumeProgram?: string;
  suspendProgram?: string;
  resumeFailProgram?: string;
  resumeTimeout?: number;
  suspendTimeout?: number;
  suspendTime?: number;
  /** Extra lines appended to slurm.conf. */
  extra?: string[];
}

export interface Slurmctld {
  dir: string;
  conf: string;
  env: { SLURM_CONF: string };
  scontrol(...args: string[]): Promise<string>;
  /** `scontrol show node -o` parsed into key=value maps, by node name. */
  showNodes(names?: string): Promise<Map<string, Record<string, string>>>;
  log(): Promise<string>;
  /** Polls until every named node's State matches `state`; returns the last view. */
  waitForState(names: readonly string[], state: RegExp, ms?: number): Promise<Map<string, Record<string, string>>>;
  /** Polls until `pred` holds for the `scontrol show node` view; returns that view. */
  waitForNodes(
    what: string,
    pred: (nodes: Map<string, Record<string, string>>) => boolean,
    ms?: number,
  ): Promise<Map<string, Record<string, string>>>;
  stop(): Promise<void>;
}

export const SCONTROL = '/usr/bin/scontrol';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startSlurmctld(opts: SlurmctldOptions): Promise<Slurmctld> {
  const dir = await mkdtemp(join(tmpdir(), 'citc-slurmctld-'));
  for (const d of ['state', 'spool', 'log']) await mkdir(join(dir, d), { recursive: true });
  const { socket, child: munged } = await startMunged(dir);
  let slurmctld: ChildProcess | undefined;
  try {
    const port = await freePort();
    const nodeLines = opts.nodes.map((n) => {
      const feat = n.features?.length ? ` Feature=${n.features.join(',')}` : '';
      return `NodeName=${n.name} CPUs=${n.cpus ?? 1} State=CLOUD${feat}`;
    });
    const parts = opts.partitions ?? { debug: opts.nodes.map((n) => n.name) };
    const partLines = Object.entries(parts).map(
      ([name, nodes], i) => `PartitionName=${name} Nodes=${nodes.join(',')} Default=${i === 0 ? 'YES' : 'NO'} State=UP`,
    );
    const conf = join(dir, 'slurm.conf');
    const lines = [
      'ClusterName=citctest',
      'SlurmctldHost=localhost(127.0.0.1)',
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool/%n`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${await freePort()}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SelectType=select/cons_tres',
      `ResumeProgram=${opts.resumeProgram ?? '/bin/true'}`,
      `SuspendProgram=${opts.suspendProgram ?? '/bin/true'}`,
      ...(opts.resumeFailProgram ? [`ResumeFailProgram=${opts.resumeFailProgram}`] : []),
      `SuspendTime=${opts.suspendTime ?? 300}`,
      `SuspendTimeout=${opts.suspendTimeout ?? 10}`,
      `ResumeTimeout=${opts.resumeTimeout ?? 60}`,
      'TreeWidth=65533',
      'SlurmctldParameters=idle_on_node_suspend',
      'SlurmctldDebug=debug',
      'DebugFlags=Power',
      // Without it, powered-down CLOUD nodes are hidden from scontrol show node.
      'PrivateData=cloud',
      ...nodeLines,
      ...partLines,
      ...(opts.extra ?? []),
    ];
    await writeFile(conf, `${lines.join('\n')}\n`);
    const env = { SLURM_CONF: conf };
    slurmctld = startDaemon('slurmctld', '/usr/sbin/slurmctld', ['-D', '-c', '-f', conf], { env });
    const scontrol = async (...args: string[]) => (await run(SCONTROL, args, { env })).stdout;
    await waitFor(
      'slurmctld to answer',
      20_000,
      async () => {
        if (slurmctld?.exitCode !== null) throw new Error('slurmctld exited');
        await scontrol('ping');
        return true;
      },
      100,
    );
    const ctld = slurmctld;
    const waitForNodes: Slurmctld['waitForNodes'] = async (what, pred, ms = 15_000) => {
      let last = new Map<string, Record<string, string>>();
      await waitFor(
        what,
        ms,
        async () => {
          last = parseRecords(await scontrol('show', 'node', '-o'), 'NodeName');
          return pred(last);
        },
        100,
      );
      return last;
    };
    return {
      dir,
      conf,
      env,
      scontrol,
      async showNodes(names?: string) {
        const out = await scontrol('show', 'node', '-o', ...(names ? [names] : []));
        return parseRecords(out, 'NodeName');
      },
      waitForNodes,
      waitForState: (names, state, ms = 15_000) =>
        waitForNodes(
          `${names.join(',')} to be ${state}`,
          (v) => names.every((n) => state.test(v.get(n)?.State ?? '')),
          ms,
        ),
      log: () => readFile(join(dir, 'log', 'slurmctld.log'), 'utf8'),
      async stop() {
        await stopDaemon(ctld);
        await stopDaemon(munged);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopDaemon(slurmctld);
    await stopDaemon(munged);
    throw err;
  }
}

/**
 * `scontrol show node|job -o`: one record per line, `Key=Value` pairs, keyed by `key`'s value; a node's
 * Reason= (spaces, then its [user@time] stamp) runs to the end of the line.
 */
export function parseRecords(out: string, key: string): Map<string, Record<string, string>> {
  const recs = new Map<string, Record<string, string>>();
  for (const line of out.split('\n')) {
    if (!line.startsWith(`${key}=`)) continue;
    const rec: Record<string, string> = {};
    const reasonAt = key === 'NodeName' ? line.indexOf(' Reason=') : -1;
    const head = reasonAt >= 0 ? line.slice(0, reasonAt) : line;
    if (reasonAt >= 0) rec.Reason = line.slice(reasonAt + ' Reason='.length).trim();
    for (const tok of head.split(/\s+/)) {
      const eq = tok.indexOf('=');
      if (eq > 0) rec[tok.slice(0, eq)] = tok.slice(eq + 1);
    }
    if (rec[key]) recs.set(rec[key], rec);
  }
  return recs;
}
