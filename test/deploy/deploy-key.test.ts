import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { ensureDeployKey } from '../../src/deploy/deploy-key.js';
import { awsCluster } from '../support/cluster.js';
import { only, synthExample } from '../support/synth.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-deploy-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("citc's deploy key for the management node's sudo account", () => {
  it('is made once, in the format OpenSSH reads (real ssh-keygen -y), kept private, and reused', async () => {
    const first = await ensureDeployKey(dir, 'demo');
    const derived = await execa('ssh-keygen', ['-y', '-f', first.privateKeyFile]);
    expect(derived.stdout.split(' ').slice(0, 2)).toEqual(first.publicKey.split(' ').slice(0, 2));
    expect(first.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ citc-deploy@demo$/);
    expect((await stat(first.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
    expect(await ensureDeployKey(dir, 'demo')).toEqual(first);
  });

  it('is what Ansible logs in with, unless --ssh-key names another', async () => {
    const state = {
      version: 1 as const,
      cluster: 'demo',
      provider: 'aws' as const,
      deploy: { stackDir: '/x', synthesizedAt: '', outputs: { management_public_ip: '192.0.2.7' } },
    };
    const a = await writeAnsibleInputs({ workDir: dir, config: awsCluster(), state, inventory: {} });
    expect(await readFile(a.inventory as string, 'utf8')).toContain(
      `ansible_ssh_private_key_file=${join(dir, 'secrets', 'deploy_key')}`,
    );
    const b = await writeAnsibleInputs({ workDir: dir, config: awsCluster(), state, inventory: { sshKeyFile: '/k' } });
    expect(await readFile(b.inventory as string, 'utf8')).toContain('ansible_ssh_private_key_file=/k\n');
  });

  it('is the only key in the user data (aws) and the ssh-keys metadata (gcp); user keys are not', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyForTests citc-deploy@x';
    const aws = only((await synthExample('aws', undefined, { deployPublicKey: key })).json, 'aws_instance');
    const userData = String(aws.user_data);
    expect(parse(userData)).toEqual({ hostname: 'hpc-aws-mgmt', preserve_hostname: false, ssh_authorized_keys: [key] });
    const gcp = only((await synthExample('gcp', undefined, { deployPublicKey: key })).json, 'google_compute_instance');
    expect((gcp.metadata as Record<string, string>)['ssh-keys']).toBe(`citc:${key}`);
  });
});
