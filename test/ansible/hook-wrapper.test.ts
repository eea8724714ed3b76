import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ansibleDir } from '../../src/render/package-root.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-wrapper-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Rendered by the real template module with the role's own defaults, as the citc_hooks role does.
it('the hook wrappers exec Node on the bundle with absolute paths only (Slurm passes no PATH)', async () => {
  const role = join(ansibleDir(), 'roles', 'citc_hooks');
  const dest = join(dir, 'resume');
  await execa(
    'ansible',
    [
      'localhost',
      '-c',
      'local',
      '-i',
      'localhost,',
      '-m',
      'ansible.builtin.template',
      '-a',
      `src=${role}/templates/hook-wrapper.sh.j2 dest=${dest} mode=0755`,
      '-e',
      `@${role}/defaults/main.yml`,
      '-e',
      'item=resume',
    ],
    { env: { ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') } },
  );
  const lines = (await readFile(dest, 'utf8')).split('\n');
  expect(lines[0]).toBe('#!/bin/sh');
  expect(lines[2]).toBe(
    'exec /opt/citc/node-24.22.3/bin/node /opt/citc/lib/resume.mjs --runtime /etc/citc/runtime.json "$@"',
  );
  expect((await stat(dest)).mode & 0o777).toBe(0o755);
});
