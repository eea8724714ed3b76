import { type ConfigProblem, closest, type FieldPath, formatPath } from './problem.js';
import { clusterSchema, type Field, fieldAt } from './schema.js';
import { isPlainObject } from './walk.js';

/** One value set from outside the file: an environment variable or a `--set path=value` flag. */
export interface Override {
  path: FieldPath;
  value: unknown;
  /** `env CITC_SLURM_SUSPEND_TIME` or `--set slurm.suspendTime=600`. */
  origin: string;
}

/** `suspendTime` → `SUSPEND_TIME`. */
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * The environment variables citc reads: one per scalar field outside lists (CITC_PROVIDER_REGION,
 * CITC_SLURM_SUSPEND_TIME, ...); list fields take comma-separated values (CITC_PROVIDER_ZONES=a,b).
 */
export function envVariables(): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  const visit = (field: Field, path: string[]) => {
    if (field.type === 'object') {
      for (const [k, f] of Object.entries(field.fields)) visit(f, [...path, k]);
      return;
    }
    if (field.type === 'map') return;
    if (field.type === 'list' && field.items.type !== 'string') return;
    out.set(`CITC_${path.map(snake).join('_')}`, path);
  };
  visit(clusterSchema, []);
  return out;
}

export function overridesFromEnv(env: Readonly<Record<string, string | undefined>>): Override[] {
  const out: Override[] = [];
  for (const [name, path] of envVariables()) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    out.push({ path, value: coerce(fieldAt(path), text), origin: `env ${name}` });
  }
  return out;
}

/** Parses `--set` flags; a malformed one or an unknown field is a problem, not an exception. */
export function overridesFromFlags(sets: readonly string[]): { overrides: Override[]; problems: ConfigProblem[] } {
  const overrides: Override[] = [];
  const problems: ConfigProblem[] = [];
  for (const set of sets) {
    const origin = `--set ${set}`;
    const eq = set.indexOf('=');
    const path = eq > 0 ? parsePath(set.slice(0, eq)) : undefined;
    if (!path) {
      problems.push({
        path: [],
        expected: 'PATH=VALUE, e.g. slurm.suspendTime=600',
        found: `"${set}"`,
        severity: 'error',
        origin,
      });
      continue;
    }
    const field = fieldAt(path);
    if (!field) {
      const parentField = fieldAt(path.slice(0, -1));
      const known = parentField?.type === 'object' ? Object.keys(parentField.fields) : [];
      const last = String(path[path.length - 1]);
      const near = closest(last, known);
      problems.push({
        path,
        expected: 'a field of citc.yaml',
        found: `unknown field "${formatPath(path)}"`,
        hint: near ? `did you mean ${formatPath([...path.slice(0, -1), near])}?` : undefined,
        severity: 'error',
        origin,
      });
      continue;
    }
    overrides.push({ path, value: coerce(field, set.slice(eq + 1)), origin });
  }
  return { overrides, problems };
}

/** `partitions[0].shapes[1].maxNodes` or `partitions.0.shapes.1.maxNodes` → a path. */
export function parsePath(text: string): FieldPath | undefined {
  const parts: (string | number)[] = [];
  for (const segment of text.split('.')) {
    const m = /^([A-Za-z][A-Za-z0-9]*)?((?:\[\d+\])*)$/.exec(segment);
    if (!m || (!m[1] && !m[2])) {
      if (/^\d+$/.test(segment)) {
        parts.push(Number(segment));
        continue;
      }
      return undefined;
    }
    if (m[1]) parts.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts.length ? parts : undefined;
}

/** Text from the environment or a flag, typed by its field; a value that does not fit stays text for the walk to report. */
function coerce(field: Field | undefined, text: string): unknown {
  switch (field?.type) {
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return text;
  }
}

/**
 * Writes the overrides into a copy of the parsed file, creating mappings on the way. An index past the
 * end of a list is a problem, not a list with holes: `--set` changes items the file has.
 */
export function applyOverrides(
  raw: unknown,
  overrides: readonly Override[],
): { value: unknown; problems: ConfigProblem[] } {
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  const problems: ConfigProblem[] = [];
  for (const { path, value, origin } of overrides) {
    const outOfRange = path.findIndex((part, i) => {
      if (typeof part !== 'number') return false;
      const list = valueAt(root, path.slice(0, i));
      return !Array.isArray(list) || part >= list.length;
    });
    if (outOfRange >= 0) {
      const listPath = path.slice(0, outOfRange);
      const list = valueAt(root, listPath);
      const size = Array.isArray(list) ? list.length : 0;
      problems.push({
        path: path.slice(0, outOfRange + 1),
        expected:
          size > 0
            ? `an index from 0 to ${size - 1} (${formatPath(listPath)} has ${size})`
            : `an index of a list the file has (${formatPath(listPath)} has none)`,
        found: `[${path[outOfRange]}]`,
        hint: 'add the item to the file; --set changes items that exist',
        severity: 'error',
        origin,
      });
      continue;
    }
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i] as string | number;
      const nextIsIndex = typeof path[i + 1] === 'number';
      const child = (node as Record<string | number, unknown>)[key];
      if (typeof child !== 'object' || child === null) {
        (node as Record<string | number, unknown>)[key] = nextIsIndex ? [] : {};
      }
      node = (node as Record<string | number, unknown>)[key] as Record<string, unknown> | unknown[];
    }
    (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
  }
  return { value: root, problems };
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}
