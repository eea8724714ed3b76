import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHookLog } from '../../src/hooks/log.js';

const fixed = () => new Date('2026-01-02T03:04:05.678Z');

describe('openHookLog', () => {
  it('writes text lines with timestamp, hook, pid, event and quoted fields', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'citc-log-')), 'sub', 'hooks.log');
    const log = openHookLog({ hook: 'resume', file, format: 'text', now: fixed });
    log.info('node', { node: 'c-1', outcome: 'launched', reason: 'a b', skip: undefined });
    log.apiCall('launch c5.large in z', 3, 12, 'RequestLimitExceeded');
    log.close();
    expect(readFileSync(file, 'utf8')).toBe(
      `2026-01-02T03:04:05.678Z resume[${process.pid}] info node node=c-1 outcome=launched reason="a b"\n` +
        `2026-01-02T03:04:05.678Z resume[${process.pid}] warn api op="launch c5.large in z" count=3 ms=12 error=RequestLimitExceeded\n`,
    );
  });

  it('writes one JSON object per line when asked', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'citc-log-')), 'hooks.log');
    const log = openHookLog({ hook: 'suspend', file, format: 'json', now: fixed });
    log.many('info', 'node', [
      { node: 'c-1', outcome: 'absent' },
      { node: 'c-2', outcome: 'terminated' },
    ]);
    log.close();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        ts: '2026-01-02T03:04:05.678Z',
        level: 'info',
        hook: 'suspend',
        pid: process.pid,
        event: 'node',
        node: 'c-1',
        outcome: 'absent',
      },
      {
        ts: '2026-01-02T03:04:05.678Z',
        level: 'info',
        hook: 'suspend',
        pid: process.pid,
        event: 'node',
        node: 'c-2',
        outcome: 'terminated',
      },
    ]);
  });

  it('keeps lines whole when several processes append at once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'citc-log-')), 'hooks.log');
    const script = `
      import { openHookLog } from ${JSON.stringify(join(process.cwd(), 'src/hooks/log.ts'))};
      const log = openHookLog({ hook: 'resume', file: process.argv[1], format: 'json' });
      for (let i = 0; i < 200; i++) log.many('info', 'node', Array.from({ length: 20 }, (_, j) => ({ node: 'c-' + j, pad: 'x'.repeat(200), i })));
      log.close();
    `;
    await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise((resolve) =>
            spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file]).on('exit', resolve),
          ),
      ),
    );
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4 * 200 * 20);
    for (const l of lines) expect(JSON.parse(l).pad).toHaveLength(200);
    expect(new Set(lines.map((l) => JSON.parse(l).pid)).size).toBe(4);
  });
});

describe('openHookLog when the log file cannot be written', () => {
  it('sends every line to syslog through logger, the first saying why and where', async () => {
    const { chmodSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'citc-log-'));
    // A stand-in for /usr/bin/logger (no syslog daemon here): it records its arguments and stdin.
    const got = join(dir, 'syslog.txt');
    const logger = join(dir, 'logger');
    writeFileSync(logger, `#!/bin/sh\necho "args: $*" >> '${got}'\ncat >> '${got}'\n`);
    chmodSync(logger, 0o755);
    // The log's directory would be under a regular file: it can never be made (ENOTDIR).
    writeFileSync(join(dir, 'file'), '');
    const file = join(dir, 'file', 'log', 'hooks.log');
    const log = openHookLog({ hook: 'resume', file, format: 'text', now: fixed, logger });
    log.info('start', { hostlist: 'c-[1-2]' });
    expect(log.target).toBe('syslog:citc-resume');
    log.close();
    const text = readFileSync(got, 'utf8').split('\n');
    expect(text[0]).toBe('args: -t citc-resume -p daemon.info');
    expect(text[1]).toMatch(
      new RegExp(`^citc resume: cannot write log ${file}: ENOTDIR.*; logging to syslog \\(tag citc-resume\\)$`),
    );
    expect(text).toContain(`2026-01-02T03:04:05.678Z resume[${process.pid}] info start hostlist=c-[1-2]`);
  });
});
