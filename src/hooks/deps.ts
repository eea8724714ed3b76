import type { HookRuntime } from '../core/runtime.js';
import type { Scontrol } from '../slurm/scontrol.js';
import type { Cloud } from './cloud.js';
import type { NodeLocks } from './lock.js';
import type { HookLogger } from './log.js';

/** Everything a hook run acts through; main.ts builds the real ones, tests and bench their own. */
export interface HookDeps {
  runtime: HookRuntime;
  /** Created on first use: a hook with nothing to do (bad input, no nodes of ours) never loads an SDK. */
  cloud: () => Promise<Cloud>;
  scontrol: Scontrol;
  log: HookLogger;
  locks: NodeLocks;
  /**
   * Epoch ms by which the run's cloud work must be over (hookMain: process start + hookBudgetMs); the
   * adapter's calls share it. Absent: the run starts its own clock.
   */
  deadline?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Memoizes an async factory so the cloud is built at most once per run. */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make();
    return p;
  };
}
