import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { renderInventory } from '../../src/ansible/inventory.js';
import { runManagementPlaybook } from '../../src/ansible/run-playbook.js';
import { CitcError, ExitCode } from '../../src/core/errors.js';
import type { ClusterState } from '../../src/core/state.js';
import { ansibleDir, packageRoot } from '../../src/render/package-root.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'citc-ansible-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const deployed = (extra: Record<string, string | string[]> = {}): ClusterState => ({
  version: 1,
  cluster: 'demo',
  provider: 'aws',
  deploy: {
    stackDir: '/nowhere',
    synthesizedAt: '2026-11-22T00:00:00Z',
    appliedAt: '2026-11-22T00:05:00Z',
    outputs: { management_public_ip: '127.0.0.1', management_private_ip: '10.0.0.10', ...extra },
  },
});

describe('the playbooks with rendered inputs (real ansible-playbook, offline)', () => {
  it('site.yml passes --syntax-check with the rendered inventory and group vars', async () => {
    const r = await runManagementPlaybook({ workDir, config: awsCluster(), state: deployed(), syntaxCheckOnly: true });
    expect(r.recap).toEqual([]);
    expect(await readFile(join(workDir, 'ansible', 'inventory.ini'), 'utf8')).toContain(
      'demo-mgmt ansible_host=127.0.0.1 ansible_user=rocky',
    );
  });

  it('compute.yml (the image build) passes --syntax-check', async () => {
    const inputs = await writeAnsibleInputs({ workDir, config: gcpCluster(), state: undefined, inventory: false });
    const r = await execa(
      'ansible-playbook',
      ['-i', 'localhost,', '-e', `@${inputs.groupVars}`, join(ansibleDir(), 'compute.yml'), '--syntax-check'],
      {
        reject: false,
        all: true,
        env: { ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') },
      },
    );
    expect(r.all).toContain('playbook: ');
    expect(r.exitCode).toBe(0);
  });

  it('ansible-lint passes over ansible/ with the production profile', async () => {
    const r = await execa('ansible-lint', ['--offline', '--nocolor', 'ansible/'], {
      cwd: packageRoot(),
      reject: false,
      all: true,
    });
    expect(r.all).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
    expect(r.exitCode).toBe(0);
  });

  it('runs the playbook for real and reports an unreachable management node as one CitcError', async () => {
    const progress: string[] = [];
    const err = await runManagementPlaybook({
      workDir,
      config: awsCluster(),
      state: deployed(),
      inventory: { host: '127.0.0.1', port: 1 },
      sshWaitSeconds: 3,
      onProgress: (l) => progress.push(l),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('PLAYBOOK_FAILED');
    // The playbook first waits for SSH (citc_ssh_wait_seconds), then fails with ssh's reason.
    expect((err as CitcError).message).toMatch(/fatal: \[demo-mgmt\].*127\.0\.0\.1 port 1/);
    expect((err as CitcError).remedy).toContain('ansible-playbook -i');
    expect(progress).toContain('play: Configure the management node');
  });

  it('fails with exit code 3 and the install hint when ansible-playbook is missing', async () => {
    const empty = join(workDir, 'empty-bin');
    await mkdir(empty);
    const err = await runManagementPlaybook({
      workDir,
      config: awsCluster(),
      state: deployed(),
      env: { PATH: empty },
    }).catch((e: unknown) => e);
    expect((err as CitcError).exitCode).toBe(ExitCode.missingTool);
    expect((err as CitcError).toLine()).toContain('Install Ansible');
  });
});

describe('writeAnsibleInputs', () => {
  it('renders runtime.json from the recorded image and outputs, and everything the roles read', async () => {
    const state: ClusterState = {
      ...deployed({ compute_subnet_ids: ['subnet-a', 'subnet-b'], compute_security_group_ids: ['sg-1'] }),
      image: { current: { id: 'ami-0new', builtAt: '2026-11-22T00:00:00Z' }, previous: [] },
    };
    const w = await writeAnsibleInputs({ workDir, config: awsCluster(), state, inventory: {} });
    expect(w.runtimeSkipped).toBeUndefined();
    const runtime = JSON.parse(await readFile(join(w.renderedDir, 'runtime.json'), 'utf8'));
    expect(runtime.imageId).toBe('ami-0new');
    expect(runtime.aws.subnetIdsByZone).toEqual({ 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b' });
    const vars = parse(await readFile(w.groupVars, 'utf8'));
    expect(vars).toMatchObject({
      citc_cluster_name: 'demo',
      citc_management_hostname: 'demo-mgmt',
      citc_management_address: '10.0.0.10',
      citc_storage_server: 'demo-mgmt',
      citc_storage_mounts: ['/home', '/shared'],
      citc_users: [{ name: 'alice', uid: 17479, admin: false }],
      citc_gres: true,
      citc_runtime_rendered: true,
      citc_tag_node: 'citc:node',
    });
    const conf = await readFile(join(w.renderedDir, 'slurm.conf'), 'utf8');
    expect(conf).toContain('SlurmctldHost=demo-mgmt(10.0.0.10)\n');
    expect((await stat(join(workDir, 'secrets'))).mode & 0o777).toBe(0o700);
  });

  it('skips runtime.json (and says why) before an image exists, and drops a stale gres.conf', async () => {
    await mkdir(join(workDir, 'rendered'), { recursive: true });
    await writeFile(join(workDir, 'rendered', 'gres.conf'), 'stale');
    await writeFile(join(workDir, 'rendered', 'runtime.json'), '{}');
    const w = await writeAnsibleInputs({ workDir, config: gcpCluster(), state: deployed(), inventory: {} });
    expect(w.runtimeSkipped).toMatch(/no compute image/);
    await expect(stat(join(w.renderedDir, 'runtime.json'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(w.renderedDir, 'gres.conf'))).rejects.toThrow(/ENOENT/);
    expect(parse(await readFile(w.groupVars, 'utf8')).citc_runtime_rendered).toBe(false);
  });

  it('needs the management address from the deploy state for the inventory', () => {
    expect(() => renderInventory(awsCluster(), undefined)).toThrow(/management_public_ip/);
    expect(renderInventory(gcpCluster(), deployed({ management_ssh_user: 'ops' }), { sshKeyFile: '/k' })).toContain(
      'gdemo-mgmt ansible_host=127.0.0.1 ansible_user=ops ansible_ssh_private_key_file=/k',
    );
  });
});
