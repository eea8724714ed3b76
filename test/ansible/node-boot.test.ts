import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';
import { renderRoleTemplate } from './ansible-local.js';

/**
 * The compute node's boot script, rendered by the real Ansible template module and run against a
 * loopback stand-in for the metadata service (IMDSv2 / GCE metadata paths) and the management node's
 * real munge key server script, started per connection with REMOTE_PORT as systemd's Accept=yes does.
 */
let dir: string;
let server: Server;
let keyServer: TcpServer;
let keyUrl: string;
const KEY = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
let metadataUrl: string;
let metadata: Record<string, string> = {};

async function renderBootScript(config: ClusterConfig, name: string): Promise<string> {
  const inputs = await writeAnsibleInputs({ workDir: join(dir, name), config, state: undefined, inventory: false });
  return renderRoleTemplate('slurmd', 'citc-node-boot.sh.j2', join(dir, `${name}-boot.sh`), [inputs.groupVars]);
}

async function boot(script: string, runDir: string) {
  const r = await execa('sh', [script], {
    reject: false,
    all: true,
    env: {
      CITC_METADATA_URL: metadataUrl,
      CITC_RUN_DIR: runDir,
      CITC_SET_HOSTNAME: '0',
      CITC_MUNGE_KEY_URL: keyUrl,
      CITC_MUNGE_KEY_WAIT: '4',
      CITC_MUNGE_KEY: join(dir, `${runDir.split('/').pop()}.munge.key`),
      PATH: '/usr/bin:/bin',
    },
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
  const inputs = await writeAnsibleInputs({
    workDir: join(dir, 'mgmt'),
    config: awsCluster(),
    state: undefined,
    inventory: false,
  });
  const serve = await renderRoleTemplate('munge', 'citc-munge-key-serve.sh.j2', join(dir, 'serve.sh'), [
    inputs.groupVars,
  ]);
  const served = join(dir, 'served.key');
  await writeFile(served, KEY, { mode: 0o400 });
  keyServer = createTcpServer((socket) => {
    const child = spawn('sh', [serve], {
      env: { REMOTE_PORT: String(socket.remotePort), CITC_MUNGE_KEY: served, PATH: '/usr/bin:/bin' },
    });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    socket.on('error', () => {});
    child.stdin.on('error', () => {});
  });
  await new Promise<void>((r) => keyServer.listen(0, '127.0.0.1', () => r()));
  keyUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/munge.key`;
  awsScript = await renderBootScript(awsCluster(), 'aws');
  gcpScript = await renderBootScript(gcpCluster(), 'gcp');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => keyServer.close(r));
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

  it('fetches the munge key from the management node over a privileged source port, root-only', async () => {
    metadata = { '/latest/meta-data/tags/instance/citc:node': 'compute-c5-1' };
    const r = await boot(awsScript, join(dir, 'key1'));
    expect(r.exitCode, r.all).toBe(0);
    const key = join(dir, 'key1.munge.key');
    expect(await readFile(key)).toEqual(KEY);
    expect((await stat(key)).mode & 0o777).toBe(0o400);
    // Anyone else (an unprivileged source port) gets nothing.
    const other = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', keyUrl], { reject: false });
    expect(other.stdout).toBe('403');
  });

  it('fails, and starts neither munge nor slurmd, when the key cannot be fetched', async () => {
    metadata = { '/latest/meta-data/tags/instance/citc:node': 'compute-c5-2' };
    const saved = keyUrl;
    keyUrl = saved.replace('/munge.key', '/x').replace(/:\d+\//, ':1/');
    const r = await boot(awsScript, join(dir, 'key2')).finally(() => {
      keyUrl = saved;
    });
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('cannot fetch the munge key');
    expect(r.env).toBe('');
    await expect(stat(join(dir, 'key2.munge.key'))).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it('fails, and starts no slurmd, when no node name can be found', async () => {
    metadata = {};
    const r = await boot(awsScript, join(dir, 'run6'));
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain("cannot tell this instance's node name");
    expect(r.env).toBe('');
  });
});
