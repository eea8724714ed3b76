// `npm run rehearse`: the cluster `citc deploy` builds, assembled on real Debian 12 hosts (systemd
// containers in private network namespaces on this machine, test/lab) with only the cloud's
// infrastructure API stood in. Prints each phase with its time; exits non-zero when a phase fails;
// stops every host, mount, namespace and process it started, also on failure or Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_NET, Lab, type LabHost } from '../test/lab/lab.js';
import { labImage } from '../test/lab/rootfs.js';
import { run, sh, waitFor } from '../test/lab/sh.js';
import { labTerraform, type StandInTerraformLab } from '../test/lab/terraform.js';

const t0 = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`${secs(Date.now() - t0).padStart(7)}  ${line}`);
const verbose = process.env.CITC_REHEARSE_VERBOSE === '1';
const detail = (line: string) => {
  if (verbose) say(`    ${line}`);
};

const CLUSTER = 'rehearsal';
const MANAGEMENT_IP = `${LAB_NET}.10`;
const ROOT = process.env.CITC_REHEARSE_DIR ?? '/var/tmp/citc-rehearse';
const repoRoot = join(import.meta.dirname, '..');

interface CloudEvent {
  type: 'created' | 'terminated';
  id: string;
  node: string;
  ip: string;
  imageId?: string;
}

interface Ctx {
  onInstance?: (e: CloudEvent) => void;
  lab: Lab;
  work: string;
  adminKey: string;
  userKey: string;
  configPath: string;
  infra?: StandInTerraformLab;
  management?: LabHost;
  sharedHome: string;
}

function clusterYaml(userPub: string): string {
  return `# The rehearsal's cluster (scripts/rehearse.ts): AWS with its API stood in by the fake EC2 in the lab.
name: ${CLUSTER}
provider:
  kind: aws
  region: us-east-1
  zones: [us-east-1a]
  endpoint: http://${LAB_NET}.1:8773
network:
  cidr: ${LAB_NET}.0/24
  adminCidrs: [${LAB_NET}.0/24]
management:
  machineType: t3.medium
storage:
  kind: nfs
  sizeGb: 20
  mounts: [/home]
image:
  os: debian12
partitions:
  - name: compute
    default: true
    shapes:
      - name: small
        instanceTypes: [t3.small]
        cpus: 1
        memoryMb: 900
        maxNodes: 2
slurm:
  suspendTime: 30
  resumeTimeout: 300
  suspendTimeout: 30
users:
  - name: alice
    sshKeys:
      - ${userPub}
`;
}

/** The lab's management node, created when the stand-in terraform applies. */
async function createManagement(ctx: Ctx): Promise<Record<string, unknown>> {
  if (!ctx.management || !ctx.lab.running(ctx.management)) {
    // Lab limit: no NFS in this kernel; /home of every host is one directory of this machine.
    ctx.management = await ctx.lab.startHost({
      name: 'mgmt',
      ip: MANAGEMENT_IP,
      image: ctx.lab.image.rootfs,
      binds: [`${ctx.sharedHome}:/home`],
    });
    // What cloud-init does on a Debian cloud image: the image's sudo user gets the deploying admin's key.
    const pub = sh('ssh-keygen', ['-y', '-f', ctx.adminKey]).trim();
    ctx.lab.exec(ctx.management, [
      'sh',
      '-c',
      `id admin >/dev/null 2>&1 || useradd -m -d /var/lib/admin -s /bin/bash admin
install -d -m 700 -o admin -g admin /var/lib/admin/.ssh
echo '${pub}' > /var/lib/admin/.ssh/authorized_keys
chown admin:admin /var/lib/admin/.ssh/authorized_keys
echo 'admin ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users
chmod 440 /etc/sudoers.d/90-cloud-init-users`,
    ]);
  }
  return {
    subnet_ids: ['subnet-lab'],
    security_group_ids: ['sg-lab'],
    launch_template_id: 'lt-lab',
    instance_profile_arn: 'arn:aws:iam::000000000000:instance-profile/rehearsal-compute',
    management_public_ip: MANAGEMENT_IP,
    management_private_ip: MANAGEMENT_IP,
    management_ssh_user: 'admin',
    management_instance_id: 'i-lab-management',
    storage_address: MANAGEMENT_IP,
    storage_export_prefix: '',
    packer_subnet_id: 'subnet-lab',
  };
}

/** ssh from inside the lab's namespace. */
async function labSsh(ctx: Ctx, key: string, user: string, ip: string, command: string) {
  const [cmd, args] = ctx.lab.inLab('ssh', [
    '-i',
    key,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(ctx.work, 'known_hosts')}`,
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
    `${user}@${ip}`,
    command,
  ]);
  return run(cmd, args);
}

/** `citc` as a user runs it, inside the lab's namespace, with the stand-in terraform first on PATH. */
async function citc(ctx: Ctx, args: string[]) {
  // The admin's machine: its own HOME (ssh known_hosts, ~/.ansible), dummy AWS credentials for the fake.
  const env = {
    ...process.env,
    HOME: ctx.work,
    PATH: `${ctx.infra?.binDir}:${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
    AWS_ACCESS_KEY_ID: 'AKIALAB0000000000000',
    AWS_SECRET_ACCESS_KEY: 'lab-secret',
    AWS_REGION: 'us-east-1',
  };
  const [cmd, argv] = ctx.lab.inLab(process.execPath, [join(repoRoot, 'bin/run.js'), ...args]);
  const r = await run(cmd, argv, { env, cwd: ctx.work, onLine: detail });
  if (r.code !== 0)
    throw new Error(`citc ${args.join(' ')} exited ${r.code}:\n${r.out.split('\n').slice(-25).join('\n')}`);
  return r.out;
}

/** The fake EC2 and the metadata service, inside the lab's namespace; instance events go to the boot agent. */
async function startCloud(ctx: Ctx): Promise<void> {
  const child = ctx.lab.spawnInLab('cloud', process.execPath, [
    '--import',
    'tsx',
    join(repoRoot, 'test/lab/cloud.ts'),
    '--net',
    LAB_NET,
    '--role-ip',
    MANAGEMENT_IP,
  ]);
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const e = JSON.parse(line) as { ready?: boolean } & CloudEvent;
      if (e.ready) ready();
      else ctx.onInstance?.(e);
    }
  });
  await Promise.race([
    isReady,
    new Promise((_, reject) => child.on('exit', (code) => reject(new Error(`the lab cloud exited ${code}`)))),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the lab cloud did not start in 30 s')), 30_000)),
  ]);
}

interface Phase {
  name: string;
  run: (ctx: Ctx) => Promise<string | undefined>;
}

const phases: Phase[] = [
  {
    name: 'lab up',
    run: async (ctx) => {
      const image = ctx.lab.image;
      await startCloud(ctx);
      ctx.infra = await labTerraform(join(ctx.lab.dir, 'infra'), {
        apply: () => createManagement(ctx),
        destroy: async () => {
          if (ctx.management) await ctx.lab.powerOff(ctx.management);
        },
      });
      // The management node exists only once terraform applies; here the lab proves a host boots and
      // is reachable over SSH from the lab's namespace.
      await createManagement(ctx);
      const host = ctx.management as LabHost;
      const who = await waitFor('SSH to the management host', 60_000, async () => {
        const r = await labSsh(ctx, ctx.adminKey, 'admin', host.ip, 'sudo -n id -un');
        return r.code === 0 ? r.out.trim() : undefined;
      });
      return `Debian 12 root fs ${image.rootfs}; host ${host.name} at ${host.ip}, ssh admin@ → sudo ${who}`;
    },
  },
  {
    name: 'management configured',
    run: async (ctx) => {
      const out = await citc(ctx, ['deploy', ctx.configPath, '--ssh-key', ctx.adminKey]);
      const recap = out.split('\n').find((l) => l.includes('recap:'));
      const mgmt = ctx.management as LabHost;
      const active = ctx.lab.exec(mgmt, ['systemctl', 'is-active', 'munge', 'slurmctld']).trim().replace(/\n/g, ' ');
      const sinfo = ctx.lab.exec(mgmt, ['sinfo', '-h', '-o', '%P %D %t']).trim().replace(/\n/g, '; ');
      return `${recap?.trim() ?? ''}; munge slurmctld: ${active}; sinfo: ${sinfo}`;
    },
  },
  {
    name: 'second deploy (changed=0)',
    run: async (ctx) => {
      const out = await citc(ctx, ['deploy', ctx.configPath, '--ssh-key', ctx.adminKey]);
      const recap = out.split('\n').find((l) => l.includes('recap:'));
      const changed = /changed=(\d+)/.exec(recap ?? '')?.[1];
      if (changed !== '0') {
        const tasks = out.split('\n').filter((l) => /changed:/.test(l));
        throw new Error(`the second deploy changed ${changed ?? '?'} things: ${recap}\n${tasks.join('\n')}`);
      }
      return recap?.trim();
    },
  },
];

async function main(): Promise<number> {
  say(`rehearsal: ${phases.length} phases`);
  mkdirSync(ROOT, { recursive: true });
  const image = await labImage(say);
  const lab = new Lab(image, ROOT, say);
  const work = join(lab.dir, 'user');
  const ctx: Ctx = {
    lab,
    work,
    adminKey: join(work, 'admin_key'),
    userKey: join(work, 'alice_key'),
    configPath: join(work, 'citc.yaml'),
    sharedHome: join(lab.dir, 'shared', 'home'),
  };
  let passed = 0;
  let failed = 0;
  try {
    lab.up();
    mkdirSync(work, { recursive: true });
    mkdirSync(ctx.sharedHome, { recursive: true });
    // The admin's and the user's keys live in the lab's directory and go with it.
    for (const k of [ctx.adminKey, ctx.userKey]) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', k]);
    writeFileSync(ctx.configPath, clusterYaml(sh('ssh-keygen', ['-y', '-f', ctx.userKey]).trim()));
    for (const phase of phases) {
      const started = Date.now();
      try {
        const note = await phase.run(ctx);
        passed++;
        say(`PASS ${phase.name} (${secs(Date.now() - started)})${note ? `: ${note}` : ''}`);
      } catch (err) {
        failed++;
        say(`FAIL ${phase.name} (${secs(Date.now() - started)}): ${err instanceof Error ? err.message : String(err)}`);
        break;
      }
    }
  } finally {
    await ctx.infra?.close().catch(() => {});
    for (const h of lab.hosts.values()) await lab.powerOff(h);
    const undone = lab.stop();
    say(`stopped everything the rehearsal started (${undone.length} items)`);
  }
  const skipped = phases.length - passed - failed;
  console.log(`rehearse: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} not reached` : ''}`);
  return failed === 0 && skipped === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`rehearse: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
