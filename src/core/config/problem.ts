import { CitcError, ExitCode } from '../errors.js';

/** A path into the cluster file: `partitions[0].shapes[1].maxNodes` is ['partitions', 0, 'shapes', 1, 'maxNodes']. */
export type FieldPath = readonly (string | number)[];

export interface ConfigProblem {
  path: FieldPath;
  /** What the field must be ("an integer ≥ 1"). */
  expected: string;
  /** What the file has, already quoted for a person ("-1", "a string", "nothing"). */
  found: string;
  /** A suggestion: "did you mean maxNodes?". */
  hint?: string;
  /** Warnings are printed but do not fail validation. */
  severity: 'error' | 'warning';
  /** 'key' when the problem is the key itself (an unknown key), so the position points at the key. */
  at?: 'key' | 'value';
  /** Set when the value came from outside the file: `env CITC_...` or `--set ...`. */
  origin?: string;
}

/** Where a problem is in the file; filled in by the file adapter. */
export interface Position {
  line: number;
  column: number;
}

export interface LocatedProblem extends ConfigProblem {
  file: string;
  position?: Position;
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || '(top level)';
}

/** `citc.yaml:12:7: partitions[0].shapes[0].maxNodes: expected an integer ≥ 1, found -1` */
export function formatProblem(p: LocatedProblem): string {
  const where = p.origin ?? (p.position ? `${p.file}:${p.position.line}:${p.position.column}` : p.file);
  const level = p.severity === 'warning' ? 'warning: ' : '';
  const hint = p.hint ? ` (${p.hint})` : '';
  return `${where}: ${level}${formatPath(p.path)}: expected ${p.expected}, found ${p.found}${hint}`;
}

/** A problem as `--json` prints it: where (file, line, column, path) and the message a person reads. */
export interface ProblemJson {
  file: string;
  line: number | null;
  column: number | null;
  path: string;
  severity: 'error' | 'warning';
  message: string;
  expected: string;
  found: string;
  hint?: string;
  origin?: string;
}

export function problemJson(p: LocatedProblem): ProblemJson {
  const hint = p.hint ? ` (${p.hint})` : '';
  return {
    file: p.file,
    line: p.origin ? null : (p.position?.line ?? null),
    column: p.origin ? null : (p.position?.column ?? null),
    path: formatPath(p.path),
    severity: p.severity,
    message: `expected ${p.expected}, found ${p.found}${hint}`,
    expected: p.expected,
    found: p.found,
    ...(p.hint !== undefined && { hint: p.hint }),
    ...(p.origin !== undefined && { origin: p.origin }),
  };
}

/** All problems of one cluster file: thrown only when at least one is an error. Exit code 2. */
export class ConfigError extends CitcError {
  readonly problems: readonly LocatedProblem[];

  constructor(file: string, problems: readonly LocatedProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super('CONFIG_INVALID', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the cluster file`, {
      subject: file,
      remedy: 'Fix the fields listed and run `citc validate` again.',
      exitCode: ExitCode.usage,
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** Every problem on its own line, errors and warnings, in file order. */
  override toLine(): string {
    return [super.toLine(), ...this.problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
  }
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/** The closest candidate when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** How a found value reads in a message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}
