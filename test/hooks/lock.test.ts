import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLocks } from '../../src/hooks/lock.js';

const deadPid = () =>
  new Promise<number>((resolve) => {
    const c = spawn('/bin/true');
    c.on('exit', () => resolve(c.pid as number));
  });

describe('nodeLocks', () => {
  it('holds, reports nodes held by a live process as busy, and releases only its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citc-lock-'));
    const sleeper = spawn('/bin/sleep', ['30']);
    try {
      writeFileSync(join(dir, 'c-2.lock'), `${sleeper.pid} ${Date.now()} resume\n`);
      const locks = nodeLocks(dir, 'resume');
      const r = locks.acquire(['c-1', 'c-2', 'c-3']);
      expect(r.held).toEqual(['c-1', 'c-3']);
      expect(r.busy).toEqual([{ node: 'c-2', pid: sleeper.pid }]);
      expect(nodeLocks(dir, 'resume').acquire(['c-1']).held).toEqual(['c-1']); // same pid: re-entrant
      locks.release();
      expect(readdirSync(dir).sort()).toEqual(['c-2.lock']);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('takes over a lock whose owner is dead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citc-lock-'));
    const pid = await deadPid();
    writeFileSync(join(dir, 'c-1.lock'), `${pid} 1 resume\n`);
    const r = nodeLocks(dir, 'resume').acquire(['c-1']);
    expect(r).toEqual({ held: ['c-1'], busy: [], takenOver: [{ node: 'c-1', pid }] });
  });

  it('takes over a lock whose pid lives on in another process (started at another time)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citc-lock-'));
    const sleeper = spawn('/bin/sleep', ['30']);
    try {
      const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
      const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      // The recorded owner had this pid but started earlier: the pid was reused, the owner is gone.
      writeFileSync(join(dir, 'c-1.lock'), `${sleeper.pid} 1 resume 1\n`);
      writeFileSync(join(dir, 'c-2.lock'), `${sleeper.pid} 1 resume ${started}\n`);
      const r = nodeLocks(dir, 'suspend').acquire(['c-1', 'c-2']);
      expect(r.held).toEqual(['c-1']);
      expect(r.takenOver).toEqual([{ node: 'c-1', pid: sleeper.pid }]);
      expect(r.busy).toEqual([{ node: 'c-2', pid: sleeper.pid }]);
      expect(readFileSync(join(dir, 'c-1.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ suspend \\d+\n$`));
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('counts a lock without a readable owner as busy while it is fresh, and stale after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citc-lock-'));
    writeFileSync(join(dir, 'c-1.lock'), '');
    expect(nodeLocks(dir, 'resume').acquire(['c-1'])).toEqual({
      held: [],
      busy: [{ node: 'c-1', pid: 0 }],
      takenOver: [],
    });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'c-1.lock'), old, old);
    expect(nodeLocks(dir, 'resume').acquire(['c-1']).held).toEqual(['c-1']);
    expect(readdirSync(dir)).toEqual(['c-1.lock']); // no temporary file left behind
  });

  it('gives each node to exactly one of many processes racing for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citc-lock-'));
    const stalePid = await deadPid();
    const nodes = Array.from({ length: 50 }, (_, i) => `c-${i + 1}`);
    for (const n of nodes.slice(0, 10)) writeFileSync(join(dir, `${n}.lock`), `${stalePid} 1 resume\n`);
    const script = `
      import { nodeLocks } from ${JSON.stringify(join(process.cwd(), 'src/hooks/lock.ts'))};
      const r = nodeLocks(process.argv[1], 'resume').acquire(JSON.parse(process.argv[2]));
      process.stdout.write(JSON.stringify(r.held));
      setTimeout(() => {}, 1500); // keep the locks alive while the others try
    `;
    const runs = Array.from(
      { length: 6 },
      () =>
        new Promise<string[]>((resolve, reject) => {
          const c = spawn(process.execPath, [
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            script,
            dir,
            JSON.stringify(nodes),
          ]);
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.on('error', reject);
          c.on('exit', () => resolve(JSON.parse(out || '[]')));
        }),
    );
    const held = (await Promise.all(runs)).flat();
    expect(held.sort()).toEqual([...nodes].sort());
  });
});
