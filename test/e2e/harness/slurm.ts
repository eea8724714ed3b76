import { type ChildProcess, execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../../../src/core/config/types.js';
import { renderSlurmFiles, slurmConfOptions } from '../../../src/render/slurm-conf.js';
import { startDaemon, waitFor } from '../../support/processes.js';
import { oneMachineOverrides } from '../../support/slurm-conf-check.js';
import { parseRecords } from '../../support/slurmctld.js';
import type { HookFiles } from './hooks.js';

const run = promisify(execFile);

export interface SlurmPorts {
  slurmctld: number;
  slurmd: number;
  /** One slurmd port per node, in the order of `nodes`. */
  nodePorts: number[];
}

/**
 * citc's own slurm.conf for the cluster, with only what one machine needs changed: paths under `dir`,
 * loopback controller, free ports, one slurmd Port per node (they share 0.0.0.0), no cgroups, root as
 * SlurmUser, and the private munge socket (AuthInfo, appended), with a credential lifetime when given
 * (it is also how long a requeued job waits before it may start again: 120 s by default).
 */
export async function writeSlurmConf(
  dir: string,
  config: ClusterConfig,
  nodes: string[],
  hooks: HookFiles,
  ports: SlurmPorts,
  mungeSocket: string,
  credExpireSeconds?: number,
): Promise<string> {
  for (const d of ['state', 'spool', 'log']) await mkdir(join(dir, d), { recursive: true });
  const opts = slurmConfOptions(config, {
    // Loopback controller, root as SlurmUser, no cgroups, every path under `dir`.
    ...(await oneMachineOverrides(dir)),
    slurmctldPort: ports.slurmctld,
    slurmdPort: ports.slurmd,
    slurmdUser: 'root',
    hooks: {
      resume: hooks.resume,
      suspend: hooks.suspend,
      resumeFail: hooks.resumeFail,
    },
    nodes: Object.fromEntries(nodes.map((n, i) => [n, { port: ports.nodePorts[i] as number }])),
    slurmctldDebug: 'debug',
    debugFlags: ['Power'],
  });
  const files = renderSlurmFiles(config, opts);
  const conf = join(dir, 'slurm.conf');
  await writeFile(
    conf,
    `${files['slurm.conf']}\n# e2e harness: this machine's private munged\nAuthInfo=socket=${mungeSocket}${
      credExpireSeconds === undefined ? '' : `,cred_expire=${credExpireSeconds}`
    }\n`,
  );
  await writeFile(join(dir, 'cgroup.conf'), files['cgroup.conf']);
  return conf;
}

export interface SlurmClient {
  conf: string;
  scontrol(...args: string[]): Promise<string>;
  sbatch(...args: string[]): Promise<number>;
  squeue(): Promise<string>;
  scancel(id: number): Promise<void>;
  nodes(): Promise<Map<string, Record<string, string>>>;
  /** `scontrol show job -o <id>` as key=value, undefined once Slurm has forgotten it. */
  job(id: number): Promise<Record<string, string> | undefined>;
}

export function slurmClient(conf: string): SlurmClient {
  const env = { SLURM_CONF: conf, PATH: '/usr/bin:/bin' };
  const cmd = async (bin: string, args: string[]) => (await run(bin, args, { env })).stdout;
  return {
    conf,
    scontrol: (...args) => cmd('/usr/bin/scontrol', args),
    async sbatch(...args) {
      const out = await cmd('/usr/bin/sbatch', ['--parsable', ...args]);
      return Number(out.trim().split(';')[0]);
    },
    async scancel(id) {
      await cmd('/usr/bin/scancel', [String(id)]);
    },
    squeue: () => cmd('/usr/bin/squeue', ['-h', '-o', '%i %T %R']),
    async nodes() {
      return parseRecords(await cmd('/usr/bin/scontrol', ['show', 'node', '-o']), 'NodeName');
    },
    async job(id) {
      const out = await cmd('/usr/bin/scontrol', ['show', 'job', '-o', String(id)]).catch(() => '');
      return parseRecords(out, 'JobId').get(String(id));
    },
  };
}

export async function startSlurmctld(
  conf: string,
  opts: { cold: boolean } = { cold: true },
): Promise<{ child: ChildProcess; client: SlurmClient }> {
  const args = ['-D', ...(opts.cold ? ['-c'] : []), '-f', conf];
  const child = startDaemon('slurmctld', '/usr/sbin/slurmctld', args, {
    env: { SLURM_CONF: conf },
  });
  const client = slurmClient(conf);
  await waitFor('slurmctld to answer ping', 20_000, async () => {
    if (child.exitCode !== null) throw new Error(`slurmctld exited with ${child.exitCode}`);
    await client.scontrol('ping');
    return true;
  });
  return { child, client };
}
