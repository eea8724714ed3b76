// `npm run rehearse`: the cluster `citc deploy` builds, assembled on real Debian 12 hosts (systemd
// containers in private network namespaces on this machine, test/lab) with only the cloud's
// infrastructure API stood in. Prints each phase with its time; exits non-zero when a phase fails;
// stops every host, mount, namespace and process it started, also on failure or Ctrl-C.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../infra/outputs.js';
import { sharedDiskPaths } from '../src/ansible/group-vars.js';
import { NODE_RUNTIME, nodePackage } from '../src/ansible/node-runtime.js';
import { loadClusterConfig } from '../src/config/load.js';
import type { ClusterConfig } from '../src/core/config/types.js';
import { BUILD_HOST_OUTPUTS } from '../src/image/packer-inputs.js';
import { LAB_NET, Lab, type LabHost } from '../test/lab/lab.js';
import { labImage } from '../test/lab/rootfs.js';
import { run, sh, sleep, waitFor } from '../test/lab/sh.js';
import {
  labTerraform,
  type ManagementUserData,
  managementUserData,
  type StandInTerraformLab,
} from '../test/lab/terraform.js';

const t0 = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`${secs(Date.now() - t0).padStart(7)}  ${line}`);
const verbose = process.env.CITC_REHEARSE_VERBOSE === '1';
const detail = (line: string) => {
  if (verbose) say(`    ${line}`);
};

const CLUSTER = 'rehearsal';
const MANAGEMENT_IP = `${LAB_NET}.10`;
const BUILD_IP = `${LAB_NET}.20`;
/** The management node's instance id, in terraform's outputs and the lab cloud's API and metadata. */
const MANAGEMENT_INSTANCE = 'i-0lab';
const PROBE_IP = `${LAB_NET}.30`;
/** How long after RunInstances an instance's host starts booting (see the boot agent). */
const VM_START_DELAY_MS = 3_000;
const SHARED_DISK_ID = 'vol-0lab0000000000001';
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
  buildHost?: LabHost;
  buildUserData?: ManagementUserData;
  builds: number;
  agentSock?: string;
  imageId?: string;
  jobId?: string | undefined;
  instances: Map<string, LabHost>;
  booting: Promise<void>[];
  config?: ClusterConfig;
  sharedDisk?: string;
  sharedMount?: string;
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

/**
 * What the stand-in terraform's apply creates: the management node and the image build host, each a lab
 * host booted from the Debian 12 root file system, first booted as the stack's cloud-init asks.
 */
async function applyInfra(ctx: Ctx, stackDir: string): Promise<Record<string, unknown>> {
  const userData = managementUserData(stackDir);
  const boots: Promise<void>[] = [];
  if (!ctx.management || !ctx.lab.running(ctx.management)) {
    boots.push(
      (async () => {
        // The shared disk Terraform attaches, where the role finds it by its volume id (NVMe serial).
        const disk = ctx.lab.addDisk('shared-disk', 2048);
        ctx.sharedDisk = disk;
        ctx.management = await ctx.lab.startHost({
          name: 'mgmt',
          ip: MANAGEMENT_IP,
          image: ctx.lab.image.rootfs,
          binds: [`${disk}:${sharedDiskPaths(ctx.config as ClusterConfig, SHARED_DISK_ID)[0]}`],
        });
        cloudInit(ctx, ctx.management, userData);
        consoleHostKeys(ctx, ctx.management, MANAGEMENT_INSTANCE);
        standInNfsServer(ctx, ctx.management);
      })(),
    );
  }
  if (!ctx.buildHost || !ctx.lab.running(ctx.buildHost)) boots.push(startBuildHost(ctx, userData));
  await Promise.all(boots);
  return labOutputs(ctx);
}

/** A fresh host to build the compute image on (packer's null builder provisions it over SSH). */
async function startBuildHost(ctx: Ctx, userData: ManagementUserData): Promise<void> {
  ctx.buildHost = await ctx.lab.startHost({ name: `build${++ctx.builds}`, ip: BUILD_IP, image: ctx.lab.image.rootfs });
  cloudInit(ctx, ctx.buildHost, { sshAuthorizedKeys: userData.sshAuthorizedKeys });
  ctx.buildUserData = userData;
}

/** Where the lab cloud finds the serial console of the hosts booted outside it (test/lab/cloud.ts --consoles). */
function consolesDir(ctx: Ctx): string {
  return join(ctx.lab.dir, 'consoles');
}

/**
 * What cloud-init prints on the serial console on first boot, and what GetConsoleOutput returns: the
 * host's public keys, which citc pins before its first ssh (src/deploy/known-hosts.ts).
 */
function consoleHostKeys(ctx: Ctx, host: LabHost, instanceId: string): void {
  const sshDir = join(host.root, 'etc/ssh');
  const keys = readdirSync(sshDir)
    .filter((n) => /^ssh_host_\w+_key\.pub$/.test(n))
    .map((n) => readFileSync(join(sshDir, n), 'utf8').trim());
  mkdirSync(consolesDir(ctx), { recursive: true });
  writeFileSync(
    join(consolesDir(ctx), instanceId),
    `Cloud-init v. 22.4.2 running 'modules:final'\n-----BEGIN SSH HOST KEY KEYS-----\n${keys.join('\n')}\n-----END SSH HOST KEY KEYS-----\n`,
  );
}

/** What cloud-init does on a Debian cloud image's first boot: the sudo user `admin` with the given keys. */
function cloudInit(ctx: Ctx, host: LabHost, userData: ManagementUserData): void {
  ctx.lab.exec(
    host,
    [
      'sh',
      '-c',
      `id admin >/dev/null 2>&1 || useradd -m -d /var/lib/admin -s /bin/bash admin
install -d -m 700 -o admin -g admin /var/lib/admin/.ssh
cat > /var/lib/admin/.ssh/authorized_keys
chown admin:admin /var/lib/admin/.ssh/authorized_keys
echo 'admin ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users
chmod 440 /etc/sudoers.d/90-cloud-init-users`,
    ],
    `${userData.sshAuthorizedKeys.join('\n')}\n`,
  );
  if (userData.hostname) {
    ctx.lab.exec(host, ['hostnamectl', 'set-hostname', userData.hostname]);
    ctx.lab.exec(host, ['sh', '-c', `echo '127.0.1.1 ${userData.hostname}' >> /etc/hosts`]);
  }
}

/**
 * Lab limit: this kernel has no NFS server, so nfs-server.service cannot start here. The lab replaces
 * the unit (a full unit in /etc overrides the package's) by one that starts nothing; the nfs_server role
 * still installs the package, renders /etc/exports.d and runs `exportfs -ra` on it. Every host's /home is
 * instead one directory of this machine, bind-mounted.
 */
function standInNfsServer(ctx: Ctx, host: LabHost): void {
  ctx.lab.exec(host, [
    'sh',
    '-c',
    `mkdir -p /etc/systemd/system && cat > /etc/systemd/system/nfs-server.service <<'UNIT'
[Unit]
Description=rehearsal lab: stands in for the kernel NFS server this machine lacks (/home is a shared bind mount)
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecReload=/bin/true
[Install]
WantedBy=multi-user.target
Alias=nfs-kernel-server.service
UNIT
systemctl daemon-reload`,
  ]);
}

/** The outputs a real AWS apply records (infra/aws/stack.ts), with the lab's addresses and build host. */
function labOutputs(ctx: Ctx): Record<string, unknown> {
  const O = STACK_OUTPUTS;
  return {
    [O.awsSubnetIds]: ['subnet-us-east-1a'],
    [O.awsSecurityGroupIds]: ['sg-0lab'],
    [O.awsLaunchTemplateId]: 'lt-0lab',
    [O.awsInstanceProfileArn]: 'arn:aws:iam::000000000000:instance-profile/rehearsal-compute',
    [O.managementPublicIp]: MANAGEMENT_IP,
    [O.managementPrivateIp]: MANAGEMENT_IP,
    [O.managementSshUser]: 'admin',
    [O.managementInstance]: MANAGEMENT_INSTANCE,
    [O.storageAddress]: MANAGEMENT_IP,
    [O.storageExportPrefix]: '',
    [O.storageDiskId]: SHARED_DISK_ID,
    [O.awsSubnetId]: 'subnet-us-east-1a',
    [BUILD_HOST_OUTPUTS.buildHost]: BUILD_IP,
    [BUILD_HOST_OUTPUTS.imageCommand]: `${process.execPath} ${join(ctx.infra?.binDir ?? '', 'infra-client.cjs')} POST /image`,
  };
}

/**
 * The build host's image command (terraform output packer_image_command, run by packer's shell-local
 * post-processor): powers the build host off and keeps its changes over the Debian root file system as a
 * new image, a directory whose path is the image id; a fresh build host takes its place.
 */
async function makeImage(ctx: Ctx): Promise<string> {
  const build = ctx.buildHost;
  if (!build) throw new Error('no build host');
  await ctx.lab.powerOff(build);
  const dir = join(ctx.lab.dir, 'images', `${CLUSTER}-compute-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  // Each instance gets its own host keys and machine id when it starts (Lab.startHost).
  sh('cp', ['-a', `${build.upper}/.`, join(dir, 'layer')]);
  writeFileSync(join(dir, 'lower'), `${ctx.lab.image.rootfs}\n`);
  if (ctx.buildUserData) await startBuildHost(ctx, ctx.buildUserData);
  return dir;
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
  // The admin's machine: dummy AWS credentials for the fake.
  const env = {
    ...process.env,
    PATH: `${ctx.infra?.binDir}:${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
    AWS_ACCESS_KEY_ID: 'AKIALAB0000000000000',
    AWS_SECRET_ACCESS_KEY: 'lab-secret',
    AWS_REGION: 'us-east-1',
    ...(ctx.agentSock && { SSH_AUTH_SOCK: ctx.agentSock }),
    // citc gets the hooks' runtime with `npm pack`; the lab has no registry, so npm answers from its
    // cache, filled on this machine before the run (main).
    npm_config_offline: 'true',
  };
  // ssh reads ~/.ssh of the passwd entry, not $HOME: the admin's ~/.ssh is a fresh tmpfs in a private
  // mount namespace, so known_hosts of this machine's root is neither read nor written.
  const [cmd, argv] = ctx.lab.inLab('unshare', [
    '-m',
    'sh',
    '-c',
    'mkdir -p ~/.ssh && mount -t tmpfs -o mode=700 tmpfs ~/.ssh && exec "$@"',
    'citc',
    process.execPath,
    join(repoRoot, 'bin/run.js'),
    ...args,
  ]);
  const r = await run(cmd, argv, { env: { ...env, HOME: process.env.HOME ?? '/root' }, cwd: ctx.work, onLine: detail });
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
    '--role-instance',
    MANAGEMENT_INSTANCE,
    '--consoles',
    consolesDir(ctx),
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
        apply: (stackDir) => applyInfra(ctx, stackDir),
        image: () => makeImage(ctx),
        destroy: async () => {
          for (const h of [ctx.management, ctx.buildHost]) if (h) await ctx.lab.powerOff(h);
        },
      });
      // A probe host: boots, is reachable over SSH from the lab's namespace, reaches the metadata service.
      const probe = await ctx.lab.startHost({ name: 'probe', ip: PROBE_IP, image: image.rootfs });
      cloudInit(ctx, probe, { sshAuthorizedKeys: [sh('ssh-keygen', ['-y', '-f', ctx.adminKey]).trim()] });
      const who = await waitFor('SSH to the probe host', 60_000, async () => {
        const r = await labSsh(ctx, ctx.adminKey, 'admin', probe.ip, 'sudo -n id -un');
        return r.code === 0 ? r.out.trim() : undefined;
      });
      const imds = ctx.lab.exec(probe, [
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'PUT',
        '-H',
        'X-aws-ec2-metadata-token-ttl-seconds: 60',
        'http://169.254.169.254/latest/api/token',
      ]);
      if (imds !== '200') throw new Error(`the probe host got HTTP ${imds} from the metadata service`);
      await ctx.lab.powerOff(probe);
      return `Debian 12 root fs cached; probe host booted, ssh admin@${probe.ip} → sudo ${who}, metadata token ${imds}`;
    },
  },
  {
    name: 'management configured',
    run: async (ctx) => {
      const out = await citc(ctx, ['deploy', ctx.configPath]);
      const recap = out.split('\n').find((l) => l.includes('recap:'));
      const mgmt = ctx.management as LabHost;
      const active = ctx.lab.exec(mgmt, ['systemctl', 'is-active', 'munge', 'slurmctld']).trim().replace(/\n/g, ' ');
      const sinfo = ctx.lab.exec(mgmt, ['sinfo', '-h', '-o', '%P %D %t']).trim().replace(/\n/g, '; ');
      return `${recap?.trim() ?? ''}; munge slurmctld: ${active}; sinfo: ${sinfo}`;
    },
  },
  {
    name: 'metadata guard (issue 12)',
    run: async (ctx) => {
      const mgmt = ctx.management as LabHost;
      const token =
        "curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token";
      const asRoot = ctx.lab.exec(mgmt, ['sh', '-c', `${token} || true`]).trim();
      const asSlurm = ctx.lab.exec(mgmt, ['runuser', '-u', 'slurm', '--', 'sh', '-c', `${token} || true`]).trim();
      const asAlice = (await labSsh(ctx, ctx.userKey, 'alice', MANAGEMENT_IP, `${token} || true`)).out.trim();
      if (asRoot !== '200' || asSlurm !== '200' || asAlice === '200') {
        throw new Error(
          `metadata service: root ${asRoot}, slurm ${asSlurm}, alice ${asAlice} (want 200, 200, refused)`,
        );
      }
      return `root ${asRoot}, slurm ${asSlurm}, alice refused (${asAlice})`;
    },
  },
  {
    name: 'second deploy (changed=0)',
    run: async (ctx) => {
      const out = await citc(ctx, ['deploy', ctx.configPath]);
      const recap = out.split('\n').find((l) => l.includes('recap:'));
      const changed = /changed=(\d+)/.exec(recap ?? '')?.[1];
      if (changed !== '0') {
        const tasks = out.split('\n').filter((l) => /changed:/.test(l));
        throw new Error(`the second deploy changed ${changed ?? '?'} things: ${recap}\n${tasks.join('\n')}`);
      }
      return recap?.trim();
    },
  },
  {
    name: 'image built',
    run: async (ctx) => {
      // packer's null builder reaches the build host with the ssh agent's key: citc's deploy key.
      const sock = join(ctx.lab.dir, 'agent.sock');
      ctx.lab.spawnInLab('ssh-agent', 'ssh-agent', ['-D', '-a', sock]);
      await waitFor('the ssh agent', 10_000, () => (existsSync(sock) ? true : undefined));
      sh('ssh-add', ['-q', deployKey(ctx)], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      ctx.agentSock = sock;
      await citc(ctx, ['image', 'rebuild', ctx.configPath]);
      const state = JSON.parse(readFileSync(statePath(ctx), 'utf8')) as { image?: { current: { id: string } } };
      const id = state.image?.current.id;
      if (!id || !existsSync(join(id, 'layer'))) throw new Error(`the recorded image ${id} is not a lab image`);
      ctx.imageId = id;
      const runtime = ctx.lab.exec(ctx.management as LabHost, ['cat', '/etc/citc/runtime.json']);
      if (!runtime.includes(id)) throw new Error('runtime.json on the management node does not name the new image');
      return `image ${id} recorded and installed in /etc/citc/runtime.json`;
    },
  },
  {
    name: 'first instance booted and registered',
    run: async (ctx) => {
      // The boot agent: every instance the fake EC2 starts is a host booted from its image, with its
      // private address; terminating it powers the host off.
      ctx.onInstance = (e) => {
        if (e.type === 'created') {
          // A VM starts seconds after RunInstances returns. The lab's hosts boot at once, and slurmctld,
          // which counts in whole seconds, takes a slurmd back only if its boot time is after the power-up
          // request: a host booted within the same second would be waited for forever.
          const booting = sleep(VM_START_DELAY_MS)
            .then(() =>
              ctx.lab.startHost({
                name: e.node || e.id,
                ip: e.ip,
                image: e.imageId ?? '',
                // Lab limit: no NFS in this kernel. The instance's /home is the management node's exported
                // /home: the directory on its shared disk, which this machine mounts too.
                binds: [`${sharedHome(ctx)}:/home`],
              }),
            )
            .then((h) => {
              ctx.instances.set(e.id, h);
              say(`    instance ${e.id} booted as ${h.name} at ${e.ip}`);
            })
            .catch((err: unknown) => say(`    instance ${e.id} did not boot: ${String(err)}`));
          ctx.booting.push(booting);
        } else {
          const h = ctx.instances.get(e.id);
          if (h) void ctx.lab.powerOff(h).then(() => say(`    instance ${e.id} (${h.name}) powered off`));
        }
      };
      const mgmt = ctx.management as LabHost;
      // alice, as herself, with her own key: no root, no sudo.
      const who = await labSsh(ctx, ctx.userKey, 'alice', MANAGEMENT_IP, 'id; sudo -n true 2>&1 || echo no-sudo');
      if (who.code !== 0 || !who.out.includes('no-sudo')) throw new Error(`alice's login: ${who.out}`);
      const sub = await labSsh(
        ctx,
        ctx.userKey,
        'alice',
        MANAGEMENT_IP,
        // Expanded by the job's shell on the compute node, not by alice's login shell.
        'cd ~ && sbatch --parsable -o rehearsal-%j.log --wrap "hostname; id -u; echo written by job \\$SLURM_JOB_ID > \\$HOME/rehearsal-job.txt"',
      );
      if (sub.code !== 0) throw new Error(`sbatch as alice: ${sub.out}`);
      ctx.jobId = sub.out.trim().split('\n').pop()?.trim();
      const node = await waitFor('a compute node to register with slurmctld', 180_000, () => {
        const job = ctx.lab.exec(mgmt, ['scontrol', 'show', 'job', '-o', ctx.jobId ?? '']);
        const state = /JobState=(\S+)/.exec(job)?.[1];
        const nodes = /\bNodeList=(\S+)/.exec(job)?.[1];
        return state && ['RUNNING', 'COMPLETING', 'COMPLETED'].includes(state) ? `${nodes} (job ${state})` : undefined;
      }).catch((err: unknown) => {
        const info = ctx.lab.exec(mgmt, ['sh', '-c', 'sinfo -N; squeue; tail -20 /var/log/citc/hooks.log']);
        throw new Error(`${String(err)}\n${info}\n${instanceDiagnostics(ctx)}`);
      });
      return `alice (${who.out.split(' ')[0]}) submitted job ${ctx.jobId}; instance booted from the image, ${node} registered`;
    },
  },
  {
    name: 'job done, output in home on the login node',
    run: async (ctx) => {
      const mgmt = ctx.management as LabHost;
      await waitFor(`job ${ctx.jobId} to finish`, 180_000, () => {
        const line = ctx.lab.exec(mgmt, ['squeue', '-h', '-j', ctx.jobId ?? '']).trim();
        return line ? undefined : true;
      });
      const r = await labSsh(
        ctx,
        ctx.userKey,
        'alice',
        MANAGEMENT_IP,
        `cat ~/rehearsal-job.txt ~/rehearsal-${ctx.jobId}.log; stat -c '%U %u' ~/rehearsal-job.txt; id -u`,
      );
      const lines = r.out.trim().split('\n');
      const [owner, uid] = (lines.at(-2) ?? '').split(' ');
      if (r.code !== 0 || owner !== 'alice' || uid !== lines.at(-1) || !r.out.includes(`written by job ${ctx.jobId}`)) {
        throw new Error(`alice's job output: ${r.out}`);
      }
      return `~alice/rehearsal-job.txt owned by alice (uid ${uid}), job ran on ${lines[1]}`;
    },
  },
  {
    name: 'instance gone after SuspendTime',
    run: async (ctx) => {
      await waitFor('the suspend hook to terminate the instance', 240_000, () =>
        [...ctx.instances.values()].every((h) => !ctx.lab.running(h)) && ctx.instances.size > 0 ? true : undefined,
      );
      return `${ctx.instances.size} instance(s) terminated and powered off`;
    },
  },
  {
    name: 'destroy done',
    run: async (ctx) => {
      await citc(ctx, ['destroy', ctx.configPath, '--yes']);
      const running = [...ctx.lab.hosts.values()].filter((h) => ctx.lab.running(h)).map((h) => h.name);
      if (running.length > 0) throw new Error(`hosts still running after citc destroy: ${running.join(', ')}`);
      return 'no host running';
    },
  },
];

/** What each instance host says about its boot: failed units and the journal of the units citc installs. */
function instanceDiagnostics(ctx: Ctx): string {
  return [...ctx.instances.values()]
    .filter((h) => ctx.lab.running(h))
    .map((h) => {
      const script =
        'systemctl --failed --no-legend; journalctl -b --no-pager -n 60 -u slurmd -u "citc*" -u munge -u "*.mount"';
      let out: string;
      try {
        out = ctx.lab.exec(h, ['sh', '-c', `${script} 2>&1 || true`]);
      } catch (err) {
        out = String(err);
      }
      return `--- ${h.name} (${h.ip}) ---\n${out}`;
    })
    .join('\n');
}

/** The management node's exported /home as this machine sees it (the shared disk, mounted here once). */
function sharedHome(ctx: Ctx): string {
  if (!ctx.sharedMount) ctx.sharedMount = ctx.lab.mountHere(ctx.sharedDisk as string, 'shared-disk');
  return join(ctx.sharedMount, 'home');
}

/** citc's deploy key for this cluster (made by the first `citc deploy`). */
function deployKey(ctx: Ctx): string {
  return join(ctx.work, '.citc', CLUSTER, 'secrets', 'deploy_key');
}

function statePath(ctx: Ctx): string {
  return join(ctx.work, '.citc', CLUSTER, 'state.json');
}

async function main(): Promise<number> {
  say(`rehearsal: ${phases.length} phases`);
  mkdirSync(ROOT, { recursive: true });
  const image = await labImage(say);
  // The deploying machine's npm cache holds the hooks' runtime package (as after `npm ci` of citc).
  const runtime = `${nodePackage('x64')}@${NODE_RUNTIME.version}`;
  const cached = await run('npm', ['cache', 'add', runtime]);
  if (cached.code !== 0) throw new Error(`npm cache add ${runtime}: ${cached.out}`);
  const lab = new Lab(image, ROOT, say);
  const work = join(lab.dir, 'user');
  const ctx: Ctx = {
    lab,
    work,
    adminKey: join(work, 'admin_key'),
    userKey: join(work, 'alice_key'),
    configPath: join(work, 'citc.yaml'),
    builds: 0,
    instances: new Map(),
    booting: [],
  };
  let passed = 0;
  let failed = 0;
  try {
    lab.up();
    mkdirSync(work, { recursive: true });
    // The admin's and the user's keys live in the lab's directory and go with it.
    for (const k of [ctx.adminKey, ctx.userKey]) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', k]);
    writeFileSync(ctx.configPath, clusterYaml(sh('ssh-keygen', ['-y', '-f', ctx.userKey]).trim()));
    ctx.config = await loadClusterConfig(ctx.configPath, { env: process.env });
    for (const phase of phases) {
      const started = Date.now();
      try {
        const note = await phase.run(ctx);
        passed++;
        say(`PASS ${phase.name} (${secs(Date.now() - started)})${note ? `: ${note}` : ''}`);
      } catch (err) {
        failed++;
        say(`FAIL ${phase.name} (${secs(Date.now() - started)}): ${err instanceof Error ? err.message : String(err)}`);
        const pause = Number(process.env.CITC_REHEARSE_PAUSE_ON_FAIL ?? 0);
        if (pause > 0) {
          say(`lab ${lab.netns} kept for ${pause} s to look at (ip netns exec ${lab.netns} ..., nsenter)`);
          await new Promise((r) => setTimeout(r, pause * 1000));
        }
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
