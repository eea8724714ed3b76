import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ansibleDir } from '../../src/render/package-root.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-reconcile-units-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Renders one template of the citc_hooks role with the real template module and the role's defaults. */
async function render(name: string, extra: string[] = []): Promise<string> {
  const role = join(ansibleDir(), 'roles', 'citc_hooks');
  const dest = join(dir, name);
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
      `src=${role}/templates/${name}.j2 dest=${dest}`,
      '-e',
      `@${role}/defaults/main.yml`,
      ...extra,
    ],
    { env: { ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') } },
  );
  return readFile(dest, 'utf8');
}

it('the reconcile service runs the wrapper once, as the hooks user, with SLURM_CONF', async () => {
  const unit = await render('citc-reconcile.service', ['-e', 'citc_slurm_conf_dir=/etc/slurm']);
  expect(unit).toMatch(/^Type=oneshot$/m);
  expect(unit).toMatch(/^User=slurm$/m);
  expect(unit).toMatch(/^ExecStart=\/opt\/citc\/bin\/reconcile$/m);
  expect(unit).toMatch(/^Environment=SLURM_CONF=\/etc\/slurm\/slurm.conf$/m);
});

it('the timer fires every reconcile.intervalSeconds', async () => {
  const timer = await render('citc-reconcile.timer', ['-e', 'citc_reconcile_interval=10']);
  expect(timer).toMatch(/^OnUnitActiveSec=10$/m);
  expect(timer).toMatch(/^OnBootSec=10$/m);
  expect(timer).toMatch(/^WantedBy=timers.target$/m);
});
