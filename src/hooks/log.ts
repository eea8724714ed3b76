import { spawnSync } from 'node:child_process';
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
  /** Where the lines go: the file, or `syslog:<tag>` when the file cannot be written. */
  readonly target: string;
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
  /** The syslog client lines go to when the file cannot be written (util-linux logger; journald keeps them). */
  logger?: string;
}

export const SYSLOG_LOGGER = '/usr/bin/logger';

export function openHookLog(opts: LoggerOptions): HookLogger {
  let fd: number | undefined;
  const tag = `citc-${opts.hook}`;
  const logger = opts.logger ?? SYSLOG_LOGGER;
  let toSyslog = false;
  /**
   * The file cannot be written: every line goes to syslog (the journal) instead, through logger, and the
   * first says why and where; stderr gets the same note (Slurm drops it, a person running it by hand sees it).
   */
  const fallBack = (why: string) => {
    toSyslog = true;
    const note = `citc ${opts.hook}: cannot write log ${opts.file}: ${why}; logging to syslog (tag ${tag})\n`;
    process.stderr.write(note);
    syslog(note);
  };
  const syslog = (text: string) => {
    const r = spawnSync(logger, ['-t', tag, '-p', 'daemon.info'], { input: text, stdio: ['pipe', 'ignore', 'ignore'] });
    if (r.error || r.status !== 0) process.stderr.write(text);
  };
  try {
    mkdirSync(dirname(opts.file), { recursive: true });
    fd = openSync(opts.file, 'a', 0o640);
  } catch (err) {
    fallBack((err as Error).message);
  }
  const now = opts.now ?? (() => new Date());
  const format = (level: LogLevel, event: string, fields: LogFields, ts: string): string =>
    opts.format === 'json'
      ? `${JSON.stringify({ ts, level, hook: opts.hook, pid: process.pid, event, ...clean(fields) })}\n`
      : `${ts} ${opts.hook}[${process.pid}] ${level} ${event}${textFields(fields)}\n`;
  const write = (text: string) => {
    if (fd !== undefined && !toSyslog) {
      try {
        writeSync(fd, text);
      } catch (err) {
        fallBack((err as Error).message);
      }
    }
    if (toSyslog) syslog(text);
    if (opts.echo) process.stderr.write(text);
  };
  const one =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) =>
      write(format(level, event, fields, now().toISOString()));
  let firstApiAt: number | undefined;
  return {
    get target() {
      return toSyslog ? `syslog:${tag}` : opts.file;
    },
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
