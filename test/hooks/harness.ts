import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig } from '../../src/core/config/types.js';
import type { HookRuntime } from '../../src/core/runtime.js';
import { SCONTROL } from '../support/slurmctld.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The entry points as Slurm would start them: from source through tsx, or the esbuild bundle. */
export const HOOK_SOURCES = {
  resume: join(ROOT, 'src/hooks/bin/resume.ts'),
  suspend: join(ROOT, 'src/hooks/bin/suspend.ts'),
  'resume-fail': join(ROOT, 'src/hooks/bin/resume-fail.ts'),
} as const;
export type HookKind = keyof typeof HOOK_SOURCES;

export interface HookRun {
  /** Exit code; -1 when killed by a signal. */
  code: number;
  signal?: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

export interface RuntimeFiles {
  dir: string;
  runtimePath: string;
  logFile: string;
  runtime: HookRuntime;
}

/** Writes runtime.json for a test cluster under a fresh temp dir (log and locks beside it). */
export function writeRuntime(cluster: ClusterConfig, extra: Partial<HookRuntime> = {}): RuntimeFiles {
  const dir = mkdtempSync(join(tmpdir(), 'citc-hook-'));
  const logFile = join(dir, 'log', 'hooks.log');
  const runtime: HookRuntime = {
    version: 1,
    cluster,
    imageId: cluster.provider.kind === 'aws' ? 'ami-0123456789abcdef0' : 'projects/p/global/images/citc-compute',
    paths: { scontrol: SCONTROL, logFile, lockDir: join(dir, 'locks') },
    log: { format: 'json' },
    ...(cluster.provider.kind === 'aws'
      ? {
          aws: {
            subnetIdsByZone: Object.fromEntries(cluster.provider.zones.map((z) => [z, `subnet-${z}`])),
            securityGroupIds: ['sg-1'],
          },
        }
      : { gcp: { network: 'citc-net', subnetwork: 'citc-subnet', diskGb: 20 } }),
    ...extra,
  };
  const runtimePath = join(dir, 'runtime.json');
  writeFileSync(runtimePath, JSON.stringify(runtime));
  return { dir, runtimePath, logFile, runtime };
}

/**
 * Runs one hook as a child process with the environment Slurm gives it: SLURM_CONF (and
 * SLURM_RESUME_FILE), no PATH. Cloud credentials for the loopback fake come from `cloudEnv`.
 */
export function runHook(
  kind: HookKind,
  files: RuntimeFiles,
  hostlist: string,
  env: Record<string, string>,
  opts: { bundleDir?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<HookRun> {
  const entry = opts.bundleDir ? [join(opts.bundleDir, `${kind}.mjs`)] : ['--import', 'tsx', HOOK_SOURCES[kind]];
  const started = Date.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [...entry, '--runtime', files.runtimePath, hostlist], {
      env,
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    opts.onSpawn?.(child);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveRun({ code: code ?? -1, signal, stderr, ms: Date.now() - started }));
  });
}

export interface LogRecord {
  ts: string;
  level: string;
  hook: string;
  pid: number;
  event: string;
  [k: string]: unknown;
}

export function readLog(files: RuntimeFiles): LogRecord[] {
  let text = '';
  try {
    text = readFileSync(files.logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord);
}

/** The last outcome logged per node. */
export function nodeOutcomes(files: RuntimeFiles): Map<string, LogRecord> {
  const m = new Map<string, LogRecord>();
  for (const r of readLog(files)) if (r.event === 'node') m.set(String(r.node), r);
  return m;
}
