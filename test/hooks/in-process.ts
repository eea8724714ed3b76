import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressUpdate, DownUpdate } from '../../src/core/plan/slurm-updates.js';
import type { HookRuntime } from '../../src/core/runtime.js';
import type { Cloud } from '../../src/hooks/cloud.js';
import { openRunCloud } from '../../src/hooks/cloud.js';
import { type HookDeps, lazy } from '../../src/hooks/deps.js';
import { nodeLocks } from '../../src/hooks/lock.js';
import type { HookLogger, LogFields, LogLevel } from '../../src/hooks/log.js';
import type { Scontrol } from '../../src/slurm/scontrol.js';

export interface LogRow extends LogFields {
  level: LogLevel;
  event: string;
}

export interface InProcess {
  deps: HookDeps;
  /** Every log record, API calls as event 'api' with op and error. */
  log: LogRow[];
  /** What the run told Slurm. */
  downs: DownUpdate[];
  addrs: AddressUpdate[];
}

/**
 * A hook run's dependencies in this process: the real cloud bridge and adapter (through the SDK to the
 * fake the runtime points at), with `budgetMs` from now as the run's deadline; Slurm and the log are
 * recorded in memory. `wrap` lets a test act between the run's cloud calls.
 */
export function inProcess(
  runtime: HookRuntime,
  hook: string,
  budgetMs: number,
  wrap: (c: Cloud) => Cloud = (c) => c,
): InProcess {
  const rows: LogRow[] = [];
  const push =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) =>
      void rows.push({ level, event, ...fields });
  const log: HookLogger = {
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    many: (level, event, list) => {
      for (const f of list) push(level)(event, f);
    },
    apiCall: (op, count, ms, errorCode) => push('info')('api', { op, count, ms, error: errorCode }),
    firstApiAt: undefined,
    target: 'memory',
    close: () => {},
  };
  const downs: DownUpdate[] = [];
  const addrs: AddressUpdate[] = [];
  const scontrol = {
    setAddresses: async (u: AddressUpdate) => void addrs.push(u),
    markDown: async (u: DownUpdate) => void downs.push(u),
  } as unknown as Scontrol;
  const deadline = Date.now() + budgetMs;
  const locks = nodeLocks(join(mkdtempSync(join(tmpdir(), 'citc-locks-')), 'locks'), hook);
  const cloud = lazy(async () => wrap(await openRunCloud(runtime, log, deadline)));
  return { deps: { runtime, cloud, scontrol, log, locks, deadline }, log: rows, downs, addrs };
}
