import type { ClusterConfig } from './config/types.js';
import { CitcError, ExitCode } from './errors.js';
import type { ClusterState } from './state.js';

/**
 * Everything the power-save hooks need, in one JSON file installed on the management node
 * (default /etc/citc/runtime.json). Rendered by citc from citc.yaml + the deploy state, so the hooks
 * neither parse YAML nor call terraform at start-up. Every path is absolute: Slurm passes no PATH.
 */
export interface HookRuntime {
  version: 1;
  cluster: ClusterConfig;
  /** Image the compute nodes boot from (from `citc image rebuild`). */
  imageId: string;
  aws?: AwsLaunchSettings;
  gcp?: GcpLaunchSettings;
  paths: HookPaths;
  log: { format: 'text' | 'json' };
}

export interface AwsLaunchSettings {
  /** One subnet per configured zone. */
  subnetIdsByZone: Record<string, string>;
  securityGroupIds: string[];
  /** Launch template made by infra (IMDSv2, encrypted disk, user data); optional in tests. */
  launchTemplateId?: string;
  instanceProfileArn?: string;
}

export interface GcpLaunchSettings {
  /** Self links or names. */
  network: string;
  subnetwork: string;
  serviceAccountEmail?: string;
  /** Boot disk size for compute nodes. */
  diskGb: number;
}

export interface HookPaths {
  /** Absolute path of scontrol (e.g. /usr/bin/scontrol). */
  scontrol: string;
  /** The hooks' log file (Slurm discards their output). */
  logFile: string;
  /** Directory for the hooks' lock files. */
  lockDir: string;
  /**
   * Directory for what must outlive a run (the capacity deny-list, reconcile's return counts). Absent
   * in runtimes rendered before it existed: then `state` beside lockDir (see stateDirOf).
   */
  stateDir?: string;
}

/** The state directory of these paths. */
export function stateDirOf(paths: HookPaths): string {
  return paths.stateDir ?? `${paths.lockDir.replace(/\/+$/, '').replace(/\/[^/]*$/, '')}/state`;
}

/** Where the hooks look when the wrapper passes no --runtime. */
export const DEFAULT_RUNTIME_PATH = '/etc/citc/runtime.json';

/** Defaults for the management node's paths (Debian/Rocky put scontrol in /usr/bin). */
export const DEFAULT_HOOK_PATHS: HookPaths = {
  scontrol: '/usr/bin/scontrol',
  logFile: '/var/log/citc/hooks.log',
  lockDir: '/run/citc/locks',
  stateDir: '/var/lib/citc',
};

/**
 * The Terraform output names buildHookRuntime reads from the deploy state. Infra must emit these;
 * lists are in the order of `provider.zones` (subnets) or any order (security groups).
 */
export const RUNTIME_OUTPUTS = {
  awsSubnetIds: 'compute_subnet_ids',
  awsSecurityGroupIds: 'compute_security_group_ids',
  awsLaunchTemplateId: 'compute_launch_template_id',
  awsInstanceProfileArn: 'compute_instance_profile_arn',
  gcpNetwork: 'network',
  gcpSubnetwork: 'subnetwork',
  gcpServiceAccountEmail: 'compute_service_account_email',
} as const;

/**
 * Pure: the runtime.json content for a deployed cluster. Throws a CitcError naming the missing piece
 * (an image that was never built, a Terraform output that is absent) rather than writing a runtime
 * the hooks would fail on later, one node at a time.
 */
export function buildHookRuntime(
  config: ClusterConfig,
  state: ClusterState,
  paths: Partial<HookPaths> = {},
): HookRuntime {
  const imageId = state.image?.current.id ?? config.image.id;
  if (!imageId) {
    throw new CitcError('RUNTIME_NO_IMAGE', 'no compute image is recorded for this cluster', {
      subject: config.name,
      remedy: 'Run `citc image rebuild`, or set image.id in citc.yaml.',
      exitCode: ExitCode.usage,
    });
  }
  const outputs = state.deploy?.outputs ?? {};
  const runtime: HookRuntime = {
    version: 1,
    cluster: config,
    imageId,
    paths: { ...DEFAULT_HOOK_PATHS, ...paths },
    log: { format: config.slurm.hookLogFormat },
  };
  if (config.provider.kind === 'aws') {
    const subnets = list(outputs, RUNTIME_OUTPUTS.awsSubnetIds);
    if (subnets.length !== config.provider.zones.length) {
      throw new CitcError(
        'RUNTIME_OUTPUT_MISSING',
        `Terraform output ${RUNTIME_OUTPUTS.awsSubnetIds} has ${subnets.length} subnets for ${config.provider.zones.length} zones`,
        { subject: config.name, remedy: 'Run `citc deploy` so the outputs are recorded again.' },
      );
    }
    const aws: AwsLaunchSettings = {
      subnetIdsByZone: Object.fromEntries(config.provider.zones.map((z, i) => [z, subnets[i] as string])),
      securityGroupIds: list(outputs, RUNTIME_OUTPUTS.awsSecurityGroupIds),
    };
    const lt = one(outputs, RUNTIME_OUTPUTS.awsLaunchTemplateId);
    const profile = one(outputs, RUNTIME_OUTPUTS.awsInstanceProfileArn);
    if (lt) aws.launchTemplateId = lt;
    if (profile) aws.instanceProfileArn = profile;
    runtime.aws = aws;
  } else {
    const network = one(outputs, RUNTIME_OUTPUTS.gcpNetwork);
    const subnetwork = one(outputs, RUNTIME_OUTPUTS.gcpSubnetwork);
    if (!network || !subnetwork) {
      throw new CitcError(
        'RUNTIME_OUTPUT_MISSING',
        `Terraform outputs ${RUNTIME_OUTPUTS.gcpNetwork} and ${RUNTIME_OUTPUTS.gcpSubnetwork} are required`,
        { subject: config.name, remedy: 'Run `citc deploy` so the outputs are recorded again.' },
      );
    }
    const gcp: GcpLaunchSettings = { network, subnetwork, diskGb: config.management.diskGb };
    const sa = one(outputs, RUNTIME_OUTPUTS.gcpServiceAccountEmail);
    if (sa) gcp.serviceAccountEmail = sa;
    runtime.gcp = gcp;
  }
  return runtime;
}

function list(outputs: Record<string, string | string[]>, key: string): string[] {
  const v = outputs[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function one(outputs: Record<string, string | string[]>, key: string): string | undefined {
  const v = outputs[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A cheap shape check of a parsed runtime.json: enough that the hooks fail with one clear line
 * (exit 2) instead of a TypeError deep inside planning. Returns the problem, or undefined.
 */
export function checkHookRuntime(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return 'not a JSON object';
  const r = raw as Partial<HookRuntime>;
  if (r.version !== 1) return `version is ${JSON.stringify(r.version)}, expected 1`;
  if (typeof r.imageId !== 'string' || r.imageId === '') return 'imageId is missing';
  const c = r.cluster;
  if (!c || typeof c.name !== 'string') return 'cluster.name is missing';
  if (!c.provider || (c.provider.kind !== 'aws' && c.provider.kind !== 'gcp'))
    return 'cluster.provider.kind is not aws or gcp';
  if (!Array.isArray(c.provider.zones) || c.provider.zones.length === 0) return 'cluster.provider.zones is empty';
  if (!Array.isArray(c.partitions)) return 'cluster.partitions is not a list';
  for (const [i, p] of c.partitions.entries()) {
    if (!p || typeof p.name !== 'string' || !Array.isArray(p.shapes)) return `cluster.partitions[${i}] is malformed`;
    for (const [j, s] of p.shapes.entries()) {
      if (!s || typeof s.name !== 'string' || !Array.isArray(s.instanceTypes) || typeof s.maxNodes !== 'number') {
        return `cluster.partitions[${i}].shapes[${j}] is malformed`;
      }
    }
  }
  if (!c.slurm || typeof c.slurm.resumeTimeout !== 'number') return 'cluster.slurm.resumeTimeout is missing';
  const p = r.paths;
  if (!p) return 'paths is missing';
  for (const k of ['scontrol', 'logFile', 'lockDir'] as const) {
    if (typeof p[k] !== 'string' || !p[k].startsWith('/')) return `paths.${k} must be an absolute path`;
  }
  if (p.stateDir !== undefined && (typeof p.stateDir !== 'string' || !p.stateDir.startsWith('/')))
    return 'paths.stateDir must be an absolute path';
  if (c.provider.kind === 'aws' && !r.aws) return 'aws settings are missing for an aws cluster';
  if (c.provider.kind === 'gcp' && !r.gcp) return 'gcp settings are missing for a gcp cluster';
  return undefined;
}
