import { CitcError, ExitCode } from '../core/errors.js';
import { expandHostlist } from '../core/hostlist.js';
import type { NodeRef } from '../core/naming.js';
import { resolveNodes } from '../core/plan/resolve-nodes.js';
import type { HookRuntime } from '../core/runtime.js';
import type { HookLogger } from './log.js';

/** Expands Slurm's hostlist and maps it to our nodes; a malformed hostlist is a usage error (exit 2). */
export function nodesFromHostlist(
  runtime: HookRuntime,
  hostlist: string,
  log: HookLogger,
): { known: NodeRef[]; unknown: string[] } {
  let names: string[];
  try {
    names = expandHostlist(hostlist);
    // scontrol reads a blank hostlist as no names; from Slurm it means a broken wrapper.
    if (names.length === 0) throw new Error('it names no node');
  } catch (err) {
    throw new CitcError(
      'HOSTLIST_INVALID',
      `cannot expand hostlist ${JSON.stringify(hostlist)}: ${(err as Error).message}`,
      {
        subject: hostlist,
        remedy:
          'Slurm passes one ranged hostlist such as compute-c5-[1-3]; check the ResumeProgram/SuspendProgram wrapper.',
        exitCode: ExitCode.usage,
        cause: err,
      },
    );
  }
  const resolved = resolveNodes(runtime.cluster, names);
  log.many(
    'error',
    'node',
    resolved.unknown.map((node) => ({
      node,
      outcome: 'unknown',
      reason: `not <partition>-<shape>-<index> of a shape of cluster ${runtime.cluster.name}`,
    })),
  );
  return resolved;
}
