import type { CloudAdapter, CloudInstance } from '../cloud/types.js';
import type { ShapeConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { NodeName } from '../core/naming.js';
import type { BatchOutcome, LiveInstance, PlannedBatch } from '../core/plan/types.js';
import type { HookRuntime } from '../core/runtime.js';
import type { HookCloud } from './cloud-port.js';
import type { HookLogger } from './log.js';

type AdapterLike = CloudAdapter;
type AdapterInstance = CloudInstance;

/**
 * Builds the hooks' cloud from the adapter in src/cloud. The factory is imported lazily and itself
 * imports only the SDK of the provider in use, so a hook pays for one SDK at start-up.
 */
export async function createHookCloud(runtime: HookRuntime, log: HookLogger, deadlineMs: number): Promise<HookCloud> {
  const { createCloudAdapter } = await import('../cloud/factory.js');
  const adapter = await createCloudAdapter(runtime, {
    // One deadline for the whole invocation: every call, retry and operation wait shares it.
    budgetMs: Math.max(0, deadlineMs - Date.now()),
    deadlineMs,
    onApiCall: (c) => log.apiCall(c.operation, c.count, c.ms, c.errorCode),
  });
  return fromCloudAdapter(adapter, runtime);
}

/** Translates between the planner's vocabulary and the adapter's; remembers listed instances by id. */
export function fromCloudAdapter(adapter: AdapterLike, runtime: HookRuntime): HookCloud {
  const known = new Map<string, AdapterInstance>();
  const remember = (list: AdapterInstance[]) => {
    for (const i of list) known.set(i.id, i);
    return list;
  };
  const byId = (id: string): AdapterInstance => known.get(id) ?? stub(id);
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
    async list(nodes) {
      const list = remember(await adapter.list(nodes as NodeName[]));
      return list.filter((i) => i.state !== 'terminated').map(toLive);
    },
    async launch(batch): Promise<BatchOutcome> {
      await clearStale(batch.nodes);
      const result = await adapter.launch({
        nodes: batch.nodes,
        instanceType: batch.option.instanceType,
        zone: batch.option.zone,
        spot: batch.spot,
        shape: shapeOf(runtime, batch),
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

function shapeOf(runtime: HookRuntime, batch: PlannedBatch): ShapeConfig {
  const shape = runtime.cluster.partitions
    .find((p) => p.name === batch.partition)
    ?.shapes.find((s) => s.name === batch.shape);
  if (!shape) {
    throw new CitcError('HOOK_NO_SHAPE', `no shape ${batch.shape} in partition ${batch.partition}`, {
      subject: batch.nodes.join(','),
      exitCode: ExitCode.failure,
    });
  }
  return shape;
}

function toLive(i: AdapterInstance): LiveInstance {
  const state = i.state === 'terminated' ? 'other' : i.state;
  return { node: i.node, id: i.id, state, ...(i.privateIp !== undefined && { privateIp: i.privateIp }) };
}

// Only ids the adapter never listed reach here; the adapter needs little more than the id.
function stub(id: string): AdapterInstance {
  return { id, name: id, node: '', cluster: '', zone: '', instanceType: '', state: 'other' };
}
