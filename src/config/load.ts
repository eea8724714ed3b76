import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { overridesFromEnv, overridesFromFlags } from '../core/config/overrides.js';
import { ConfigError, type FieldPath, type LocatedProblem, type Position } from '../core/config/problem.js';
import type { ClusterConfig } from '../core/config/types.js';
import { type ValueSource, validateClusterConfig } from '../core/config/validate.js';
import { CitcError, ExitCode } from '../core/errors.js';

export interface LoadOptions {
  /** Environment to read CITC_* overrides from; default none (the CLI passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `--set path=value` overrides, highest precedence. */
  sets?: readonly string[];
}

export type LocatedSource = ValueSource & { position?: Position };

export interface EffectiveConfig {
  file: string;
  config: ClusterConfig;
  /** Warnings only: any error throws. */
  warnings: LocatedProblem[];
  sources: Map<string, LocatedSource>;
}

/** Reads, parses and validates a cluster file; throws ConfigError (exit 2) listing every problem. */
export async function loadEffectiveConfig(path: string, options: LoadOptions = {}): Promise<EffectiveConfig> {
  const file = displayName(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw unreadable(file, cause);
  }
  return parseEffectiveConfig(text, file, options);
}

/** Why a cluster file cannot be read, and what to do about it, in one line. */
function unreadable(file: string, cause: unknown): CitcError {
  const code = (cause as NodeJS.ErrnoException).code;
  const [message, remedy] =
    code === 'ENOENT'
      ? ['no such cluster file', 'Create one with `citc init` or pass the path of yours.']
      : code === 'EISDIR'
        ? ['this is a directory, not a cluster file', `Pass the file itself, e.g. ${file}/citc.yaml.`]
        : code === 'EACCES' || code === 'EPERM'
          ? ['no permission to read the cluster file', 'Check its permissions, or run citc as its owner.']
          : [`cannot read the cluster file (${code ?? String(cause)})`, 'Check the path and the file.'];
  const error = code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_UNREADABLE';
  return new CitcError(error, message, { subject: file, remedy, exitCode: ExitCode.usage, cause });
}

/** The same, for text already read: `file` is only used in messages. */
export function parseEffectiveConfig(text: string, file: string, options: LoadOptions = {}): EffectiveConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        file,
        path: [],
        expected: 'valid YAML',
        found: e.message.split('\n')[0] ?? e.code,
        severity: 'error',
        position: at(e.pos[0]),
      })),
    );
  }

  const flags = overridesFromFlags(options.sets ?? []);
  const overrides = [...overridesFromEnv(options.env ?? {}), ...flags.overrides];
  const result = validateClusterConfig(doc.toJS() ?? {}, overrides);
  const problems: LocatedProblem[] = [...flags.problems, ...result.problems]
    .map((p) => ({ ...p, file, position: p.origin ? undefined : positionOf(doc.contents, p.path, p.at, at) }))
    .sort(byPosition);

  if (!result.config || problems.some((p) => p.severity === 'error')) throw new ConfigError(file, problems);
  const sources = new Map<string, LocatedSource>();
  for (const [key, source] of result.sources) {
    const position = source.kind === 'file' ? positionOfKey(doc.contents, key, at) : undefined;
    sources.set(key, position ? { ...source, position } : source);
  }
  return { file, config: result.config, warnings: problems, sources };
}

/** The validated cluster of a file, with defaults applied. */
export async function loadClusterConfig(path: string, options: LoadOptions = {}): Promise<ClusterConfig> {
  return (await loadEffectiveConfig(path, options)).config;
}

/**
 * The position of a field in the file: its value (or its key for an unknown key); for a missing
 * field, the mapping that should hold it.
 */
function positionOf(
  root: unknown,
  path: FieldPath,
  part: 'key' | 'value' | undefined,
  at: (offset: number) => Position,
): Position | undefined {
  let node = root as Node | null | undefined;
  let last: Node | undefined = node ?? undefined;
  for (const [i, step] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      if (part === 'key' && i === path.length - 1 && isScalar(pair.key) && pair.key.range) {
        return at(pair.key.range[0]);
      }
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step] as Node | null;
    } else {
      break;
    }
    if (node) last = node;
  }
  const range = last?.range;
  return range ? at(range[0]) : undefined;
}

function positionOfKey(root: unknown, key: string, at: (offset: number) => Position): Position | undefined {
  const path: (string | number)[] = [];
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  return positionOf(root, path, undefined, at);
}

function byPosition(a: LocatedProblem, b: LocatedProblem): number {
  const la = a.position?.line ?? 0;
  const lb = b.position?.line ?? 0;
  return la - lb || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}

/** A path as a person typed it: relative to the working directory when inside it. */
function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
