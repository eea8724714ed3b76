import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { CitcError } from '../../src/core/errors.js';
import { deployCluster } from '../../src/deploy/deploy.js';
import { insideCidrs, publicAddresses } from '../../src/deploy/preflight/address.js';
import {
  assertPreflight,
  type CheckName,
  collectionsUsed,
  installedCollections,
  runPreflight,
} from '../../src/deploy/preflight/preflight.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { loadExample } from '../support/cluster.js';
import { isolatedPath, standInTerraform } from './stand-in-terraform.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHm0rc9Yl8dVq8Kx0 admin@site';

/** The example with its placeholders filled in. */
function filled(c: ClusterConfig): ClusterConfig {
  return {
    ...c,
    network: { ...c.network, adminCidrs: ['198.18.0.0/24'] },
    users: c.users.map((u) => ({ ...u, sshKeys: [KEY] })),
    provider: { ...c.provider, ...(c.provider.project && { project: 'lab-hpc-4711' }) },
  };
}

function status(r: Awaited<ReturnType<typeof runPreflight>>): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.check, c.status]));
}

/** A fake `ansible-playbook` and an `ansible-galaxy` that lists the given collections. */
async function standInAnsible(dir: string, collections: string[]): Promise<string> {
  const bin = join(dir, 'bin-ansible');
  await mkdir(bin, { recursive: true });
  const list = JSON.stringify({
    '/usr/share/ansible/collections': Object.fromEntries(collections.map((c) => [c, { version: '1.0.0' }])),
  });
  await writeFile(join(bin, 'ansible-playbook'), '#!/bin/sh\nexit 0\n');
  await writeFile(join(bin, 'ansible-galaxy'), `#!/bin/sh\necho '${list}'\n`);
  await chmod(join(bin, 'ansible-playbook'), 0o755);
  await chmod(join(bin, 'ansible-galaxy'), 0o755);
  return bin;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-preflight-'));
});

describe('placeholders and addresses (pure)', () => {
  it.each([
    ['198.51.100.7', ['198.51.100.0/24'], true],
    ['198.51.100.7', ['198.51.100.7/32'], true],
    ['198.51.101.7', ['198.51.100.0/24', '10.0.0.0/8'], false],
    ['not-an-ip', ['0.0.0.0/0'], false],
  ])('%s inside %j: %s', (ip, cidrs, expected) => {
    expect(insideCidrs(ip, cidrs)).toBe(expected);
  });

  it('takes only public IPv4 interface addresses (no private, loopback, link-local or documentation ranges)', () => {
    const nic = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) =>
      ({ address, family, internal, netmask: '', mac: '', cidr: null }) as never;
    expect(
      publicAddresses({
        lo: [nic('127.0.0.1', 'IPv4', true)],
        eth0: [nic('10.1.2.3'), nic('192.0.2.2'), nic('fe80::1', 'IPv6')],
        eth1: [nic('34.120.1.9'), nic('169.254.3.4')],
      }),
    ).toEqual(['34.120.1.9']);
  });
});

describe('the tools', () => {
  it('knows which collections the roles use, and reads ansible-galaxy collection list --format json', async () => {
    expect(await collectionsUsed()).toEqual(['ansible.posix', 'community.general']);
    expect(installedCollections('{"/a": {"ansible.posix": {"version": "1.5.4"}}, "/b": {"x.y": {}}}')).toEqual(
      new Set(['ansible.posix', 'x.y']),
    );
    expect(installedCollections('ERROR!')).toEqual(new Set());
  });

  it('fails terraform and ansible when they are missing, warns for packer, each with what to install', async () => {
    const config = filled(await loadExample('aws'));
    const r = await runPreflight({
      config,
      env: { PATH: await isolatedPath(dir) },
      skip: ['credentials'],
      interfaces: {},
    });
    expect(status(r)).toEqual({
      terraform: 'fail',
      ansible: 'fail',
      packer: 'warn',
      credentials: 'skipped',
      'admin-address': 'warn',
      placeholders: 'ok',
    });
    const err = (() => {
      try {
        assertPreflight(r, 'hpc-aws');
      } catch (e) {
        return e as CitcError;
      }
    })();
    expect(err?.code).toBe('PREFLIGHT_FAILED');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toContain('terraform: terraform or tofu is not installed');
    expect(err?.message).toContain('ansible: ansible-playbook is not installed');
    expect(err?.message).toContain('apt-get install ansible');
    expect(r.checks.find((c) => c.check === 'packer')?.detail).toContain('no job can run before `citc image rebuild`');
  });

  it('names a collection the roles need that is not installed', async () => {
    const config = filled(await loadExample('aws'));
    const tf = await standInTerraform(dir);
    const ansible = await standInAnsible(dir, ['ansible.posix']);
    const r = await runPreflight({
      config,
      env: { PATH: await isolatedPath(dir, tf.binDir, ansible) },
      skip: ['credentials'],
      interfaces: {},
    });
    expect(status(r).terraform).toBe('ok');
    expect(r.checks.find((c) => c.check === 'ansible')).toMatchObject({
      status: 'fail',
      detail: 'the roles use Ansible collections that are not installed: community.general',
      remedy: expect.stringContaining('ansible-galaxy collection install community.general'),
    });
  });

  it("passes with this machine's own ansible (Debian's, with both collections)", async () => {
    const config = filled(await loadExample('aws'));
    const r = await runPreflight({ config, skip: ['terraform', 'credentials'], interfaces: {} });
    expect(r.checks.find((c) => c.check === 'ansible')).toMatchObject({ status: 'ok' });
  });
});

describe('credentials', () => {
  let ec2: Ec2Fake;
  let gce: GceFake;
  beforeEach(async () => {
    ec2 = new Ec2Fake();
    gce = new GceFake();
    await ec2.start();
    await gce.start();
  });
  afterEach(async () => {
    await ec2.stop();
    await gce.stop();
  });

  const only = ['terraform', 'ansible', 'packer', 'admin-address', 'placeholders'] as CheckName[];

  it('aws with provider.endpoint: the endpoint answers DescribeInstances', async () => {
    const c = filled(await loadExample('aws'));
    ec2.seed(2, { tags: { 'citc:cluster': 'hpc-aws', 'citc:node': 'compute-c5-1' } });
    const config = { ...c, provider: { ...c.provider, endpoint: ec2.endpoint } };
    const r = await runPreflight({ config, skip: only });
    expect(r.checks.find((x) => x.check === 'credentials')).toMatchObject({
      status: 'ok',
      detail: `${ec2.endpoint} answered a list of the cluster's instances (2 live)`,
    });
    expect(ec2.callsOf('DescribeInstances').length).toBeGreaterThan(0);
  });

  it('gcp with provider.endpoint: the endpoint answers the instance list; a dead endpoint fails', async () => {
    const c = filled(await loadExample('gcp'));
    const config = { ...c, provider: { ...c.provider, endpoint: gce.endpoint } };
    const ok = await runPreflight({ config, skip: only });
    expect(ok.checks.find((x) => x.check === 'credentials')?.status).toBe('ok');
    expect(gce.calls.length).toBeGreaterThan(0);
    await gce.stop();
    const dead = await runPreflight({ config, skip: only });
    expect(dead.checks.find((x) => x.check === 'credentials')).toMatchObject({
      status: 'fail',
      remedy: 'Check provider.endpoint and the credentials it takes.',
    });
    await gce.start();
  });

  it('gcp without an endpoint: application default credentials must exist (no call to Google)', async () => {
    const config = filled(await loadExample('gcp'));
    const none = await runPreflight({ config, skip: only, env: { HOME: dir } });
    expect(none.checks.find((x) => x.check === 'credentials')).toMatchObject({
      status: 'fail',
      remedy: expect.stringContaining('gcloud auth application-default login'),
    });
    const adc = join(dir, 'adc.json');
    await writeFile(adc, '{"type":"authorized_user"}');
    const some = await runPreflight({ config, skip: only, env: { HOME: dir, GOOGLE_APPLICATION_CREDENTIALS: adc } });
    expect(some.checks.find((x) => x.check === 'credentials')?.status).toBe('ok');
  });
});

describe('the admin address', () => {
  const only = ['terraform', 'ansible', 'packer', 'credentials', 'placeholders'] as CheckName[];

  it('passes inside adminCidrs, fails outside with the /32 to add, warns when it cannot be known', async () => {
    const config = filled(await loadExample('aws'));
    const check = async (o: { myAddress?: string; interfaces?: Record<string, never[]> }) =>
      (await runPreflight({ config, skip: only, ...o })).checks.find((c) => c.check === 'admin-address');
    expect(await check({ myAddress: '198.18.0.9' })).toMatchObject({ status: 'ok' });
    expect(await check({ myAddress: '198.19.0.9' })).toMatchObject({
      status: 'fail',
      remedy: expect.stringContaining('Add 198.19.0.9/32'),
    });
    expect(await check({ interfaces: {} })).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('not checked'),
    });
  });
});

describe('deploy runs the checks before anything is created', () => {
  it('stops before terraform init when ansible-playbook is missing, and lists every failure', async () => {
    const config = await loadExample('aws');
    const tf = await standInTerraform(dir);
    const err = await deployCluster({
      config,
      workDir: join(dir, '.citc', 'hpc-aws'),
      env: { PATH: await isolatedPath(dir, tf.binDir) },
      preflight: { skip: ['credentials'], interfaces: {} },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect(err.code).toBe('PREFLIGHT_FAILED');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('ansible: ansible-playbook is not installed');
    expect(err.message).toContain("placeholders: network.adminCidrs[0] is still the example's 203.0.113.0/24");
    expect((await tf.calls()).map((c) => c.args[0])).toEqual(['version']);
  });

  it('--dry-run reports the checks without stopping and without calling the cloud', async () => {
    const config = await loadExample('aws');
    const r = await deployCluster({
      config,
      workDir: join(dir, '.citc', 'hpc-aws'),
      dryRun: true,
      env: { PATH: await isolatedPath(dir) },
      preflight: { interfaces: {} },
    });
    expect(r.preflight.ok).toBe(false);
    expect(r.preflight.checks.find((c) => c.check === 'placeholders')?.status).toBe('fail');
  });
});
