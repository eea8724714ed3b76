import { InstancesClient, type protos, ZoneOperationsClient } from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { CitcError, ExitCode } from '../../core/errors.js';
import { instanceName, type NodeName, TAG } from '../../core/naming.js';
import type { GcpLaunchSettings, HookRuntime } from '../../core/runtime.js';
import { callWithRetry, DEFAULT_RETRY, type RetryPolicy, sleep } from '../retry.js';
import type {
  CloudAdapter,
  CloudAdapterOptions,
  CloudInstance,
  InstanceState,
  LaunchBatch,
  LaunchResult,
  TerminateResult,
} from '../types.js';
import { gceError, isNotFound, isRetryable, launchFailureKind } from './errors.js';

type IInstance = protos.google.cloud.compute.v1.IInstance;
type IOperation = protos.google.cloud.compute.v1.IOperation;

const DELETE_CONCURRENCY = 16;
const LIST_PAGE = 500;
// gax retries some calls on its own; ours are bounded by the caller's budget instead.
const NO_GAX_RETRY = { retry: null } as const;

export class GcpAdapter implements CloudAdapter {
  readonly provider = 'gcp' as const;
  private readonly instances: InstancesClient;
  private readonly operations: ZoneOperationsClient;
  private readonly cluster: string;
  private readonly project: string;
  private readonly settings: GcpLaunchSettings;
  private readonly policy: RetryPolicy;

  constructor(
    private readonly runtime: HookRuntime,
    private readonly opts: CloudAdapterOptions = {},
  ) {
    const { provider, name } = runtime.cluster;
    if (!runtime.gcp || !provider.project) {
      throw new CitcError('CLOUD_CONFIG', 'runtime has no gcp launch settings or provider.project', {
        subject: name,
        remedy: 'Set provider.project in citc.yaml and run `citc deploy` so runtime.json is rendered again.',
        exitCode: ExitCode.usage,
      });
    }
    this.cluster = name;
    this.project = provider.project;
    this.settings = runtime.gcp;
    this.policy = {
      ...DEFAULT_RETRY,
      ...(opts.budgetMs !== undefined && { budgetMs: opts.budgetMs }),
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

  private call<T>(operation: string, count: number, fn: () => Promise<T>): Promise<T> {
    return callWithRetry(
      operation,
      count,
      fn,
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
    const out: CloudInstance[] = [];
    for (const zone of this.zones) out.push(...(await this.listZone(zone)));
    if (!nodes) return out;
    const wanted = new Set<string>(nodes);
    return out.filter((i) => wanted.has(i.node));
  }

  private async listZone(zone: string): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    let pageToken: string | undefined;
    do {
      const [items, , raw] = await this.call('instances.list', 1, () =>
        this.instances.list(
          {
            project: this.project,
            zone,
            filter: `labels.${TAG.gcp.cluster} = "${this.cluster}"`,
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
    let opError: { code: string; message: string } | undefined;
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
      const op = await this.waitOperation(batch.zone, (lro as { latestResponse: IOperation }).latestResponse);
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
    // The operation reports counts, not names: the zone's listing says which nodes exist.
    const wanted = new Set(batch.nodes as string[]);
    const launched = (await this.listZone(batch.zone)).filter((i) => wanted.has(i.node) && i.state !== 'stopping');
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
            opError?.message ?? `bulkInsert created ${launched.length} of ${batch.nodes.length} ${batch.instanceType} in ${batch.zone}`,
          kind: opError ? launchFailureKind(code) : 'capacity',
        })),
    };
  }

  /** Waits for a zonal operation with operations.wait (returns when DONE or after ~2 min), repeated up to the budget. */
  private async waitOperation(zone: string, op: IOperation): Promise<IOperation> {
    const until = Date.now() + this.policy.budgetMs;
    let cur = op;
    while (cur.status !== 'DONE') {
      if (Date.now() > until) {
        throw new CitcError('CLOUD_OPERATION_TIMEOUT', `operation ${cur.name} did not finish within ${this.policy.budgetMs} ms`, {
          subject: zone,
          remedy: 'Check the operation in the console; the hook will see its instances on the next run.',
        });
      }
      const [next] = await this.call('zoneOperations.wait', 1, () =>
        this.operations.wait({ project: this.project, zone, operation: cur.name ?? '' }, NO_GAX_RETRY),
      );
      cur = next;
    }
    return cur;
  }

  async terminate(instances: CloudInstance[]): Promise<TerminateResult> {
    const result: TerminateResult = { terminated: [], failed: [] };
    const queue = await this.withZones(instances);
    const worker = async () => {
      for (let i = queue.shift(); i; i = queue.shift()) {
        const inst = i;
        try {
          await this.call('instances.delete', 1, () =>
            this.instances.delete({ project: this.project, zone: inst.zone, instance: inst.id }, NO_GAX_RETRY),
          );
          result.terminated.push(inst.id);
        } catch (err) {
          if (err instanceof CitcError) {
            result.failed.push({
              id: inst.id,
              code: err.code,
              message: err.message,
            });
            continue;
          }
          const info = gceError(err);
          if (isNotFound(info)) result.terminated.push(inst.id);
          else
            result.failed.push({
              id: inst.id,
              code: info.code,
              message: info.message,
            });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
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
      for (const zone of zones().length ? zones() : this.zones) for (const i of await this.listZone(zone)) live.add(i.id);
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
