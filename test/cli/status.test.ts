import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshArgv } from '../../src/status/ssh.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { repoRoot, runCli } from '../support/cli.js';
import { type LoopbackSshd, startLoopbackSshd } from './loopback-sshd.js';

const NODES = {
  nodes: [{ name: 'compute-c5-1', slurm: 'idle', cloud: 'running' }],
  summary: { idle: 1, powered_down: 147 },
};

describe('sshArgv (pure)', () => {
  it('management node: known_hosts pinned per cluster, key only, batch, a quoted command', () => {
    expect(
      sshArgv(
        { host: '198.51.100.7', user: 'rocky' },
        { knownHosts: '/w/known_hosts', keyFile: '/k/id', batch: true, command: ['sinfo', '-o', '%N %t'] },
      ),
    ).toEqual([
      '-o',
      'UserKnownHostsFile=/w/known_hosts',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'BatchMode=yes',
      '-i',
      '/k/id',
      '-o',
      'IdentitiesOnly=yes',
      'rocky@198.51.100.7',
      '--',
      "sinfo -o '%N %t'",
    ]);
  });

  it('compute node: through the management node with a ProxyCommand that carries the same key and known_hosts', () => {
    const argv = sshArgv(
      { host: '10.20.64.9', user: 'rocky' },
      {
        knownHosts: '/w/known hosts',
        keyFile: '/k/id',
        jump: { host: '198.51.100.7', user: 'rocky', port: 2222 },
        tty: true,
      },
    );
    expect(argv).toContain(
      "ProxyCommand=ssh -o 'UserKnownHostsFile=/w/known hosts' -o StrictHostKeyChecking=accept-new -o ConnectTimeout=15 -i /k/id -o IdentitiesOnly=yes -W %h:%p -p 2222 rocky@198.51.100.7",
    );
    expect(argv.slice(-2)).toEqual(['-t', 'rocky@10.20.64.9']);
  });
});

describe('status, logs and ssh against the EC2 fake and a real sshd on loopback', () => {
  let dir: string;
  let config: string;
  let ec2: Ec2Fake;
  let sshd: LoopbackSshd;
  let via: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'citc-status-'));
    ec2 = new Ec2Fake();
    await ec2.start();
    sshd = await startLoopbackSshd(join(dir, 'sshd'), JSON.stringify(NODES));
    via = ['--ssh-port', String(sshd.port), '--ssh-key', sshd.key];
    config = join(dir, 'citc.yaml');
    const text = await readFile(join(repoRoot, 'examples/aws.yaml'), 'utf8');
    await writeFile(config, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${ec2.endpoint}`));
    ec2.seed(1, {
      tags: { 'citc:cluster': 'hpc-aws', 'citc:role': 'management', Name: 'hpc-aws-mgmt' },
      instanceType: 't3.medium',
      publicIp: '127.0.0.1',
    });
    ec2.seed(2, { tags: { 'citc:cluster': 'hpc-aws', 'citc:nodes': 'compute-c5-[1-2]' }, instanceType: 'c5.2xlarge' });
    ec2.seed(1, { tags: { 'citc:cluster': 'other', 'citc:node': 'compute-c5-1' } });
    await mkdir(join(dir, '.citc/hpc-aws'), { recursive: true });
    await writeFile(
      join(dir, '.citc/hpc-aws/state.json'),
      JSON.stringify({
        version: 1,
        cluster: 'hpc-aws',
        provider: 'aws',
        deploy: {
          stackDir: join(dir, '.citc/hpc-aws/infra/stacks/hpc-aws'),
          synthesizedAt: '2026-12-02T21:00:00.000Z',
          appliedAt: '2026-12-02T21:05:00.000Z',
          outputs: { management_public_ip: '127.0.0.1', management_ssh_user: sshd.user },
          managementZone: 'us-east-1a',
        },
        image: { current: { id: 'ami-0123', builtAt: '2026-12-02T21:30:00.000Z' }, previous: [] },
      }),
    );
  });
  afterAll(async () => {
    sshd?.stop();
    await ec2?.stop();
  });

  it('status --json: the management node from the cloud, compute instances, Slurm nodes over ssh, what bills', async () => {
    const r = await runCli(['status', '--json', config, ...via]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.management.instance).toMatchObject({
      name: 'hpc-aws-mgmt',
      state: 'running',
      machineType: 't3.medium',
      zone: 'us-east-1a',
      publicIp: '127.0.0.1',
    });
    expect(s.compute).toEqual({ total: 2, byState: { running: 2 }, byType: { 'c5.2xlarge': 2 } });
    expect(s.image.current.id).toBe('ami-0123');
    expect(s.nodes).toEqual(NODES);
    expect(s.billing).toEqual([
      'management node hpc-aws-mgmt: t3.medium, running',
      'its 50 GB boot disk and its public address 127.0.0.1',
      'shared disk: 200 GB',
      'compute instances: 2 × c5.2xlarge',
    ]);
    // The host key was pinned in the cluster's own known_hosts on first use.
    const pinned = await readFile(join(dir, '.citc/hpc-aws/known_hosts'), 'utf8');
    expect(pinned).toContain((await readFile(join(dir, 'sshd/host_key.pub'), 'utf8')).split(' ')[1]);
    expect(await sshd.commands()).toContain('/opt/citc/bin/nodes --json');
  });

  it('status without ssh to the management node still reports the cloud side, and why the nodes are missing', async () => {
    const r = await runCli(['status', config, '--ssh-port', '1', '--ssh-key', sshd.key]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Management node hpc-aws-mgmt (i-00000000000000001): running, t3.medium in us-east-1a');
    expect(r.stdout).toMatch(/Slurm nodes: not read \(ssh .*exited 255: .*refused/);
    expect(r.stdout).toContain('Compute instances: 2 (2 running).');
  });

  it('logs --json: the hooks, slurmctld and boot logs through one ssh call', async () => {
    const r = await runCli(['logs', '--json', config, ...via]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      hooks: ['resume compute-c5-1: launched i-0abc'],
      slurmctld: ['[2026-12-02T22:00:00] slurmctld started'],
      boot: ['Cloud-init finished'],
    });
    expect(await sshd.commands()).toContain(
      'sudo -n tail -v -n 50 /var/log/citc/hooks.log /var/log/slurm/slurmctld.log /var/log/cloud-init-output.log',
    );
  });

  it('ssh -- COMMAND runs it on the management node', async () => {
    const r = await runCli(['ssh', '-c', config, ...via, '--', '/opt/citc/bin/nodes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(NODES);
  });

  it('ssh NODE --print: the private address from the cloud, the management node as the jump host', async () => {
    const r = await runCli(['ssh', 'compute-c5-2', '-c', config, '--print', ...via]);
    expect(r.code, r.stderr).toBe(0);
    const ip = ec2.live('hpc-aws').find((i) => i.launchIndex === 1 && i.tags['citc:nodes'])?.privateIp;
    expect(r.stdout).toContain(`-W %h:%p -p ${sshd.port} ${sshd.user}@127.0.0.1`);
    expect(r.stdout.trim().endsWith(`-t ${sshd.user}@${ip}`)).toBe(true);
    const none = await runCli(['ssh', 'gpu-g5-1', '-c', config, '--print']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('citc: NODE_NOT_RUNNING: gpu-g5-1: no running instance serves gpu-g5-1');
  }, 120_000);
});

describe('status --json against the Compute Engine fake', () => {
  let gce: GceFake;
  beforeAll(async () => {
    gce = new GceFake();
    await gce.start();
  });
  afterAll(() => gce.stop());

  it('gets the management node by name in its recorded zone, with its external address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'citc-status-gcp-'));
    const config = join(dir, 'citc.yaml');
    const text = await readFile(join(repoRoot, 'examples/gcp.yaml'), 'utf8');
    await writeFile(config, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${gce.endpoint}`));
    const project = /project: (\S+)/.exec(text)?.[1] as string;
    const zone = /zones: \[([a-z0-9-]+)/.exec(text)?.[1] as string;
    gce.seed(project, zone, ['hpc-gcp-mgmt'], { 'citc-cluster': 'hpc-gcp', 'citc-role': 'management' });
    const mgmt = [...gce.instances.values()].find((i) => i.name === 'hpc-gcp-mgmt');
    if (mgmt) mgmt.natIP = '203.0.113.9';
    gce.seed(project, zone, ['hpc-gcp-compute-n2-1'], { 'citc-cluster': 'hpc-gcp', 'citc-node': 'compute-n2-1' });
    const r = await runCli(['status', '--json', '--no-nodes', config]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.management.instance).toMatchObject({
      name: 'hpc-gcp-mgmt',
      state: 'RUNNING',
      zone,
      publicIp: '203.0.113.9',
    });
    expect(s.compute.total).toBe(1);
    expect(s.nodes).toBeUndefined();
    expect(s.image.current).toBeUndefined();
  });
});
