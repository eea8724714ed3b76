import { applyOverrides, type Override } from './overrides.js';
import { findPlaceholders } from './placeholders.js';
import { type ConfigProblem, type FieldPath, formatPath } from './problem.js';
import { checkRules, type LooseConfig } from './rules.js';
import { clusterSchema } from './schema.js';
import { checkShapes } from './shapes.js';
import type { ClusterConfig, ProviderKind } from './types.js';
import { isPlainObject, walkSchema } from './walk.js';

/** Where an effective value came from, lowest precedence first: default < file < env < flag. */
export type ValueSource =
  | { kind: 'default' }
  | { kind: 'file' }
  | { kind: 'env' | 'flag'; origin: string }
  /** Filled from the catalogue of instance types (cpus, memoryMb). */
  | { kind: 'catalog'; origin: string };

export interface ValidationResult {
  /** Present only when there is no error (warnings allowed). */
  config?: ClusterConfig;
  problems: ConfigProblem[];
  /** Source of every leaf value, keyed by its formatted path (`slurm.suspendTime`). */
  sources: Map<string, ValueSource>;
}

/**
 * Validates a parsed cluster file with its overrides applied: schema, defaults, cross-field rules.
 * Pure: the caller reads the file and maps problems to lines.
 */
export function validateClusterConfig(raw: unknown, overrides: readonly Override[] = []): ValidationResult {
  const { value: merged, problems: overrideProblems } = applyOverrides(raw, overrides);
  const kind = isPlainObject(merged) && isPlainObject(merged.provider) ? merged.provider.kind : undefined;
  const provider = kind === 'aws' || kind === 'gcp' ? (kind as ProviderKind) : undefined;
  const walked = walkSchema(merged, clusterSchema, { provider });
  const value = walked.value as LooseConfig;
  const shapes = checkShapes(value);
  const placeholders = findPlaceholders(value).map(
    (p): ConfigProblem => ({
      path: p.path,
      expected: `your own value: ${p.remedy}`,
      found: `the example's placeholder ${JSON.stringify(p.value.length > 40 ? `…${p.value.slice(-30)}` : p.value)}`,
      severity: 'warning',
    }),
  );
  const problems = [...overrideProblems, ...walked.problems, ...checkRules(value), ...shapes.problems, ...placeholders];
  const catalogued = new Map(shapes.filled.map((f) => [formatPath(f.path), f.origin]));
  const defaulted = walked.defaulted.map(formatPath);

  // With no partition marked default, the first one is (Slurm needs exactly one).
  const first = value.partitions?.[0];
  if (first && !value.partitions?.some((p) => p?.default)) {
    first.default = true;
    defaulted.push('partitions[0].default');
  }

  const origins = new Map(overrides.map((o) => [formatPath(o.path), o.origin]));
  for (const p of problems) {
    const origin = originOf(formatPath(p.path), origins);
    if (origin && !p.origin) p.origin = origin;
  }

  const sources = new Map<string, ValueSource>();
  for (const path of leaves(value)) {
    const key = formatPath(path);
    const origin = originOf(key, origins);
    const fromCatalog = catalogued.get(key);
    if (origin) sources.set(key, { kind: origin.startsWith('env') ? 'env' : 'flag', origin });
    else if (fromCatalog) sources.set(key, { kind: 'catalog', origin: fromCatalog });
    else if (defaulted.some((d) => key === d || key.startsWith(`${d}.`) || key.startsWith(`${d}[`))) {
      sources.set(key, { kind: 'default' });
    } else sources.set(key, { kind: 'file' });
  }

  const failed = problems.some((p) => p.severity === 'error');
  return { config: failed ? undefined : (value as ClusterConfig), problems, sources };
}

function originOf(key: string, origins: Map<string, string>): string | undefined {
  for (const [path, origin] of origins) {
    if (key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) return origin;
  }
  return undefined;
}

/** Paths of every scalar in the value (empty lists and mappings count as leaves, so they show too). */
export function leaves(value: unknown, path: FieldPath = []): FieldPath[] {
  if (Array.isArray(value)) {
    return value.length ? value.flatMap((v, i) => leaves(v, [...path, i])) : [path];
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leaves(v, [...path, k])) : [path];
  }
  return [path];
}
