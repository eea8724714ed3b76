import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderRoleTemplate } from './ansible-local.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-reconcile-units-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One template of the citc_hooks role, rendered by the real template module with the role's defaults. */
async function render(name: string, extra: string[] = []): Promise<string> {
  return readFile(await renderRoleTemplate('citc_hooks', `${name}.j2`, join(dir, name), [], extra), 'utf8');
}

it('the reconcile service runs the wrapper once, as the hooks user, with SLURM_CONF', async () => {
  const unit = await render('citc-reconcile.service', ['citc_slurm_conf_dir=/etc/slurm']);
  expect(unit).toMatch(/^Type=oneshot$/m);
  expect(unit).toMatch(/^User=slurm$/m);
  expect(unit).toMatch(/^ExecStart=\/opt\/citc\/bin\/reconcile$/m);
  expect(unit).toMatch(/^Environment=SLURM_CONF=\/etc\/slurm\/slurm.conf$/m);
});

it('the timer fires every reconcile.intervalSeconds', async () => {
  const timer = await render('citc-reconcile.timer', ['citc_reconcile_interval=10']);
  expect(timer).toMatch(/^OnUnitActiveSec=10$/m);
  expect(timer).toMatch(/^OnBootSec=10$/m);
  expect(timer).toMatch(/^WantedBy=timers.target$/m);
});
