import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addDenies, checkDenyList, type DenyList, EMPTY_DENY_LIST } from '../core/plan/deny-list.js';
import type { LaunchOption } from '../core/plan/types.js';
import type { ReturnLog } from '../core/reconcile/classify.js';
import type { HookLogger } from './log.js';

/**
 * Small JSON files in the state directory that outlive a run: the capacity deny-list (resume writes,
 * resume and reconcile read) and reconcile's return counts. Each is replaced atomically (written beside,
 * then renamed), and every good version is kept as `<name>.last-good.json` too: a damaged file (a full
 * disk, a hand edit) falls back to the last good one with a warning instead of to nothing.
 */
export const DENY_FILE = 'capacity-deny.json';
export const RETURNS_FILE = 'reconcile-returns.json';

export function readStateFile<T>(
  dir: string,
  name: string,
  check: (raw: unknown) => string | undefined,
  empty: T,
  log: Pick<HookLogger, 'warn'>,
): T {
  const path = join(dir, name);
  const first = readOne<T>(path, check);
  if (first.ok) return first.value;
  if (first.problem === undefined) return empty; // no file yet
  const backup = lastGood(path);
  const second = readOne<T>(backup, check);
  log.warn('state-file-damaged', {
    file: path,
    problem: first.problem,
    using: second.ok ? backup : 'nothing (no good copy)',
  });
  return second.ok ? second.value : empty;
}

/** Writes `value` atomically, and the same as the last good copy. */
export function writeStateFile(dir: string, name: string, value: unknown): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const text = `${JSON.stringify(value)}\n`;
  for (const target of [lastGood(path), path]) {
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, target);
  }
}

function lastGood(path: string): string {
  return path.replace(/\.json$/, '.last-good.json');
}

type Read<T> = { ok: true; value: T } | { ok: false; problem?: string };

function readOne<T>(path: string, check: (raw: unknown) => string | undefined): Read<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false };
    return { ok: false, problem: (err as Error).message };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON: ${(err as Error).message}` };
  }
  const problem = check(raw);
  return problem ? { ok: false, problem } : { ok: true, value: raw as T };
}

export function readDenyList(dir: string, log: Pick<HookLogger, 'warn'>): DenyList {
  return readStateFile(dir, DENY_FILE, checkDenyList, EMPTY_DENY_LIST, log);
}

/**
 * Adds capacity failures to the deny-list file (read again just before, so entries other runs wrote
 * meanwhile are kept). A deny time of 0 turns the list off. Never throws: a list that cannot be written
 * only costs a launch attempt later, so it is logged.
 */
export function recordCapacityFailures(
  dir: string,
  failures: readonly { option: LaunchOption; code: string }[],
  now: number,
  denyMs: number,
  log: Pick<HookLogger, 'warn' | 'info'>,
): void {
  if (failures.length === 0 || denyMs <= 0) return;
  try {
    const next = addDenies(readDenyList(dir, log), failures, now, denyMs);
    writeStateFile(dir, DENY_FILE, next);
    const pairs = [...new Set(failures.map((f) => `${f.option.instanceType}@${f.option.zone}`))];
    log.info('capacity-denied', { pairs: pairs.join(','), seconds: Math.round(denyMs / 1000) });
  } catch (err) {
    log.warn('deny-list-unwritable', { dir, error: (err as Error).message });
  }
}

export function checkReturnLog(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  for (const [k, v] of Object.entries(raw)) {
    if (!Array.isArray(v) || v.some((t) => typeof t !== 'number')) return `${k} is not a list of times`;
  }
  return undefined;
}

export function readReturnLog(dir: string, log: Pick<HookLogger, 'warn'>): ReturnLog {
  return readStateFile<ReturnLog>(dir, RETURNS_FILE, checkReturnLog, {}, log);
}
