import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The hooks' log. Slurm discards their stdout/stderr, so every decision lands here: one line per node
 * outcome and per API call, each with timestamp, hook name and pid. The file is opened O_APPEND and
 * every record (even a block of node lines) goes out in one write(2), so concurrent hooks interleave
 * whole lines, never fragments.
 */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface HookLogger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Many records in one write: used for per-node outcomes so 5000 nodes cost one syscall. */
  many(level: LogLevel, event: string, rows: readonly LogFields[]): void;
  /** One API call: operation, how many items, how long, and the error code when it failed. */
  apiCall(op: string, count: number, ms: number, errorCode?: string): void;
  /** Epoch ms when the first API call was started (its end minus its duration); for start-up timing. */
  readonly firstApiAt: number | undefined;
  close(): void;
}

export interface LoggerOptions {
  hook: string;
  file: string;
  format: LogFormat;
  /** Also copy lines to stderr (useful when run by hand; Slurm drops it). */
  echo?: boolean;
  now?: () => Date;
}

export function openHookLog(opts: LoggerOptions): HookLogger {
  let fd: number | undefined;
  try {
    mkdirSync(dirname(opts.file), { recursive: true });
    fd = openSync(opts.file, 'a', 0o640);
  } catch (err) {
    // Logging must never stop a hook: fall back to stderr and say why, once.
    process.stderr.write(`citc ${opts.hook}: cannot open log ${opts.file}: ${(err as Error).message}\n`);
  }
  const now = opts.now ?? (() => new Date());
  const format = (level: LogLevel, event: string, fields: LogFields, ts: string): string =>
    opts.format === 'json'
      ? `${JSON.stringify({ ts, level, hook: opts.hook, pid: process.pid, event, ...clean(fields) })}\n`
      : `${ts} ${opts.hook}[${process.pid}] ${level} ${event}${textFields(fields)}\n`;
  const write = (text: string) => {
    if (fd !== undefined) writeSync(fd, text);
    if (fd === undefined || opts.echo) process.stderr.write(text);
  };
  const one =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) =>
      write(format(level, event, fields, now().toISOString()));
  let firstApiAt: number | undefined;
  return {
    get firstApiAt() {
      return firstApiAt;
    },
    info: one('info'),
    warn: one('warn'),
    error: one('error'),
    many(level, event, rows) {
      if (rows.length === 0) return;
      const ts = now().toISOString();
      write(rows.map((r) => format(level, event, r, ts)).join(''));
    },
    apiCall(op, count, ms, errorCode) {
      firstApiAt ??= now().getTime() - ms;
      write(format(errorCode ? 'warn' : 'info', 'api', { op, count, ms, error: errorCode }, now().toISOString()));
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function clean(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** key=value pairs; values with spaces, quotes or '=' are JSON-quoted so the line stays parseable. */
function textFields(fields: LogFields): string {
  let s = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const str = String(v);
    s += ` ${k}=${/[\s"=]/.test(str) || str === '' ? JSON.stringify(str) : str}`;
  }
  return s;
}
