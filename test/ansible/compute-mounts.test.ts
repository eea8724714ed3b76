import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { awsCluster } from '../support/cluster.js';
import { renderRoleTemplate, runRoleTasks } from './ansible-local.js';

/**
 * A compute node whose shared storage did not mount must not take jobs: the fstab entries the nfs_client
 * role writes (real mount module, into a scratch fstab) have no nofail, and slurmd's drop-in (real template
 * module) requires the mounts. That systemd then keeps slurmd down is proven on a real host by the lab.
 */
let dir: string;
let groupVars: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-mounts-'));
  const inputs = await writeAnsibleInputs({
    workDir: join(dir, 'work'),
    config: awsCluster(),
    state: undefined,
    inventory: false,
  });
  groupVars = inputs.groupVars;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compute node mounts', () => {
  it('writes the shared mounts to fstab without nofail, once', async () => {
    const fstab = join(dir, 'fstab');
    await writeFile(fstab, 'UUID=abc / ext4 defaults 0 1\n');
    for (let i = 0; i < 2; i++) {
      const r = await runRoleTasks(dir, 'nfs_client', 'fstab.yml', [groupVars], { citc_fstab_path: fstab });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toMatch(i === 0 ? /changed=1/ : /changed=0/);
    }
    const lines = (await readFile(fstab, 'utf8')).trim().split('\n');
    expect(lines).toEqual([
      'UUID=abc / ext4 defaults 0 1',
      'demo-mgmt:/home /home nfs _netdev,vers=4.1,hard,timeo=600 0 0',
      'demo-mgmt:/shared /shared nfs _netdev,vers=4.1,hard,timeo=600 0 0',
    ]);
  });

  it("slurmd's unit requires every shared mount and the boot script", async () => {
    const dropIn = await renderRoleTemplate('slurmd', 'slurmd-citc.conf.j2', join(dir, 'citc.conf'), [groupVars]);
    const text = await readFile(dropIn, 'utf8');
    expect(text).toContain('\nRequiresMountsFor=/home /shared\n');
    expect(text).toContain('\nRequires=citc-node-boot.service\n');
    expect(text).toContain('\nEnvironmentFile=-/run/citc/slurmd.env\n');
  });

  it("slurmd starts on a configless node: the drop-in clears the packaged unit's slurm.conf condition", async () => {
    // Debian's own unit (installed with slurmd here) skips slurmd when /etc/slurm/slurm.conf is missing.
    const packaged = await readFile('/lib/systemd/system/slurmd.service', 'utf8');
    expect(packaged).toMatch(/^ConditionPathExists=\/etc\/slurm\/slurm\.conf$/m);
    const dropIn = await renderRoleTemplate('slurmd', 'slurmd-citc.conf.j2', join(dir, 'citc.conf'), [groupVars]);
    const unit = (await readFile(dropIn, 'utf8')).split('[Service]')[0] as string;
    expect(unit).toMatch(/^\[Unit\]\nConditionPathExists=\n/m);
  });
});
