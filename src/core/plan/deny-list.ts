import type { LaunchOption } from './types.js';

/**
 * The capacity deny-list: after an insufficient-capacity error for an (instance type, zone), resume
 * skips that pair until `until`, then tries it again in its usual place (first, if it is first in the
 * shape's list). Kept in a file in the state directory (src/power/deny-file.ts); this is the pure part.
 */
export interface DenyEntry {
  instanceType: string;
  zone: string;
  /** Epoch ms until which the pair is skipped. */
  until: number;
  /** The cloud's code that put it here, e.g. InsufficientInstanceCapacity. */
  code: string;
  /** Epoch ms of the failure. */
  since: number;
}

export interface DenyList {
  version: 1;
  entries: DenyEntry[];
}

export const EMPTY_DENY_LIST: DenyList = { version: 1, entries: [] };

const key = (o: { instanceType: string; zone: string }) => `${o.instanceType}@${o.zone}`;

/** The entries still in force at `now`. */
export function activeDenies(list: DenyList, now: number): DenyEntry[] {
  return list.entries.filter((e) => e.until > now);
}

/** A predicate for the resume planner: is this option skipped now? */
export function deniedAt(list: DenyList, now: number): (o: LaunchOption) => boolean {
  const active = new Set(activeDenies(list, now).map(key));
  return (o) => active.has(key(o));
}

/**
 * Adds (or extends) an entry per capacity failure, and drops entries that have run out: the list only
 * ever holds what is in force. Pure; the caller writes the result.
 */
export function addDenies(
  list: DenyList,
  failures: readonly { option: LaunchOption; code: string }[],
  now: number,
  denyMs: number,
): DenyList {
  const byKey = new Map(activeDenies(list, now).map((e) => [key(e), e]));
  for (const f of failures) {
    byKey.set(key(f.option), {
      instanceType: f.option.instanceType,
      zone: f.option.zone,
      until: now + denyMs,
      code: f.code,
      since: now,
    });
  }
  return { version: 1, entries: [...byKey.values()] };
}

/** Shape check of a parsed deny-list file; the problem, or undefined when it is a deny-list. */
export function checkDenyList(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return 'not a JSON object';
  const r = raw as Partial<DenyList>;
  if (r.version !== 1) return `version is ${JSON.stringify(r.version)}, expected 1`;
  if (!Array.isArray(r.entries)) return 'entries is not a list';
  for (const [i, e] of r.entries.entries()) {
    if (
      !e ||
      typeof e.instanceType !== 'string' ||
      typeof e.zone !== 'string' ||
      typeof e.until !== 'number' ||
      typeof e.code !== 'string' ||
      typeof e.since !== 'number'
    ) {
      return `entries[${i}] is malformed`;
    }
  }
  return undefined;
}
