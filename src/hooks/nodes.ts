import { CitcError, ExitCode } from '../core/errors.js';
import { expandHostlist } from '../core/hostlist.js';
import { type NodeName, type NodeRef, splitNodeName } from '../core/naming.js';
import { resolveNodes } from '../core/plan/resolve-nodes.js';
import type { HookRuntime } from '../core/runtime.js';
import type { HookLogger } from './log.js';

export interface HostlistNodes {
  known: NodeRef[];
  /**
   * Names of the node form that the config no longer lists (maxNodes lowered, shape or partition
   * removed): only with `retired: true`, else they are unknown.
   */
  retired: NodeName[];
  unknown: string[];
}

/**
 * Expands Slurm's hostlist and maps it to our nodes; a malformed hostlist is a usage error (exit 2).
 * `retired: true` (suspend, resume-fail) accepts names the config no longer lists: an instance
 * launched for one before the config shrank must still be terminated. Resume never asks for it.
 */
export function nodesFromHostlist(
  runtime: HookRuntime,
  hostlist: string,
  log: HookLogger,
  opts: { retired?: boolean } = {},
): HostlistNodes {
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
  const { known, unknown: others } = resolveNodes(runtime.cluster, names);
  const retired: NodeName[] = [];
  const unknown: string[] = [];
  for (const name of others) {
    if (opts.retired && splitNodeName(name)) retired.push(name as NodeName);
    else unknown.push(name);
  }
  log.many(
    'warn',
    'node',
    retired.map((node) => ({
      node,
      outcome: 'not-in-config',
      reason: `not in the config any more (maxNodes lowered, or shape or partition removed): terminating any instance of cluster ${runtime.cluster.name} it has`,
    })),
  );
  log.many(
    'error',
    'node',
    unknown.map((node) => ({
      node,
      outcome: 'unknown',
      reason: `not <partition>-<shape>-<index> of a shape of cluster ${runtime.cluster.name}`,
    })),
  );
  return { known, retired, unknown };
}
