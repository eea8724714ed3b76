import type { SlurmClient } from './slurm.js';

export interface NodeTransition {
  node: string;
  state: string;
  reason?: string;
  /** Epoch ms when the poll saw it. */
  at: number;
}

/** Slurm's view of every node, polled: each state change with the time it was first seen. */
export interface NodeWatch {
  transitions: NodeTransition[];
  /** The last state seen for each node. */
  current(): Map<string, string>;
  onChange(listener: (t: NodeTransition) => void): void;
  stop(): void;
}

export function watchNodes(slurm: SlurmClient, everyMs = 250): NodeWatch {
  const last = new Map<string, string>();
  const transitions: NodeTransition[] = [];
  const listeners: ((t: NodeTransition) => void)[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    const view = await slurm.nodes().catch(() => undefined);
    for (const [node, rec] of view ?? []) {
      const state = rec.State ?? '';
      if (last.get(node) === state) continue;
      last.set(node, state);
      const t: NodeTransition = { node, state, at: Date.now(), ...(rec.Reason && { reason: rec.Reason }) };
      transitions.push(t);
      for (const l of listeners) l(t);
    }
    if (!stopped) timer = setTimeout(poll, everyMs);
  };
  void poll();
  return {
    transitions,
    current: () => new Map(last),
    onChange: (l) => listeners.push(l),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** A node that answers and is neither powering up nor down: slurmd has registered. */
export const isUp = (state: string): boolean => !/POWER|NOT_RESPONDING|DOWN/.test(state);
export const isAsleep = (state: string): boolean => /POWERED_DOWN/.test(state);
/** DOWN, DRAIN or FAIL among the state's flags (POWERED_DOWN and POWERING_DOWN are not failures). */
export const isFailed = (state: string): boolean =>
  state.split('+').some((f) => /^(DOWN|DRAIN|DRAINED|DRAINING|FAIL)$/.test(f));
