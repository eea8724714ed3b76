import { createHash, randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
// Deep imports: the package index loads every API version and 30 MB of generated code (about 1.2 s, 270 MB).
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { CitcError, ExitCode } from '../../core/errors.js';
import { instanceName, type NodeName, TAG } from '../../core/naming.js';
import { chunk } from '../../core/plan/batch-limits.js';
import type { GcpLaunchSettings } from '../../core/runtime.js';
import { isLoopbackEndpoint } from '../endpoint.js';
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
import { BATCH_MAX_CALLS, BATCH_PATH, type BatchCall, type BatchReply, decodeBatch, encodeBatch } from './batch.js';
import { computeClientOptions } from './client-options.js';
import { batchPartError, type GceErrorInfo, gceError, isNotFound, isRetryable, launchFailureKind } from './errors.js';

type IInstance = protos.google.cloud.compute.v1.IInstance;
type IOperation = protos.google.cloud.compute.v1.IOperation;
/**
 * What became of one call sent through the batch endpoint: its reply, its own error, or the batch
 * request's (`rejected`: the request itself was refused, so a 404 there says nothing about the call).
 */
type BatchOutcome =
  | { body: unknown }
  | { failure: GceErrorInfo }
  | { rejected: GceErrorInfo }
  | { outOfTime: CloudBudgetError };

/** Batch requests in flight at once (each carries up to 1000 calls). */
const BATCH_CONCURRENCY = 4;
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
  private readonly batchUrl: string;

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
    this.batchUrl = `${provider.endpoint ? new URL(provider.endpoint).origin : 'https://compute.googleapis.com'}${BATCH_PATH}`;
    const loopback =
      (opts.credentials ?? (isLoopbackEndpoint(provider.endpoint) ? 'loopback' : 'default')) === 'loopback';
    const clientOpts = computeClientOptions(provider.endpoint, loopback);
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
  private call<T>(operation: string, count: number, fn: (timeoutMs: number) => Promise<T>): Promise<T> {
    return callWithRetry(
      operation,
      count,
      (ms) => withTimeout(fn(ms), ms, operation),
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
        // The async iterator pages on its own; autoPaginate (gax's default) only adds a warning on stderr.
        { ...NO_GAX_RETRY, autoPaginate: false },
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
   * The client library has no batch calls: the batch endpoint is spoken here, through the client's own
   * auth (its token refresh included). The outer request is retried like any call (throttled, 5xx, no
   * reply); a reply that is not a well-formed batch response throws.
   */
  private async sendBatch(calls: BatchCall[], timeoutMs: number): Promise<(BatchReply | undefined)[]> {
    const boundary = `citc_batch_${randomUUID()}`;
    const res = await this.instances.auth.request<string>({
      url: this.batchUrl,
      method: 'POST',
      headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      data: encodeBatch(calls, boundary),
      responseType: 'text',
      validateStatus: () => true,
      // Only frees the socket after withTimeout (in call) has given up on the reply.
      signal: AbortSignal.timeout(Math.max(1, timeoutMs) + 1000),
    });
    const text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    if (res.status < 200 || res.status >= 300)
      throw Object.assign(new Error(text.trim() || `HTTP ${res.status}`), { response: { status: res.status } });
    return decodeBatch(res.headers.get('content-type') ?? '', text, calls.length);
  }

  /**
   * Runs `calls` through the batch endpoint, 1000 to a request (BATCH_CONCURRENCY requests at once);
   * the calls the API throttled or failed transiently (their own part's 403 rateLimitExceeded, 429, 5xx)
   * are sent again in the next round, with backoff, while the time left allows. One outcome per call.
   */
  private async batch(operation: string, calls: BatchCall[]): Promise<BatchOutcome[]> {
    const out: BatchOutcome[] = new Array(calls.length);
    const end = Math.min(Date.now() + this.policy.budgetMs, this.policy.deadlineMs ?? Number.POSITIVE_INFINITY);
    let todo = calls.map((_, i) => i);
    for (let round = 0; todo.length > 0; round++) {
      const again: number[] = [];
      let last: GceErrorInfo | undefined;
      await forEachLimit(chunk(todo, BATCH_MAX_CALLS), BATCH_CONCURRENCY, async (part) => {
        let replies: (BatchReply | undefined)[];
        try {
          replies = await this.call(operation, part.length, (ms) =>
            this.sendBatch(
              part.map((i) => calls[i] as BatchCall),
              ms,
            ),
          );
        } catch (err) {
          const outcome: BatchOutcome =
            err instanceof CloudBudgetError ? { outOfTime: err } : { rejected: gceError(err) };
          for (const i of part) out[i] = outcome;
          return;
        }
        part.forEach((i, k) => {
          const r = replies[k];
          const info = r
            ? batchPartError(r.status, r.body)
            : { code: 'MissingBatchPart', message: 'the batch response has no part for this call', status: 503 };
          if (r && r.status >= 200 && r.status < 300) out[i] = { body: r.body };
          else if (isRetryable(info)) {
            again.push(i);
            last = info;
          } else out[i] = { failure: info };
        });
      });
      if (again.length === 0 || !last) break;
      const code = last.code;
      this.opts.onApiCall?.({ operation, count: again.length, ms: 0, errorCode: code });
      const wait = Math.random() * Math.min(this.policy.capMs, this.policy.baseMs * 2 ** round);
      if (Date.now() + wait >= end) {
        const err = new CloudBudgetError(
          'CLOUD_THROTTLED',
          `${operation} was throttled (${code}) in batch requests until the time left ran out`,
          operation,
          code,
        );
        for (const i of again) out[i] = { outOfTime: err };
        break;
      }
      await sleep(wait);
      todo = again;
    }
    return out;
  }

  private instancePath(zone: string, name: string): string {
    return `/compute/v1/projects/${encodeURIComponent(this.project)}/zones/${encodeURIComponent(zone)}/instances/${encodeURIComponent(name)}`;
  }

  /**
   * Sends every delete through the batch endpoint (1000 to a request), then waits for the delete
   * operations the same way (operations.wait, batched), within the time left. Gone already (404, or the
   * operation says RESOURCE_NOT_FOUND) counts as terminated; so does a delete still running at the
   * deadline (accepted: waitGone reports it).
   */
  async terminate(instances: CloudInstance[]): Promise<TerminateResult> {
    const result: TerminateResult = { terminated: [], failed: [] };
    const fail = (inst: CloudInstance, code: string, message: string): void => {
      result.failed.push({ id: inst.id, code, message });
    };
    const targets = await this.withZones(instances);
    const deletes = await this.batch(
      'instances.delete',
      targets.map((i) => ({ method: 'DELETE', path: this.instancePath(i.zone, i.id) })),
    );
    let running: { inst: CloudInstance; op: IOperation }[] = [];
    deletes.forEach((o, k) => {
      const inst = targets[k] as CloudInstance;
      if ('outOfTime' in o) fail(inst, o.outOfTime.cloudCode, o.outOfTime.message);
      else if ('rejected' in o) fail(inst, o.rejected.code, o.rejected.message);
      else if ('failure' in o) {
        if (isNotFound(o.failure)) result.terminated.push(inst.id);
        else fail(inst, o.failure.code, o.failure.message);
      } else running.push({ inst, op: o.body as IOperation });
    });
    const until = Math.min(Date.now() + this.policy.budgetMs, this.policy.deadlineMs ?? Number.POSITIVE_INFINITY);
    while (running.length > 0) {
      for (const { inst, op } of running.filter((r) => r.op.status === 'DONE')) {
        const e = op.error?.errors?.[0];
        if (!e || e.code === 'RESOURCE_NOT_FOUND') result.terminated.push(inst.id);
        else fail(inst, e.code ?? 'OPERATION_ERROR', e.message ?? '');
      }
      running = running.filter((r) => r.op.status !== 'DONE');
      // Out of time with deletes under way: accepted, waitGone says whether they are gone.
      if (running.length > 0 && Date.now() >= until) {
        for (const { inst } of running) result.terminated.push(inst.id);
        break;
      }
      if (running.length === 0) break;
      const waits = await this.batch(
        'zoneOperations.wait',
        running.map(({ inst, op }) => ({
          method: 'POST',
          path: `/compute/v1/projects/${encodeURIComponent(this.project)}/zones/${encodeURIComponent(inst.zone)}/operations/${encodeURIComponent(op.name ?? '')}/wait`,
        })),
      );
      const next: typeof running = [];
      waits.forEach((o, k) => {
        const r = running[k] as (typeof running)[number];
        if ('outOfTime' in o) result.terminated.push(r.inst.id);
        else if ('failure' in o || 'rejected' in o) {
          const info = 'failure' in o ? o.failure : o.rejected;
          fail(r.inst, info.code, info.message);
        } else next.push({ inst: r.inst, op: o.body as IOperation });
      });
      running = next;
    }
    return result;
  }

  /**
   * Unique by zone and name: two instances of one name in two zones (one still STOPPING) are two.
   * An instance known only by name (no zone) is looked up in the cluster's listing, in every zone it
   * is found in; one found nowhere is gone (tried in the first zone, where a 404 says so).
   */
  private async withZones(instances: CloudInstance[]): Promise<CloudInstance[]> {
    let resolved = instances;
    if (instances.some((i) => !i.zone)) {
      const byName = new Map<string, CloudInstance[]>();
      for (const i of await this.list()) byName.set(i.id, [...(byName.get(i.id) ?? []), i]);
      resolved = instances.flatMap((i) =>
        i.zone ? [i] : (byName.get(i.id) ?? [{ ...i, zone: this.zones[0] as string }]),
      );
    }
    return [...new Map(resolved.map((i) => [zoneKey(i), i])).values()];
  }

  async waitGone(instances: CloudInstance[], deadlineMs: number): Promise<CloudInstance[]> {
    let pending = instances;
    const zones = () => [...new Set(pending.map((i) => i.zone).filter(Boolean))];
    for (;;) {
      if (pending.length === 0) return [];
      // By zone and name; an instance known only by name is live while its name is anywhere.
      const live = new Set<string>();
      try {
        for (const zone of zones().length ? zones() : this.zones)
          for (const i of await this.listZone(zone)) live.add(zoneKey(i)).add(i.id);
      } catch (err) {
        // Out of time (or throttled to it): what is not confirmed gone is reported as still there.
        if (err instanceof CloudBudgetError) return pending;
        throw err;
      }
      pending = pending.filter((p) => live.has(p.zone ? zoneKey(p) : p.id));
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

/** Zone and name: what tells one GCE instance from another (names are unique only within a zone). */
function zoneKey(i: Pick<CloudInstance, 'zone' | 'id'>): string {
  return `${i.zone}/${i.id}`;
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
