import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../../src/core/config/types.js';
import {
  type RenderedSlurmFiles,
  renderSlurmFiles,
  type SlurmConfOverrides,
  slurmConfOptions,
} from '../../src/render/slurm-conf.js';
import { freePort } from './slurmctld.js';

export const SLURMCTLD = '/usr/sbin/slurmctld';

/**
 * Errors that come from this machine, not from the configuration: no munged for a parse check, no
 * PMIx library in Debian's plugin package, and no state files on a cold start.
 */
const BENIGN = [
  /Munge encode failed|If munged is up/,
  /pmix|MPI: Cannot create context/i,
  /Could not open (job|reservation) state file|Trying backup state save file/,
];

export interface SlurmConfCheck {
  /** `error:`/`fatal:` lines slurmctld logged while reading the configuration. */
  errors: string[];
  /** True when slurmctld got as far as serving as primary controller. */
  started: boolean;
  log: string;
  ms: number;
}

/**
 * Overrides that let the real slurm.conf of `config` run on this one machine, under `dir`: loopback
 * controller, free ports, root as SlurmUser, no cgroups. Everything else is as rendered for the cluster.
 */
export async function oneMachineOverrides(dir: string): Promise<SlurmConfOverrides> {
  return {
    controller: { host: 'localhost', addr: '127.0.0.1' },
    slurmctldPort: await freePort(),
    slurmdPort: await freePort(),
    slurmUser: 'root',
    cgroups: false,
    paths: {
      stateSaveLocation: join(dir, 'state'),
      slurmdSpoolDir: join(dir, 'spool', '%n'),
      slurmctldPidFile: join(dir, 'slurmctld.pid'),
      slurmdPidFile: join(dir, 'slurmd-%n.pid'),
      slurmctldLogFile: join(dir, 'log', 'slurmctld.log'),
      slurmdLogFile: join(dir, 'log', 'slurmd-%n.log'),
      jobCompLoc: join(dir, 'log', 'jobcomp.txt'),
    },
    hooks: { resume: '/bin/true', suspend: '/bin/true', resumeFail: '/bin/true' },
  };
}

/**
 * Starts Debian's real slurmctld (cold, in the foreground) on the given files, waits until it serves
 * or exits, stops it, and returns what it logged: the only parser that counts is Slurm's own.
 */
export async function checkSlurmFiles(
  dir: string,
  files: RenderedSlurmFiles,
  waitMs = 20_000,
): Promise<SlurmConfCheck> {
  await mkdir(join(dir, 'state'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text as string);
  const conf = join(dir, 'slurm.conf');
  const started = Date.now();
  const child = spawn(SLURMCTLD, ['-D', '-c', '-f', conf], {
    env: { SLURM_CONF: conf, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = Date.now() + waitMs;
  let up = false;
  while (Date.now() < end && child.exitCode === null && child.signalCode === null) {
    if (/Running as primary controller/.test(out)) {
      up = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = Date.now() - started;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
  const log = `${out}\n${await readFile(join(dir, 'log', 'slurmctld.log'), 'utf8').catch(() => '')}`;
  const errors = [
    ...new Set(
      log
        .split('\n')
        .filter((l) => /\b(error|fatal):/i.test(l) && !BENIGN.some((b) => b.test(l)))
        .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').replace(/^slurmctld: /, '')),
    ),
  ];
  return { errors, started: up, log, ms };
}

/** Renders `config` with one-machine overrides (plus `extra`) into a temporary dir and checks it. */
export async function checkRenderedSlurmConf(
  config: ClusterConfig,
  extra: SlurmConfOverrides = {},
): Promise<SlurmConfCheck & { files: RenderedSlurmFiles }> {
  const dir = await mkdtemp(join(tmpdir(), 'citc-slurmconf-'));
  try {
    const base = await oneMachineOverrides(dir);
    const files = renderSlurmFiles(
      config,
      slurmConfOptions(config, { ...base, ...extra, paths: { ...base.paths, ...extra.paths } }),
    );
    return { ...(await checkSlurmFiles(dir, files)), files };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
