import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { ansibleDir } from '../../src/render/package-root.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

/**
 * The compute node's boot script, rendered by the real Ansible template module and run against a
 * loopback stand-in for the metadata service (IMDSv2 / GCE metadata paths).
 */
let dir: string;
let server: Server;
let metadataUrl: string;
let metadata: Record<string, string> = {};

async function renderBootScript(config: ClusterConfig, name: string): Promise<string> {
  const inputs = await writeAnsibleInputs({ workDir: join(dir, name), config, state: undefined, inventory: false });
  const dest = join(dir, `${name}-boot.sh`);
  const src = join(ansibleDir(), 'roles', 'slurmd', 'templates', 'citc-node-boot.sh.j2');
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
      `src=${src} dest=${dest} mode=0755`,
      '-e',
      `@${inputs.groupVars}`,
    ],
    {
      env: { ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') },
    },
  );
  return dest;
}

async function boot(script: string, runDir: string) {
  const r = await execa('sh', [script], {
    reject: false,
    all: true,
    env: { CITC_METADATA_URL: metadataUrl, CITC_RUN_DIR: runDir, CITC_SET_HOSTNAME: '0', PATH: '/usr/bin:/bin' },
    extendEnv: false,
  });
  const env = await readFile(join(runDir, 'slurmd.env'), 'utf8').catch(() => '');
  return { ...r, env };
}

let awsScript: string;
let gcpScript: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-boot-'));
  server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('token-1');
    const aws = req.url?.startsWith('/latest/meta-data/') && req.headers['x-aws-ec2-metadata-token'] === 'token-1';
    const gcp = req.url?.startsWith('/computeMetadata/v1/') && req.headers['metadata-flavor'] === 'Google';
    const value = aws || gcp ? metadata[decodeURIComponent(req.url ?? '')] : undefined;
    res.statusCode = value === undefined ? 404 : 200;
    res.end(value ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  awsScript = await renderBootScript(awsCluster(), 'aws');
  gcpScript = await renderBootScript(gcpCluster(), 'gcp');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('citc-node-boot', () => {
  it('aws: takes the citc:node tag and points slurmd at the controller', async () => {
    metadata = { '/latest/meta-data/tags/instance/citc:node': 'compute-c5-4' };
    const r = await boot(awsScript, join(dir, 'run1'));
    expect(r.exitCode).toBe(0);
    expect(r.env).toBe('SLURMD_OPTIONS="-N compute-c5-4 --conf-server demo-mgmt:6817"\n');
  });

  it('aws: picks its node from the citc:nodes hostlist by launch index', async () => {
    const list = 'compute-c5-[1-3,7],gpu-g4-2';
    metadata = { '/latest/meta-data/tags/instance/citc:nodes': list, '/latest/meta-data/ami-launch-index': '3' };
    expect((await boot(awsScript, join(dir, 'run2'))).env).toContain('-N compute-c5-7 ');
    metadata['/latest/meta-data/ami-launch-index'] = '4';
    expect((await boot(awsScript, join(dir, 'run3'))).env).toContain('-N gpu-g4-2 ');
  });

  it('aws: falls back to the Name tag without the cluster prefix', async () => {
    metadata = { '/latest/meta-data/tags/instance/Name': 'demo-gpu-p3-2' };
    expect((await boot(awsScript, join(dir, 'run4'))).env).toContain('-N gpu-p3-2 ');
  });

  it('gcp: the instance name minus the cluster prefix', async () => {
    metadata = { '/computeMetadata/v1/instance/name': 'gdemo-batch-n2-12' };
    const r = await boot(gcpScript, join(dir, 'run5'));
    expect(r.env).toBe('SLURMD_OPTIONS="-N batch-n2-12 --conf-server gdemo-mgmt:6817"\n');
  });

  it('fails, and starts no slurmd, when no node name can be found', async () => {
    metadata = {};
    const r = await boot(awsScript, join(dir, 'run6'));
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain("cannot tell this instance's node name");
    expect(r.env).toBe('');
  });
});
