import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sharedDiskPaths } from '../../src/ansible/group-vars.js';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import type { ClusterState } from '../../src/core/state.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';
import { runRoleTasks } from './ansible-local.js';

/**
 * The shared disk of storage kind nfs: the real nfs_server disk tasks against a loop device on this
 * machine (root), with scratch paths for the mount points and fstab. Formatted once, never again.
 */
let dir: string;
let loop = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-disk-'));
  const image = join(dir, 'disk.img');
  await execa('truncate', ['-s', '64M', image]);
  loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
});
afterAll(async () => {
  for (const m of [join(dir, 'shared'), join(dir, 'home'), join(dir, 'disk')]) {
    await execa('umount', [m], { reject: false });
  }
  if (loop) await execa('losetup', ['-d', loop], { reject: false });
  await rm(dir, { recursive: true, force: true });
});

describe('the shared disk (nfs)', () => {
  it('is found by the id Terraform outputs: the NVMe serial on aws, the device name on gcp', async () => {
    expect(sharedDiskPaths(awsCluster(), 'vol-0123456789abcdef0')).toEqual([
      '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0',
      '/dev/xvdf',
    ]);
    expect(sharedDiskPaths(gcpCluster(), 'citc-shared')).toEqual(['/dev/disk/by-id/google-citc-shared']);
    const state: ClusterState = {
      version: 1,
      cluster: 'demo',
      provider: 'aws',
      deploy: { stackDir: '/x', synthesizedAt: '', outputs: { storage_disk_id: 'vol-0abc' } },
    };
    const inputs = await writeAnsibleInputs({ workDir: join(dir, 'w'), config: awsCluster(), state, inventory: false });
    expect(parse(await readFile(inputs.groupVars, 'utf8')).citc_storage_devices).toEqual([
      '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc',
      '/dev/xvdf',
    ]);
  });

  it('is formatted once, mounted at every storage mount with what was there, and never reformatted', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, 'admin', '.ssh'), { recursive: true });
    await writeFile(join(home, 'admin', '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAA deploy\n');
    const fstab = join(dir, 'fstab');
    await writeFile(fstab, '');
    const vars = {
      citc_storage_devices: [join(dir, 'absent'), loop],
      citc_storage_mounts: [home, join(dir, 'shared')],
      citc_shared_disk_dir: join(dir, 'disk'),
      citc_fstab_path: fstab,
      citc_shared_disk_wait_seconds: 5,
    };
    const run = () => runRoleTasks(dir, 'nfs_server', 'disk.yml', [], vars);

    const first = await run();
    expect(first.exitCode, first.all).toBe(0);
    expect(first.all).toContain('TASK [nfs_server : Format the shared disk, only when it has no file system]');
    expect(first.all).not.toMatch(/Format the shared disk[^\n]*\][ *]*\nskipping/);
    expect((await execa('blkid', ['-o', 'value', '-s', 'TYPE', loop])).stdout).toBe('ext4');
    // What the boot disk had at /home is on the disk, and visible through the mount.
    expect(await readFile(join(home, 'admin', '.ssh', 'authorized_keys'), 'utf8')).toContain('deploy');
    expect(await readFile(join(dir, 'disk', home, 'admin', '.ssh', 'authorized_keys'), 'utf8')).toContain('deploy');
    await writeFile(join(home, 'alice-data'), 'keep me');

    // A reboot without the mounts, then the playbook again: nothing formatted, the data is still there.
    for (const m of [join(dir, 'shared'), home, join(dir, 'disk')]) await execa('umount', [m]);
    const second = await run();
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toMatch(/Format the shared disk, only when it has no file system\][ *]*\nskipping/);
    expect(await readFile(join(home, 'alice-data'), 'utf8')).toBe('keep me');
    const third = await run();
    expect(third.all).toMatch(/changed=0/);
    const lines = (await readFile(fstab, 'utf8')).trim().split('\n');
    expect(lines).toEqual([
      `${loop} ${join(dir, 'disk')} ext4 defaults,nofail,x-systemd.device-timeout=60s 0 0`,
      `${join(dir, 'disk')}${home} ${home} none bind,nofail,x-systemd.requires-mounts-for=${join(dir, 'disk')} 0 0`,
      `${join(dir, 'disk')}${join(dir, 'shared')} ${join(dir, 'shared')} none bind,nofail,x-systemd.requires-mounts-for=${join(dir, 'disk')} 0 0`,
    ]);
  }, 120_000);
});
