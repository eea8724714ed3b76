import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runManagementPlaybook } from '../../src/ansible/run-playbook.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { CitcError } from '../../src/core/errors.js';
import type { ClusterState } from '../../src/core/state.js';
import { ensureDeployKey } from '../../src/deploy/deploy-key.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { awsCluster } from '../support/cluster.js';

/**
 * The whole pinning path with real parts: the host key comes from the (fake) EC2 console through the real
 * SDK, the real ansible-playbook waits for SSH and connects to a real sshd on loopback with
 * StrictHostKeyChecking=yes, logging in with citc's deploy key. A node whose key differs from what the
 * cloud reported is refused.
 */
let dir: string;
let fake: Ec2Fake;
let sshd: ChildProcess | undefined;
let port = 0;
let hostKeyPub = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-strict-'));
  fake = new Ec2Fake();
  await fake.start();
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  hostKeyPub = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim();
  const deployKey = await ensureDeployKey(join(dir, 'work'), 'demo');
  await writeFile(join(dir, 'authorized_keys'), `${deployKey.publicKey}\n`, { mode: 0o600 });
  port = await freePort();
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'StrictModes no',
      'UsePAM no',
      '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true });
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
});
afterAll(async () => {
  sshd?.kill();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Ansible and the pinned host key (real sshd on loopback)', () => {
  const config = (): ClusterConfig => ({
    ...awsCluster(),
    provider: { ...awsCluster().provider, endpoint: fake.endpoint },
  });
  const state: ClusterState = {
    version: 1,
    cluster: 'demo',
    provider: 'aws',
    deploy: {
      stackDir: '/x',
      synthesizedAt: '',
      outputs: { management_public_ip: '127.0.0.1', management_instance: 'i-0mgmt', management_ssh_user: 'root' },
    },
  };
  // Only the always-tagged pre-tasks (wait for SSH, gather facts); `su` since this machine has no sudo.
  const run = (sshWaitSeconds = 60) =>
    runManagementPlaybook({
      sshWaitSeconds,
      workDir: join(dir, 'work'),
      config: config(),
      state,
      pinHostKey: true,
      inventory: { host: '127.0.0.1', port },
      tags: ['citc-none'],
      env: { ...process.env, ANSIBLE_BECOME_METHOD: 'su' },
    });

  it('connects when the node has the key the cloud reported', async () => {
    fake.consoles.set('i-0mgmt', `-----BEGIN SSH HOST KEY KEYS-----\n${hostKeyPub}\n-----END SSH HOST KEY KEYS-----\n`);
    const r = await run();
    expect(r.recap.join('\n')).toMatch(/ok=2\s+changed=0\s+unreachable=0\s+failed=0/);
  }, 120_000);

  it('refuses a node whose key is not the one the cloud reported', async () => {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other_key')]);
    const other = (await readFile(join(dir, 'other_key.pub'), 'utf8')).trim();
    fake.consoles.set('i-0mgmt', `-----BEGIN SSH HOST KEY KEYS-----\n${other}\n-----END SSH HOST KEY KEYS-----\n`);
    const err = await run(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).message).toMatch(/Host key verification failed/);
  }, 120_000);
});
