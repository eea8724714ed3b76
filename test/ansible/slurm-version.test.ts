import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { ansibleDir } from '../../src/render/package-root.js';
import { awsCluster } from '../support/cluster.js';
import { runRoleTasks } from './ansible-local.js';

/**
 * One Slurm version: the slurmctld role records what the management node has (real package_facts on this
 * machine, which has Debian's slurmctld), deploy's inputs carry it, and the image installs exactly it.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-slurm-version-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Slurm version', () => {
  it('is recorded from the management node and pinned in the image build', async () => {
    const work = join(dir, 'work');
    const before = await writeAnsibleInputs({
      workDir: work,
      config: awsCluster(),
      state: undefined,
      inventory: false,
    });
    expect(before.slurmVersion).toBeUndefined();
    const r = await runRoleTasks(dir, 'slurmctld', 'version.yml', [before.groupVars], {}, true);
    expect(r.exitCode, r.all).toBe(0);
    const installed = (await execa('dpkg-query', ['-W', `-f=\${Version}`, 'slurmctld'])).stdout;
    expect(installed).toMatch(/^\d+\.\d+\.\d+/);
    expect((await readFile(join(work, 'ansible', 'slurm-version'), 'utf8')).trim()).toBe(installed);

    const after = await writeAnsibleInputs({ workDir: work, config: awsCluster(), state: undefined, inventory: false });
    expect(after.slurmVersion).toBe(installed);
    expect(parse(await readFile(after.groupVars, 'utf8')).citc_slurm_version).toBe(installed);
    // The role's package list, as Ansible templates it for the image.
    const rendered = await execa(
      'ansible',
      [
        'localhost',
        '-c',
        'local',
        '-i',
        'localhost,',
        '-m',
        'ansible.builtin.debug',
        '-a',
        "msg={{ citc_slurmd_packages['Debian'] | join(' ') }}",
        '-e',
        `@${join(ansibleDir(), 'roles', 'slurmd', 'defaults', 'main.yml')}`,
        '-e',
        `@${after.groupVars}`,
      ],
      { env: { ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') } },
    );
    expect(rendered.stdout).toContain(`"msg": "slurmd=${installed} slurm-client=${installed} curl"`);
  }, 60_000);
});
