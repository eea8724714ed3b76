import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
// Deep imports: the package index loads every API version and 30 MB of generated code (about 1.2 s, 270 MB).
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { PassThroughClient } from 'google-auth-library';
import { CitcError, ExitCode } from '../../core/errors.js';
import { instanceName, type NodeName, TAG } from '../../core/naming.js';
import type { GcpLaunchSettings } from '../../core/runtime.js';
import { launchLimits } from '../launch-window.js';
import { forEachLimit } from '../pool.js';
import { CloudBudgetError, callWithRetry, DEFAULT_RETRY, type RetryPolicy, sleep, withTimeout } from '../retry.js';
import type {
  CloudAdapter,
  CloudAdapterOptions,
  CloudInstance,
  CloudTarget,
  InstanceState,
  LaunchBatch,
  LaunchResult,
  TerminateResult,
} from '../types.js';
import { gceError, isNotFound, isRetryable, launchFailureKind } from './errors.js';

type IInstance = protos.google.cloud.compute.v1.IInstance;
type IOperation = protos.google.cloud.compute.v1.IOperation;

const DELETE_CONCURRENCY = 16;
/** Label naming the bulkInsert an instance came from, so the call's result is listed without the whole zone. */
const LAUNCH_LABEL = 'citc-launch';
const LIST_PAGE = 500;
// gax retries some calls on its own; ours are bounded by the caller's budget instead.
const NO_GAX_RETRY = { retry: null } as const;

export class GcpAdapter implements CloudAdapter {
  readonly provider = 'gcp' as const;
  private readonly instances: InstancesClient;
  private readonly operations: ZoneOperationsClient;
  private readonly cluster: string;
  private readonly project: string;
  private readonly policy: RetryPolicy;

  constructor(
    private readonly runtime: CloudTarget,
    private readonly opts: CloudAdapterOptions = {},
  ) {
    const { provider, name } = runtime.cluster;
    if (!provider.project) {
      throw new CitcError('CLOUD_CONFIG', 'provider.project is not set', {
        subject: name,
        remedy: 'Set provider.project in citc.yaml and run `citc deploy` so runtime.json is rendered again.',
        exitCode: ExitCode.usage,
      });
    }
    this.cluster = name;
    this.project = provider.project;
    this.policy = {
      ...DEFAULT_RETRY,
      ...(opts.budgetMs !== undefined && { budgetMs: opts.budgetMs }),
      ...(opts.deadlineMs !== undefined && { deadlineMs: opts.deadlineMs }),
    };
    const clientOpts: ConstructorParameters<typeof InstancesClient>[0] = {
      fallback: 'rest',
    };
    if (provider.endpoint) {
      const u = new URL(provider.endpoint);
      clientOpts.apiEndpoint = u.hostname;
      clientOpts.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443));
      (clientOpts as { protocol?: string }).protocol = u.protocol.replace(':', '');
      const loopback = u.hostname === 'localhost' || u.hostname.startsWith('127.');
      // The SDK bundles its own google-auth-library; the instance is duck-typed.
      if ((opts.credentials ?? (loopback ? 'loopback' : 'default')) === 'loopback') {
        clientOpts.authClient = new PassThroughClient() as unknown as typeof clientOpts.authClient;
      }
    }
    this.instances = new InstancesClient(clientOpts);
    this.operations = new ZoneOperationsClient(clientOpts);
  }

  /** Launch settings: only launches need them (list and delete work from the cluster alone). */
  private get settings(): GcpLaunchSettings {
    if (!this.runtime.gcp) {
      throw new CitcError('CLOUD_CONFIG', 'runtime has no gcp launch settings', {
        subject: this.cluster,
        remedy: 'Run `citc deploy` so runtime.json is rendered with the gcp outputs.',
        exitCode: ExitCode.usage,
      });
    }
    return this.runtime.gcp;
  }

  /** The REST fallback has no request timeout: each attempt is cut off when the time left runs out. */
  private call<T>(operation: string, count: number, fn: () => Promise<T>): Promise<T> {
    return callWithRetry(
      operation,
      count,
      (ms) => withTimeout(fn(), ms, operation),
      (err) => {
        const info = gceError(err);
        return { code: info.code, throttled: isRetryable(info) };
      },
      this.policy,
      this.opts.onApiCall,
    );
  }

  private get zones(): string[] {
    return this.runtime.cluster.provider.zones;
  }

  async list(nodes?: NodeName[]): Promise<CloudInstance[]> {
    // Everything of the cluster (destroy): every zone of the project, also zones the config has dropped.
    if (!nodes) return this.listEverywhere();
    const out: CloudInstance[] = [];
    for (const zone of this.zones) out.push(...(await this.listZone(zone)));
    const wanted = new Set<string>(nodes);
    return out.filter((i) => wanted.has(i.node));
  }

  /** The cluster's instances in every zone of the project (instances.aggregatedList, by label, all pages). */
  private listEverywhere(): Promise<CloudInstance[]> {
    return this.call('instances.aggregatedList', 1, async () => {
      const out: CloudInstance[] = [];
      const pages = this.instances.aggregatedListAsync(
        {
          project: this.project,
          filter: `labels.${TAG.gcp.cluster} = "${this.cluster}"`,
          maxResults: LIST_PAGE,
          returnPartialSuccess: true,
        },
        NO_GAX_RETRY,
      );
      for await (const [scope, list] of pages)
        for (const i of list.instances ?? []) out.push(this.toCloudInstance(i, scope.replace(/^zones\//, '')));
      return out;
    });
  }

  /** The cluster's instances in one zone; `launch` narrows it to one bulkInsert's instances by their batch label. */
  private async listZone(zone: string, launchLabel?: string): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    let pageToken: string | undefined;
    do {
      const [items, , raw] = await this.call('instances.list', 1, () =>
        this.instances.list(
          {
            project: this.project,
            zone,
            filter: `labels.${TAG.gcp.cluster} = "${this.cluster}"${launchLabel ? ` AND labels.${LAUNCH_LABEL} = "${launchLabel}"` : ''}`,
            maxResults: LIST_PAGE,
            ...(pageToken && { pageToken }),
          },
          { autoPaginate: false, ...NO_GAX_RETRY },
        ),
      );
      for (const i of items ?? []) out.push(this.toCloudInstance(i, zone));
      pageToken = (raw as { nextPageToken?: string } | undefined)?.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  async launch(batch: LaunchBatch): Promise<LaunchResult> {
    const names = batch.nodes.map((n) => instanceName(this.cluster, n));
    const labels = {
      ...this.runtime.cluster.tags,
      [TAG.gcp.cluster]: this.cluster,
      [TAG.gcp.role]: 'compute',
      'citc-partition': batch.partition,
      'citc-shape': batch.shape.name,
      [LAUNCH_LABEL]: launchLabel(this.cluster, batch),
    };
    const resource: protos.google.cloud.compute.v1.IBulkInsertInstanceResource = {
      count: batch.nodes.length,
      // minCount 1: create as many as fit (partial launch) rather than all or nothing.
      minCount: 1,
      perInstanceProperties: Object.fromEntries(names.map((n) => [n, {}])),
      instanceProperties: {
        machineType: batch.instanceType,
        labels,
        disks: [
          {
            boot: true,
            autoDelete: true,
            initializeParams: {
              sourceImage: this.runtime.imageId,
              diskSizeGb: this.settings.diskGb,
            },
          },
        ],
        // No accessConfigs: no external IP.
        networkInterfaces: [
          {
            network: this.settings.network,
            subnetwork: this.settings.subnetwork,
          },
        ],
        ...(this.settings.serviceAccountEmail && {
          serviceAccounts: [
            {
              email: this.settings.serviceAccountEmail,
              scopes: ['https://www.googleapis.com/auth/cloud-platform'],
            },
          ],
        }),
        scheduling: batch.spot
          ? {
              provisioningModel: 'SPOT',
              instanceTerminationAction: 'DELETE',
              automaticRestart: false,
              onHostMaintenance: 'TERMINATE',
            }
          : { provisioningModel: 'STANDARD' },
        metadata: { items: [{ key: 'citc-cluster', value: this.cluster }] },
      },
    };
    try {
      return await this.launchIn(batch, resource);
    } catch (err) {
      // Out of time: the nodes fail now; instances the operation still creates carry our labels and
      // names, so the SuspendProgram run that POWER_DOWN_FORCE triggers deletes them.
      if (!(err instanceof CloudBudgetError)) throw err;
      const kind = err.code === 'CLOUD_THROTTLED' ? 'throttled' : 'timeout';
      return {
        launched: [],
        failed: batch.nodes.map((node) => ({ node, code: err.cloudCode, message: err.message, kind })),
      };
    }
  }

  private async launchIn(
    batch: LaunchBatch,
    resource: protos.google.cloud.compute.v1.IBulkInsertInstanceResource,
  ): Promise<LaunchResult> {
    let opError: { code: string; message: string } | undefined;
    // Stop waiting for the insert before the run's clean-up tail: resume then lists and deletes what it made.
    const { until } = launchLimits('gcp', this.policy);
    try {
      const [lro] = await this.call('instances.bulkInsert', batch.nodes.length, () =>
        this.instances.bulkInsert(
          {
            project: this.project,
            zone: batch.zone,
            bulkInsertInstanceResourceResource: resource,
          },
          NO_GAX_RETRY,
        ),
      );
      const op = await this.waitOperation(batch.zone, (lro as { latestResponse: IOperation }).latestResponse, until);
      const first = op.error?.errors?.[0];
      if (first)
        opError = {
          code: first.code ?? 'OPERATION_ERROR',
          message: first.message ?? '',
        };
    } catch (err) {
      if (err instanceof CitcError) throw err;
      const info = gceError(err);
      return {
        launched: [],
        failed: batch.nodes.map((node) => ({
          node,
          code: info.code,
          message: info.message,
          kind: launchFailureKind(info.code),
        })),
      };
    }
    // The operation reports counts, not names. The instances it made carry its label: when they are
    // all there (the usual case) one short listing says so; otherwise the zone's listing also shows
    // nodes an earlier, interrupted run created (bulkInsert skipped them as existing): they are ours.
    const wanted = new Set(batch.nodes as string[]);
    // Only an instance that is up counts: bulkInsert also skips a same-name TERMINATED/SUSPENDED one.
    const up = (i: CloudInstance) => i.state === 'pending' || i.state === 'running';
    const live = (list: CloudInstance[]) => list.filter((i) => wanted.has(i.node) && up(i));
    let launched = opError ? [] : live(await this.listZone(batch.zone, launchLabel(this.cluster, batch)));
    if (launched.length < wanted.size) launched = live(await this.listZone(batch.zone));
    const got = new Set(launched.map((i) => i.node));
    const code = opError?.code ?? 'PartialLaunch';
    return {
      launched,
      failed: batch.nodes
        .filter((n) => !got.has(n))
        .map((node) => ({
          node,
          code,
          message:
            opError?.message ??
            `bulkInsert created ${launched.length} of ${batch.nodes.length} ${batch.instanceType} in ${batch.zone}`,
          kind: opError ? launchFailureKind(code) : 'capacity',
        })),
    };
  }

  /**
   * Waits for a zonal operation with operations.wait (the API returns when DONE or after about 2 min),
   * repeated until DONE or the time left runs out (CloudBudgetError, cloud code OperationTimeout).
   */
  private async waitOperation(zone: string, op: IOperation, untilMs = Number.POSITIVE_INFINITY): Promise<IOperation> {
    const until = Math.min(
      untilMs,
      Date.now() + this.policy.budgetMs,
      this.policy.deadlineMs ?? Number.POSITIVE_INFINITY,
    );
    const notDone = (cur: IOperation, cause?: unknown) =>
      new CloudBudgetError(
        'CLOUD_TIME_BUDGET',
        `operation ${cur.name} (${cur.operationType ?? 'operation'} in ${zone}) was not DONE when the time left ran out`,
        `zoneOperations.wait ${zone}`,
        'OperationTimeout',
        cause,
      );
    let cur = op;
    while (cur.status !== 'DONE') {
      if (Date.now() >= until) throw notDone(cur);
      try {
        [cur] = await this.call('zoneOperations.wait', 1, () =>
          this.operations.wait({ project: this.project, zone, operation: cur.name ?? '' }, NO_GAX_RETRY),
        );
      } catch (err) {
        // A wait cut off by the deadline says nothing new about the operation: it is still running.
        if (err instanceof CloudBudgetError && err.code === 'CLOUD_TIME_BUDGET') throw notDone(cur, err);
        throw err;
      }
    }
    return cur;
  }

  /**
   * Sends every delete (at most DELETE_CONCURRENCY in flight), then awaits the delete operations the
   * same way, within the time left. Gone already (404, or the operation says RESOURCE_NOT_FOUND) counts
   * as terminated; so does a delete still running at the deadline (accepted: waitGone reports it).
   */
  async terminate(instances: CloudInstance[]): Promise<TerminateResult> {
    const result: TerminateResult = { terminated: [], failed: [] };
    const fail = (inst: CloudInstance, code: string, message: string): void => {
      result.failed.push({ id: inst.id, code, message });
    };
    const started: { inst: CloudInstance; op: IOperation }[] = [];
    await forEachLimit(await this.withZones(instances), DELETE_CONCURRENCY, async (inst) => {
      try {
        const [lro] = await this.call('instances.delete', 1, () =>
          this.instances.delete({ project: this.project, zone: inst.zone, instance: inst.id }, NO_GAX_RETRY),
        );
        started.push({ inst, op: (lro as { latestResponse: IOperation }).latestResponse });
      } catch (err) {
        if (err instanceof CloudBudgetError) return fail(inst, err.cloudCode, err.message);
        if (err instanceof CitcError) return fail(inst, err.code, err.message);
        const info = gceError(err);
        if (isNotFound(info)) result.terminated.push(inst.id);
        else fail(inst, info.code, info.message);
      }
    });
    await forEachLimit(started, DELETE_CONCURRENCY, async ({ inst, op }) => {
      try {
        const done = await this.waitOperation(inst.zone, op);
        const e = done.error?.errors?.[0];
        if (!e || e.code === 'RESOURCE_NOT_FOUND') result.terminated.push(inst.id);
        else fail(inst, e.code ?? 'OPERATION_ERROR', e.message ?? '');
      } catch (err) {
        if (err instanceof CloudBudgetError) result.terminated.push(inst.id);
        else fail(inst, gceError(err).code, gceError(err).message);
      }
    });
    return result;
  }

  /** Instances known only by name (no zone) are looked up in the cluster's listing; absent ones are gone. */
  private async withZones(instances: CloudInstance[]): Promise<CloudInstance[]> {
    const unique = [...new Map(instances.map((i) => [i.id, i])).values()];
    if (unique.every((i) => i.zone)) return unique;
    const byName = new Map((await this.list()).map((i) => [i.id, i]));
    return unique.map((i) => (i.zone ? i : (byName.get(i.id) ?? { ...i, zone: this.zones[0] as string })));
  }

  async waitGone(instances: CloudInstance[], deadlineMs: number): Promise<CloudInstance[]> {
    let pending = instances;
    const zones = () => [...new Set(pending.map((i) => i.zone).filter(Boolean))];
    for (;;) {
      if (pending.length === 0) return [];
      const live = new Set<string>();
      try {
        for (const zone of zones().length ? zones() : this.zones)
          for (const i of await this.listZone(zone)) live.add(i.id);
      } catch (err) {
        // Out of time (or throttled to it): what is not confirmed gone is reported as still there.
        if (err instanceof CloudBudgetError) return pending;
        throw err;
      }
      pending = pending.filter((p) => live.has(p.id));
      if (pending.length === 0 || Date.now() >= deadlineMs) return pending;
      await sleep(Math.min(this.opts.pollMs ?? 2000, Math.max(0, deadlineMs - Date.now())));
    }
  }

  private toCloudInstance(i: IInstance, zone: string): CloudInstance {
    const name = i.name ?? '';
    const cluster = i.labels?.[TAG.gcp.cluster] ?? this.cluster;
    const node = name.startsWith(`${cluster}-`) ? name.slice(cluster.length + 1) : '';
    const out: CloudInstance = {
      id: name,
      name,
      node,
      cluster,
      zone: i.zone?.split('/').pop() ?? zone,
      instanceType: i.machineType?.split('/').pop() ?? '',
      state: mapStatus(i.status),
    };
    const ip = i.networkInterfaces?.[0]?.networkIP;
    if (ip) out.privateIp = ip;
    if (i.creationTimestamp) out.launchedAt = new Date(i.creationTimestamp);
    return out;
  }
}

function mapStatus(s: string | null | undefined): InstanceState {
  switch (s) {
    case 'PROVISIONING':
    case 'STAGING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'STOPPING':
    case 'SUSPENDING':
      return 'stopping';
    default:
      return 'other';
  }
}

/** Same batch (cluster, nodes, type, zone) → same label value: a GCE label value (≤ 63 of [a-z0-9_-]). */
function launchLabel(cluster: string, batch: Pick<LaunchBatch, 'nodes' | 'instanceType' | 'zone'>): string {
  return createHash('sha256')
    .update(JSON.stringify([cluster, batch.nodes, batch.instanceType, batch.zone]))
    .digest('hex')
    .slice(0, 32);
}
