import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import type { ClusterState, ImageRecord } from '../core/state.js';
import { loadClusterState } from '../deploy/deploy.js';
import { managementHostName } from '../render/slurm-conf.js';
import { statePath } from '../state/file.js';
import type { ManagementInstance, StatusCloud } from './cloud/types.js';
import { knownHostsOf, loginKeyOf, managementTarget, runRemote } from './remote.js';

/** Where the management node runs `citc nodes` (installed by the hooks role). */
export const NODES_COMMAND = ['/opt/citc/bin/nodes', '--json'];

/** `/opt/citc/bin/nodes --json`: every node with its Slurm and cloud state, and counts. */
export interface NodesReport {
  nodes: Record<string, unknown>[];
  summary: Record<string, unknown>;
}

export interface ClusterStatus {
  cluster: string;
  provider: string;
  region: string;
  stateFile: string;
  /** When the last deploy applied; absent: never deployed from this work dir. */
  appliedAt?: string;
  management: {
    name: string;
    /** From the cloud; absent when the cloud has no management node of this cluster. */
    instance?: ManagementInstance;
    /** The address deploy recorded (what ssh and Ansible use); differs from instance.publicIp after a stop/start. */
    recordedAddress?: string;
    error?: string;
  };
  image: { current?: ImageRecord; previous: ImageRecord[] };
  /** Compute instances the cloud has for this cluster, by state and by type. */
  compute: { total: number; byState: Record<string, number>; byType: Record<string, number>; error?: string };
  /** From `citc nodes` on the management node; `error` says why not when it could not be read. */
  nodes?: NodesReport | { error: string };
  /** What bills now, one line each. */
  billing: string[];
}

export interface StatusOptions {
  config: ClusterConfig;
  workDir: string;
  cloud: StatusCloud;
  /** Ask the management node for `citc nodes --json` over ssh (false: --no-nodes). */
  nodes?: boolean;
  sshKeyFile?: string;
  env?: NodeJS.ProcessEnv;
  /** For tests: the ssh port of the management node. */
  sshPort?: number;
}

const message = (err: unknown) =>
  err instanceof CitcError ? err.toLine() : ((err as Error).message.split('\n')[0] ?? '');

/** Pure: what bills now, from what the cloud said. */
export function billingLines(config: ClusterConfig, status: Omit<ClusterStatus, 'billing'>): string[] {
  const out: string[] = [];
  const m = status.management.instance;
  if (m) {
    const running = /^(running|RUNNING|pending|PROVISIONING|STAGING)$/.test(m.state);
    out.push(
      running
        ? `management node ${m.name}: ${m.machineType}, ${m.state}`
        : `management node ${m.name}: ${m.state}, so its machine does not bill`,
    );
    out.push(
      `its ${config.management.diskGb} GB boot disk${m.publicIp ? ` and its public address ${m.publicIp}` : ''}`,
    );
  }
  if (status.appliedAt) {
    const s = config.storage;
    out.push(
      s.kind === 'nfs'
        ? `shared disk: ${s.sizeGb} GB`
        : `shared storage: ${s.kind}${s.kind === 'filestore' ? `, ${s.sizeGb} GB provisioned` : ', by the GB stored'}`,
    );
  }
  const types = Object.entries(status.compute.byType);
  if (types.length > 0) {
    out.push(`compute instances: ${types.map(([t, n]) => `${n} × ${t}`).join(', ')}`);
  } else if (!status.compute.error) out.push('compute instances: none');
  return out;
}

/** The cluster as the state file, the cloud and (over ssh) Slurm see it. A failing part is reported, not fatal. */
export async function collectStatus(opts: StatusOptions): Promise<ClusterStatus> {
  const { config, workDir, cloud } = opts;
  const state: ClusterState | undefined = await loadClusterState(config, workDir);
  const status: Omit<ClusterStatus, 'billing'> = {
    cluster: config.name,
    provider: config.provider.kind,
    region: config.provider.region,
    stateFile: statePath(workDir),
    management: { name: managementHostName(config.name) },
    image: { ...(state?.image?.current && { current: state.image.current }), previous: state?.image?.previous ?? [] },
    compute: { total: 0, byState: {}, byType: {} },
  };
  if (state?.deploy?.appliedAt) status.appliedAt = state.deploy.appliedAt;
  const recorded = state?.deploy?.outputs?.management_public_ip;
  if (typeof recorded === 'string') status.management.recordedAddress = recorded;

  try {
    const m = await cloud.managementInstance();
    if (m) status.management.instance = m;
  } catch (err) {
    status.management.error = message(err);
  }
  try {
    const { createCloudAdapter } = await import('../cloud/factory.js');
    const adapter = await createCloudAdapter({ cluster: config }, { budgetMs: 20_000 });
    // The cluster's tag is on the management node too: compute instances are the ones serving a node.
    const compute = (await adapter.list()).filter((i) => i.node && i.name !== status.management.name);
    status.compute.total = compute.length;
    for (const i of compute) {
      status.compute.byState[i.state] = (status.compute.byState[i.state] ?? 0) + 1;
      status.compute.byType[i.instanceType] = (status.compute.byType[i.instanceType] ?? 0) + 1;
    }
  } catch (err) {
    status.compute.error = message(err);
  }
  if (opts.nodes !== false) status.nodes = await readNodes(opts, state);
  return { ...status, billing: billingLines(config, status) };
}

async function readNodes(
  opts: StatusOptions,
  state: ClusterState | undefined,
): Promise<NodesReport | { error: string }> {
  try {
    const target = {
      ...managementTarget(opts.config, state),
      ...(opts.sshPort !== undefined && { port: opts.sshPort }),
    };
    const keyFile = loginKeyOf(opts.workDir, opts.sshKeyFile);
    const r = await runRemote(target, NODES_COMMAND, {
      knownHosts: knownHostsOf(opts.workDir),
      connectTimeoutS: 10,
      timeoutMs: 60_000,
      ...(keyFile && { keyFile }),
      ...(opts.env && { env: opts.env }),
    });
    if (r.exitCode !== 0) {
      return {
        error: `ssh ${target.user}@${target.host} ${NODES_COMMAND.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}`,
      };
    }
    const parsed = JSON.parse(r.stdout) as NodesReport;
    if (!Array.isArray(parsed.nodes)) return { error: `${NODES_COMMAND[0]} printed no node list` };
    return parsed;
  } catch (err) {
    return { error: message(err) };
  }
}

/** The report a person reads. */
export function formatStatus(s: ClusterStatus): string[] {
  const m = s.management;
  const lines = [
    `Cluster ${s.cluster} on ${s.provider} (${s.region}); ${s.appliedAt ? `last deployed ${s.appliedAt}` : 'not deployed from here'} (${s.stateFile}).`,
  ];
  if (m.instance) {
    const i = m.instance;
    lines.push(
      `Management node ${i.name} (${i.id}): ${i.state}, ${i.machineType} in ${i.zone}, public ${i.publicIp ?? 'none'}, private ${i.privateIp ?? 'none'}.`,
    );
    if (m.recordedAddress && i.publicIp && m.recordedAddress !== i.publicIp)
      lines.push(`  The recorded address ${m.recordedAddress} is stale: run \`citc deploy\` to record ${i.publicIp}.`);
  } else {
    lines.push(`Management node ${m.name}: ${m.error ? `unknown (${m.error})` : 'not found in the cloud'}.`);
  }
  lines.push(
    s.image.current
      ? `Compute image: ${s.image.current.id} (built ${s.image.current.builtAt}); ${s.image.previous.length} earlier.`
      : 'Compute image: none yet. No job can run before `citc image rebuild`.',
  );
  const c = s.compute;
  lines.push(
    c.error
      ? `Compute instances: unknown (${c.error}).`
      : `Compute instances: ${c.total}${
          c.total
            ? ` (${Object.entries(c.byState)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ')})`
            : ''
        }.`,
  );
  if (s.nodes && 'error' in s.nodes) lines.push(`Slurm nodes: not read (${s.nodes.error}).`);
  else if (s.nodes) {
    const counts = Object.entries(s.nodes.summary).map(([k, v]) =>
      typeof v === 'number' ? `${v} ${k}` : `${k}: ${JSON.stringify(v)}`,
    );
    lines.push(`Slurm nodes: ${s.nodes.nodes.length}${counts.length ? ` (${counts.join(', ')})` : ''}.`);
  }
  lines.push('Billing now:', ...s.billing.map((b) => `  ${b}`));
  return lines;
}
