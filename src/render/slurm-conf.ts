import type { ClusterConfig, ShapeConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import { nodeName, shapeHostlist } from '../core/naming.js';
import { renderTemplate } from './template-dir.js';

/**
 * Where the Slurm daemons and citc's hooks live on the management node. The defaults are those of
 * the real cluster (the Ansible roles install to these paths); the end-to-end test overrides them to
 * run everything under one temporary directory on one machine.
 */
export interface SlurmConfOptions {
  /** SlurmctldHost: the management node's host name and, optionally, its address. */
  controller: { host: string; addr?: string };
  slurmctldPort: number;
  slurmdPort: number;
  slurmUser: string;
  slurmdUser: string;
  hooks: { resume: string; suspend: string; resumeFail: string };
  paths: {
    stateSaveLocation: string;
    slurmdSpoolDir: string;
    slurmctldPidFile: string;
    slurmdPidFile: string;
    slurmctldLogFile: string;
    slurmdLogFile: string;
    jobCompLoc: string;
  };
  /** proctrack/task cgroup plugins (the real nodes); false for a test without a cgroup hierarchy. */
  cgroups: boolean;
  /** Per-node NodeAddr/Port, for several slurmd on one machine. Only given nodes get the keys. */
  nodes: Record<string, { addr?: string; port?: number }>;
  /** Nodes never powered down. The management node runs no slurmd, so it is none by default. */
  suspendExcNodes: string[];
  slurmctldDebug: 'error' | 'info' | 'verbose' | 'debug' | 'debug2';
  /** e.g. ['Power'] to log every wake and sleep decision. */
  debugFlags: string[];
}

export const DEFAULT_HOOK_BIN = {
  resume: '/opt/citc/bin/resume',
  suspend: '/opt/citc/bin/suspend',
  resumeFail: '/opt/citc/bin/resume-fail',
} as const;

/** The management node's host name on the real cluster (the common role sets it). */
export function managementHostName(cluster: string): string {
  return `${cluster}-mgmt`;
}

export function defaultSlurmConfOptions(config: ClusterConfig): SlurmConfOptions {
  return {
    controller: { host: managementHostName(config.name) },
    slurmctldPort: 6817,
    slurmdPort: 6818,
    slurmUser: 'slurm',
    slurmdUser: 'root',
    hooks: { ...DEFAULT_HOOK_BIN },
    paths: {
      stateSaveLocation: '/var/spool/slurmctld',
      slurmdSpoolDir: '/var/spool/slurmd',
      slurmctldPidFile: '/run/slurmctld.pid',
      slurmdPidFile: '/run/slurmd.pid',
      slurmctldLogFile: '/var/log/slurm/slurmctld.log',
      slurmdLogFile: '/var/log/slurm/slurmd.log',
      jobCompLoc: '/var/log/slurm/jobcomp.log',
    },
    cgroups: true,
    nodes: {},
    suspendExcNodes: [],
    slurmctldDebug: 'info',
    debugFlags: [],
  };
}

/** Options with a partial override: nested objects are merged one level deep. */
export type SlurmConfOverrides = Partial<Omit<SlurmConfOptions, 'hooks' | 'paths' | 'controller'>> & {
  controller?: Partial<SlurmConfOptions['controller']>;
  hooks?: Partial<SlurmConfOptions['hooks']>;
  paths?: Partial<SlurmConfOptions['paths']>;
};

export function slurmConfOptions(config: ClusterConfig, overrides: SlurmConfOverrides = {}): SlurmConfOptions {
  const d = defaultSlurmConfOptions(config);
  return {
    ...d,
    ...overrides,
    controller: { ...d.controller, ...overrides.controller },
    hooks: { ...d.hooks, ...overrides.hooks },
    paths: { ...d.paths, ...overrides.paths },
  };
}

export interface RenderedSlurmFiles {
  'slurm.conf': string;
  'cgroup.conf': string;
  /** Only when some shape has GPUs. */
  'gres.conf'?: string;
}

interface NodeLine {
  names: string;
  cpus: number;
  realMemory: number;
  gres: string | null;
  features: string | null;
  addr: string | null;
  port: number | null;
}

function gresOf(shape: ShapeConfig): string | null {
  if (!shape.gpus || shape.gpus.count <= 0) return null;
  return shape.gpus.type ? `gpu:${shape.gpus.type}:${shape.gpus.count}` : `gpu:${shape.gpus.count}`;
}

function nodeLines(partition: string, shape: ShapeConfig, opts: SlurmConfOptions): NodeLine[] {
  const base = {
    cpus: shape.cpus,
    realMemory: shape.memoryMb,
    gres: gresOf(shape),
    features: shape.features.length > 0 ? shape.features.join(',') : null,
  };
  const names = Array.from({ length: shape.maxNodes }, (_, i) => nodeName(partition, shape.name, i + 1));
  const overridden = names.filter((n) => opts.nodes[n]);
  // One line per shape unless a node has its own address/port: then one line per node of the shape.
  if (overridden.length === 0) return [{ ...base, names: shapeHostlist(partition, shape), addr: null, port: null }];
  return names.map((n) => ({
    ...base,
    names: n,
    addr: opts.nodes[n]?.addr ?? null,
    port: opts.nodes[n]?.port ?? null,
  }));
}

function absolute(field: string, path: string): void {
  if (!path.startsWith('/')) {
    throw new CitcError('RENDER_RELATIVE_PATH', `${path} is not an absolute path`, {
      subject: field,
      remedy: 'Slurm starts the power-save programs without a PATH or working directory: give an absolute path.',
      exitCode: ExitCode.usage,
    });
  }
}

/** slurm.conf, cgroup.conf and (with GPUs) gres.conf for a cluster. Pure. */
export function renderSlurmFiles(config: ClusterConfig, opts: SlurmConfOptions): RenderedSlurmFiles {
  for (const [k, v] of Object.entries(opts.hooks)) absolute(`hooks.${k}`, v);
  for (const [k, v] of Object.entries(opts.paths)) absolute(`paths.${k}`, v);
  const known = new Set<string>(
    config.partitions.flatMap((p) =>
      p.shapes.flatMap((s) => Array.from({ length: s.maxNodes }, (_, i) => nodeName(p.name, s.name, i + 1))),
    ),
  );
  for (const n of [...Object.keys(opts.nodes), ...opts.suspendExcNodes]) {
    if (!known.has(n)) {
      throw new CitcError('RENDER_UNKNOWN_NODE', `${n} is not a node of cluster ${config.name}`, {
        subject: n,
        remedy: 'Name nodes as <partition>-<shape>-<index> within the shape’s maxNodes.',
        exitCode: ExitCode.usage,
      });
    }
  }
  const partitions = config.partitions.map((p) => ({
    name: p.name,
    nodes: p.shapes.map((s) => shapeHostlist(p.name, s)).join(','),
    default: p.default ? 'YES' : 'NO',
    maxTime: p.maxTimeMinutes === undefined ? 'UNLIMITED' : String(p.maxTimeMinutes),
    shapes: p.shapes.flatMap((s) => nodeLines(p.name, s, opts)),
  }));
  const gpuShapes = config.partitions.flatMap((p) =>
    p.shapes
      .filter((s) => s.gpus && s.gpus.count > 0)
      .map((s) => {
        const count = s.gpus?.count ?? 0;
        return {
          names: shapeHostlist(p.name, s),
          type: s.gpus?.type ?? null,
          file: count === 1 ? '/dev/nvidia0' : `/dev/nvidia[0-${count - 1}]`,
        };
      }),
  );
  const controller = opts.controller.addr ? `${opts.controller.host}(${opts.controller.addr})` : opts.controller.host;
  const view = {
    cluster: config.name,
    controller,
    opts,
    slurm: config.slurm,
    partitions,
    gres: gpuShapes.length > 0,
    suspendExcNodes: opts.suspendExcNodes.length > 0 ? opts.suspendExcNodes.join(',') : null,
    debugFlags: opts.debugFlags.length > 0 ? opts.debugFlags.join(',') : null,
  };
  const files: RenderedSlurmFiles = {
    'slurm.conf': renderTemplate('slurm.conf.hbs', view),
    'cgroup.conf': renderTemplate('cgroup.conf.hbs', view),
  };
  if (gpuShapes.length > 0) files['gres.conf'] = renderTemplate('gres.conf.hbs', { shapes: gpuShapes });
  return files;
}
