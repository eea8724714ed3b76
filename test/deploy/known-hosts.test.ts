import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { CitcError } from '../../src/core/errors.js';
import type { ClusterState } from '../../src/core/state.js';
import { knownHostsPath, parseConsoleHostKeys, pinManagementHostKey } from '../../src/deploy/known-hosts.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheManagementNode';
const EC = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=';
// What cloud-init prints on the serial console at the end of boot.
const CONSOLE = [
  '[   12.345678] cloud-init[812]: Cloud-init v. 22.4.2 running modules:final',
  '<14>Dec  2 22:00:00 ec2: ',
  '<14>Dec  2 22:00:00 ec2: #############################################################',
  '<14>Dec  2 22:00:00 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
  '<14>Dec  2 22:00:00 ec2: 256 SHA256:abc root@demo-mgmt (ED25519)',
  '<14>Dec  2 22:00:00 ec2: -----END SSH HOST KEY FINGERPRINTS-----',
  '-----BEGIN SSH HOST KEY KEYS-----',
  `${EC} root@demo-mgmt`,
  `${ED} root@demo-mgmt`,
  '-----END SSH HOST KEY KEYS-----',
  '[   13.0] cloud-init[812]: Cloud-init v. 22.4.2 finished',
].join('\r\n');

let dir: string;
let fake: Ec2Fake;
let gce: GceFake;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-known-hosts-'));
  fake = new Ec2Fake();
  await fake.start();
  gce = new GceFake();
  await gce.start();
});
afterAll(async () => {
  await fake.stop();
  await gce.stop();
  await rm(dir, { recursive: true, force: true });
});

const config = () => ({ ...awsCluster(), provider: { ...awsCluster().provider, endpoint: fake.endpoint } });
const outputs = { management_public_ip: '203.0.113.5', management_instance: 'i-0mgmt' };

describe("the management node's host key", () => {
  it.each([
    ['the keys block', CONSOLE, [EC, ED]],
    ['nothing before cloud-init printed it', CONSOLE.split('-----BEGIN SSH HOST KEY KEYS')[0] as string, []],
    ['an unfinished block', CONSOLE.split('-----END SSH HOST KEY KEYS')[0] as string, []],
  ])('is read from the console: %s', (_what, text, keys) => {
    expect(parseConsoleHostKeys(text)).toEqual(keys);
  });

  it('is learned from EC2 GetConsoleOutput (real SDK, fake EC2) and pinned for Ansible', async () => {
    fake.consoles.set('i-0mgmt', CONSOLE);
    const work = join(dir, 'a');
    const file = await pinManagementHostKey({ config: config(), workDir: work, outputs });
    expect(file).toBe(knownHostsPath(work));
    expect(await readFile(file, 'utf8')).toBe(`203.0.113.5 ${EC}\n203.0.113.5 ${ED}\n`);
    const state: ClusterState = {
      version: 1,
      cluster: 'demo',
      provider: 'aws',
      deploy: { stackDir: '/x', synthesizedAt: '', outputs },
    };
    const inputs = await writeAnsibleInputs({ workDir: work, config: config(), state, inventory: {} });
    expect(await readFile(inputs.inventory as string, 'utf8')).toContain(
      `ansible_ssh_common_args='-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${file}'`,
    );
  });

  it('waits for the keys to appear, names the port Ansible uses, and gives up with a remedy', async () => {
    fake.consoles.set('i-0late', 'booting...');
    setTimeout(() => fake.consoles.set('i-0late', CONSOLE), 300);
    const work = join(dir, 'b');
    const late = { ...outputs, management_instance: 'i-0late' };
    const file = await pinManagementHostKey({
      config: config(),
      workDir: work,
      outputs: late,
      port: 2222,
      pollMs: 100,
    });
    expect((await readFile(file, 'utf8')).split('\n')[0]).toBe(`[203.0.113.5]:2222 ${EC}`);

    fake.consoles.set('i-0never', 'booting...');
    const err = await pinManagementHostKey({
      config: config(),
      workDir: work,
      outputs: { ...outputs, management_instance: 'i-0never' },
      timeoutMs: 200,
      pollMs: 50,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('HOST_KEY_NOT_PUBLISHED');
    expect((err as CitcError).remedy).toContain('Get system log');
  });

  it('is learned from the guest attributes at provider.endpoint, in the management zone (real SDK, fake GCE)', async () => {
    // The management node in the second zone (management.zone, as deploy pins it); the guest agent has
    // published its keys as guest attributes hostkeys/<type>.
    const base = gcpCluster();
    const config = {
      ...base,
      provider: { ...base.provider, zones: ['europe-west4-a', 'europe-west4-b'], endpoint: gce.endpoint },
      management: { ...base.management, zone: 'europe-west4-b' },
    };
    const mgmt = gce.adopt('citc-test', 'europe-west4-b', {
      name: 'gdemo-mgmt',
      networkIP: '10.1.0.2',
      metadata: { 'enable-guest-attributes': 'TRUE' },
    });
    setTimeout(() => {
      for (const key of [ED, EC]) {
        const [type, b64] = key.split(' ') as [string, string];
        mgmt.guestAttributes.set(`hostkeys/${type}`, b64);
      }
    }, 300);
    const work = join(dir, 'g');
    const file = await pinManagementHostKey({
      config,
      workDir: work,
      outputs: { management_public_ip: '203.0.113.9', management_instance: 'gdemo-mgmt' },
      pollMs: 100,
      timeoutMs: 10_000,
    });
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(
      [`203.0.113.9 ${EC}`, `203.0.113.9 ${ED}`].sort(),
    );
    expect(gce.callsOf('getGuestAttributes').at(-1)?.params.path).toBe(
      '/compute/v1/projects/citc-test/zones/europe-west4-b/instances/gdemo-mgmt/getGuestAttributes',
    );
  });
});
