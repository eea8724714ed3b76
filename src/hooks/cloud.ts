import type { CloudAdapter, CloudAdapterOptions, CloudInstance, CloudTarget } from '../cloud/types.js';
import type { ClusterConfig, ProviderKind, ShapeConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { NodeName } from '../core/naming.js';
import type { BatchOutcome, LiveInstance, PlannedBatch } from '../core/plan/types.js';
import type { HookLogger } from './log.js';

/**
 * The one cloud interface of the hooks, the reconcile pass and `citc destroy`, in the planner's terms
 * (src/core/plan/types.ts). Built by `openCloud` from the provider's adapter (src/cloud/aws, src/cloud/gcp:
 * the SDK drivers, used by nothing else); no caller touches an SDK or an adapter type.
 */
export interface Cloud {
  readonly provider: ProviderKind;
  /**
   * Instances of this cluster that are not terminated: of these nodes, or with no argument every one of
   * the cluster (the management node too: its `node` is ''), in every zone the provider lists.
   */
  list(nodes?: readonly string[]): Promise<LiveInstance[]>;
  /** One launch attempt of one batch in its (type, zone); never throws for a refused launch, only for no cloud. */
  launch(batch: PlannedBatch): Promise<BatchOutcome>;
  /** Terminates by id (ids from `list` or `launch`); already gone counts as terminated. */
  terminate(instanceIds: readonly string[]): Promise<TerminateOutcome>;
  /** Resolves with the ids still present when the deadline (epoch ms) passes; empty: all gone. */
  waitGone(instanceIds: readonly string[], deadline: number): Promise<string[]>;
}

export interface TerminateOutcome {
  terminated: string[];
  failed: { instanceId: string; code: string; message: string }[];
}

export type { CloudTarget };

/**
 * Opens the cluster's cloud. The factory is imported lazily and itself imports only the SDK of the
 * provider in use, so a hook pays for one SDK at start-up.
 */
export async function openCloud(target: CloudTarget, opts: CloudAdapterOptions = {}): Promise<Cloud> {
  const { createCloudAdapter } = await import('../cloud/factory.js');
  return cloudOf(await createCloudAdapter(target, opts), target);
}

/** The cloud of a run that ends at `deadlineMs` (epoch ms): every call, retry and wait shares that deadline; each call is logged. */
export function openRunCloud(
  target: CloudTarget,
  log: Pick<HookLogger, 'apiCall'>,
  deadlineMs: number,
): Promise<Cloud> {
  return openCloud(target, {
    budgetMs: Math.max(0, deadlineMs - Date.now()),
    deadlineMs,
    onApiCall: (c) => log.apiCall(c.operation, c.count, c.ms, c.errorCode),
  });
}

/** The planner's view of an adapter; remembers listed instances by id (GCE deletes by name and zone). */
export function cloudOf(adapter: CloudAdapter, target: CloudTarget): Cloud {
  const known = new Map<string, CloudInstance>();
  const remember = (list: CloudInstance[]) => {
    for (const i of list) known.set(i.id, i);
    return list;
  };
  const byId = (id: string): CloudInstance => known.get(id) ?? stub(id);
  /**
   * A listed instance of these nodes that is neither up nor on its way out (AWS stopped, GCE TERMINATED or
   * SUSPENDED) is removed before the launch: it would linger, and on GCE its name blocks the new insert
   * (GCE terminate awaits the deletes). Once per instance; the adapter logs its calls, and a failure here
   * shows up as the launch's own (on GCE the name is still taken), so it does not stop the launch.
   */
  const clearStale = async (nodes: readonly string[]) => {
    const wanted = new Set(nodes);
    const stale = [...known.values()].filter((i) => wanted.has(i.node) && i.state === 'other');
    if (stale.length === 0) return;
    for (const i of stale) known.delete(i.id);
    await adapter.terminate(stale).catch(() => undefined);
  };
  return {
    provider: adapter.provider,
    async list(nodes) {
      const list = remember(await adapter.list(nodes as NodeName[] | undefined));
      return list.filter((i) => i.state !== 'terminated').map(toLive);
    },
    async launch(batch): Promise<BatchOutcome> {
      await clearStale(batch.nodes);
      const result = await adapter.launch({
        nodes: batch.nodes,
        instanceType: batch.option.instanceType,
        zone: batch.option.zone,
        spot: batch.spot,
        shape: shapeOf(target.cluster, batch),
        partition: batch.partition,
      });
      remember(result.launched);
      return {
        batch,
        launched: result.launched.map((i) => ({
          node: i.node as NodeName,
          instanceId: i.id,
          ...(i.privateIp !== undefined && { privateIp: i.privateIp }),
        })),
        failed: result.failed.map((f) => ({ node: f.node, kind: f.kind, code: f.code, message: f.message })),
      };
    },
    async terminate(ids) {
      const r = await adapter.terminate(ids.map(byId));
      return {
        terminated: r.terminated,
        failed: r.failed.map((f) => ({ instanceId: f.id, code: f.code, message: f.message })),
      };
    },
    async waitGone(ids, deadline) {
      return (await adapter.waitGone(ids.map(byId), deadline)).map((i) => i.id);
    },
  };
}

/** Wraps whatever the cloud threw while it was being set up or listed into one CitcError. */
export function cloudUnavailable(err: unknown, provider: string): CitcError {
  const code = (err as { code?: string }).code ?? (err as Error)?.name ?? 'Error';
  return new CitcError(
    'CLOUD_UNAVAILABLE',
    `cannot reach the ${provider} API (${code}): ${(err as Error)?.message ?? String(err)}`,
    {
      subject: provider,
      remedy: 'Check provider.endpoint, the credentials of the management node and its network route to the API.',
      exitCode: ExitCode.failure,
      cause: err,
    },
  );
}

function shapeOf(cluster: ClusterConfig, batch: PlannedBatch): ShapeConfig {
  const shape = cluster.partitions.find((p) => p.name === batch.partition)?.shapes.find((s) => s.name === batch.shape);
  if (!shape) {
    throw new CitcError('HOOK_NO_SHAPE', `no shape ${batch.shape} in partition ${batch.partition}`, {
      subject: batch.nodes.join(','),
      exitCode: ExitCode.failure,
    });
  }
  return shape;
}

function toLive(i: CloudInstance): LiveInstance {
  const state = i.state === 'terminated' ? 'other' : i.state;
  return {
    node: i.node,
    id: i.id,
    name: i.name,
    state,
    zone: i.zone,
    instanceType: i.instanceType,
    ...(i.privateIp !== undefined && { privateIp: i.privateIp }),
    ...(i.launchedAt !== undefined && { launchedAt: i.launchedAt.getTime() }),
  };
}

// Only ids the adapter never listed reach here; the adapter needs little more than the id.
function stub(id: string): CloudInstance {
  return { id, name: id, node: '', cluster: '', zone: '', instanceType: '', state: 'other' };
}
