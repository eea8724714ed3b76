import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderRoleTemplate } from './ansible-local.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-wrapper-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Rendered by the real template module with the role's own defaults, as the citc_hooks role does.
it('the hook wrappers exec Node on the bundle with absolute paths only (Slurm passes no PATH)', async () => {
  const dest = await renderRoleTemplate('citc_hooks', 'hook-wrapper.sh.j2', join(dir, 'resume'), [], ['item=resume']);
  const lines = (await readFile(dest, 'utf8')).split('\n');
  expect(lines[0]).toBe('#!/bin/sh');
  expect(lines[2]).toBe(
    'exec /opt/citc/node-24.22.3/bin/node /opt/citc/lib/resume.mjs --runtime /etc/citc/runtime.json "$@"',
  );
  expect((await stat(dest)).mode & 0o777).toBe(0o755);
});
