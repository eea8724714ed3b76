import { type ConfigProblem, closest, describeValue, type FieldPath } from './problem.js';
import { type DefaultContext, defaultOf, type Field } from './schema.js';

export interface WalkResult {
  value: unknown;
  problems: ConfigProblem[];
  /** Paths whose value came from a schema default. */
  defaulted: FieldPath[];
}

/** Checks a parsed value against the schema: types, ranges, patterns, unknown keys; fills in defaults. */
export function walkSchema(raw: unknown, root: Field, ctx: DefaultContext): WalkResult {
  const problems: ConfigProblem[] = [];
  const defaulted: FieldPath[] = [];
  const err = (path: FieldPath, expected: string, found: unknown, extra: Partial<ConfigProblem> = {}) =>
    problems.push({ path, expected, found: describeValue(found), severity: 'error', ...extra });

  const visit = (field: Field, value: unknown, path: FieldPath): unknown => {
    if (value === undefined || (value === null && field.type !== 'string')) {
      const d = defaultOf<unknown>(field as never, ctx);
      if (d !== undefined) {
        defaulted.push(path);
        return visit(field, structuredClone(d), path);
      }
      if (field.required) err(path, `${expectedOf(field)} (required)`, undefined);
      return undefined;
    }
    switch (field.type) {
      case 'string': {
        if (typeof value !== 'string') {
          // YAML reads `region: 1` as a number: say so rather than coerce silently.
          err(path, expectedOf(field), value);
          return undefined;
        }
        if (field.oneOf && !field.oneOf.includes(value)) {
          const near = closest(value, field.oneOf);
          err(path, expectedOf(field), value, near ? { hint: `did you mean ${near}?` } : {});
          return undefined;
        }
        if (field.pattern && !field.pattern.test(value)) {
          err(path, field.patternDoc ?? `a string matching ${field.pattern}`, value);
          return undefined;
        }
        if (value.trim() === '') {
          err(path, 'a non-empty string', value);
          return undefined;
        }
        return value;
      }
      case 'integer': {
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          err(path, expectedOf(field), value);
          return undefined;
        }
        if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
          err(path, expectedOf(field), value);
          return undefined;
        }
        return value;
      }
      case 'boolean':
        if (typeof value !== 'boolean') {
          err(path, expectedOf(field), value);
          return undefined;
        }
        return value;
      case 'list': {
        if (!Array.isArray(value)) {
          err(path, expectedOf(field), value);
          return undefined;
        }
        if (field.minItems !== undefined && value.length < field.minItems) {
          const found = value.length === 0 ? 'an empty list' : `${value.length} items`;
          problems.push({ path, expected: expectedOf(field), found, severity: 'error' });
        }
        return value.map((item, i) => visit(field.items, item, [...path, i]));
      }
      case 'map': {
        if (!isPlainObject(value)) {
          err(path, expectedOf(field), value);
          return undefined;
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          // Tag values may be written as numbers or booleans; they are strings to the clouds.
          const s = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
          out[k] = visit(field.values, s, [...path, k]);
        }
        return out;
      }
      case 'object': {
        if (!isPlainObject(value)) {
          err(path, expectedOf(field), value);
          return undefined;
        }
        const known = Object.keys(field.fields);
        for (const key of Object.keys(value)) {
          if (!known.includes(key)) {
            const near = closest(key, known);
            problems.push({
              path: [...path, key],
              expected: `one of the keys ${known.join(', ')}`,
              found: `unknown key "${key}"`,
              hint: near ? `did you mean ${near}?` : undefined,
              severity: 'error',
              at: 'key',
            });
          }
        }
        const out: Record<string, unknown> = {};
        for (const [key, sub] of Object.entries(field.fields)) {
          const v = visit(sub, value[key], [...path, key]);
          if (v !== undefined) out[key] = v;
        }
        return out;
      }
    }
  };

  const value = visit(root, raw ?? {}, []);
  return { value, problems, defaulted };
}

/** How a field's type reads in a message. */
export function expectedOf(field: Field): string {
  switch (field.type) {
    case 'string':
      if (field.oneOf) return `one of ${field.oneOf.join(', ')}`;
      return field.patternDoc ?? 'a string';
    case 'integer':
      if (field.min !== undefined && field.max !== undefined) return `an integer from ${field.min} to ${field.max}`;
      if (field.min !== undefined) return `an integer ≥ ${field.min}`;
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'list':
      return field.minItems ? `a list of at least ${field.minItems}` : 'a list';
    case 'map':
      return 'a mapping of names to strings';
    case 'object':
      return 'a mapping';
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
