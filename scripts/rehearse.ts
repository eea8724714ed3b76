// `npm run rehearse [-- --provider aws|gcp|all]`: the cluster `citc deploy` builds, assembled on real
// Debian 12 hosts (systemd containers in private network namespaces on this machine, test/lab) with only
// the cloud's infrastructure API stood in, on AWS's and Google Compute Engine's code paths (test/lab/
// provider-*.ts; default `all`: one after the other, each in a lab of its own). Prints each phase with its
// time; exits non-zero when a phase fails; stops every host, mount, namespace and process it started, also
// on failure or Ctrl-C.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDiskPaths } from '../src/ansible/group-vars.js';
import { NODE_RUNTIME, nodePackage } from '../src/ansible/node-runtime.js';
import { loadClusterConfig } from '../src/config/load.js';
import type { ClusterConfig } from '../src/core/config/types.js';
import { BUILD_HOST_OUTPUTS } from '../src/image/packer-inputs.js';
import { Lab, type LabHost } from '../test/lab/lab.js';
import {
  BUILD_IP,
  CLUSTER,
  type LabManagement,
  type LabProvider,
  type LabProviderContext,
  type LabProviderKind,
  MANAGEMENT_IP,
  PROBE_IP,
} from '../test/lab/provider.js';
import { awsProvider } from '../test/lab/provider-aws.js';
import { gcpProvider } from '../test/lab/provider-gcp.js';
import { labImage } from '../test/lab/rootfs.js';
import { run, sh, sleep, waitFor } from '../test/lab/sh.js';
import { labTerraform, type ManagementUserData, type StandInTerraformLab } from '../test/lab/terraform.js';

let t0 = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`${secs(Date.now() - t0).padStart(7)}  ${line}`);
const verbose = process.env.CITC_REHEARSE_VERBOSE === '1';
const detail = (line: string) => {
  if (verbose) say(`    ${line}`);
};

/** How long after RunInstances / bulkInsert an instance's host starts booting (see the boot agent). */
const VM_START_DELAY_MS = 3_000;
const PROVIDERS: Record<LabProviderKind, LabProvider> = { aws: awsProvider, gcp: gcpProvider };
const ROOT = process.env.CITC_REHEARSE_DIR ?? '/var/tmp/citc-rehearse';
const repoRoot = join(import.meta.dirname, '..');

interface CloudEvent {
  type: 'created' | 'terminated';
  id: string;
  name: string;
  node: string;
  ip: string;
  imageId?: string;
}

/** An instance's request to the metadata service that the lab cloud reports (its name, on GCE). */
interface MetadataAsk {
  ip: string;
  key: string;
  answer: string;
}

interface Ctx {
  provider: LabProvider;
  metadataAsks: MetadataAsk[];
  /** The admin machine's credentials for the cloud's API. */
  adminEnv: Record<string, string>;
  cloud?: ChildProcess;
  mgmt?: LabManagement;
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

/**
 * What the stand-in terraform's apply creates: the management node and the image build host, each a lab
 * host booted from the Debian 12 root file system, first booted as the stack asks (test/lab/provider-*.ts).
 */
async function applyInfra(ctx: Ctx, stackDir: string): Promise<Record<string, unknown>> {
  const mgmt = ctx.provider.management(stackDir);
  ctx.mgmt = mgmt;
  const boots: Promise<void>[] = [];
  if (!ctx.management || !ctx.lab.running(ctx.management)) {
    boots.push(
      (async () => {
        // The shared disk Terraform attaches, where the role finds it by its id (AWS: the volume id as the
        // NVMe serial; GCE: the device name, /dev/disk/by-id/google-<name>).
        const disk = ctx.lab.addDisk('shared-disk', 2048);
        ctx.sharedDisk = disk;
        ctx.management = await ctx.lab.startHost({
          name: 'mgmt',
          ip: MANAGEMENT_IP,
          image: ctx.lab.image.rootfs,
          binds: [`${disk}:${sharedDiskPaths(ctx.config as ClusterConfig, mgmt.sharedDiskId)[0]}`],
          hosts: ctx.provider.hostsLines,
        });
        cloudInit(ctx, ctx.management, mgmt.firstBoot);
        await ctx.provider.managementBooted(providerContext(ctx), ctx.management, mgmt);
        standInNfsServer(ctx, ctx.management);
      })(),
    );
  }
  if (!ctx.buildHost || !ctx.lab.running(ctx.buildHost)) boots.push(startBuildHost(ctx, mgmt.firstBoot));
  await Promise.all(boots);
  return ctx.provider.outputs(mgmt, {
    [BUILD_HOST_OUTPUTS.buildHost]: BUILD_IP,
    [BUILD_HOST_OUTPUTS.imageCommand]: `${process.execPath} ${join(ctx.infra?.binDir ?? '', 'infra-client.cjs')} POST /image`,
  });
}

/** A fresh host to build the compute image on (packer's null builder provisions it over SSH). */
async function startBuildHost(ctx: Ctx, userData: ManagementUserData): Promise<void> {
  ctx.buildHost = await ctx.lab.startHost({
    name: `build${++ctx.builds}`,
    ip: BUILD_IP,
    image: ctx.lab.image.rootfs,
    hosts: ctx.provider.hostsLines,
  });
  cloudInit(ctx, ctx.buildHost, {
    user: userData.user,
    ...(userData.home && { home: userData.home }),
    sshAuthorizedKeys: userData.sshAuthorizedKeys,
  });
  ctx.buildUserData = userData;
}

/** Where the lab cloud finds the serial console of the hosts booted outside it (test/lab/cloud.ts --consoles). */
function consolesDir(ctx: Ctx): string {
  return join(ctx.lab.dir, 'consoles');
}

function providerContext(ctx: Ctx): LabProviderContext {
  return {
    lab: ctx.lab,
    consolesDir: consolesDir(ctx),
    toCloud: (command) =>
      new Promise<void>((resolve, reject) => {
        const stdin = ctx.cloud?.stdin;
        if (!stdin) return reject(new Error('the lab cloud is not running'));
        stdin.write(`${JSON.stringify(command)}\n`, (err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * What a Debian cloud image's first boot does with the keys the instance was given (cloud-init on AWS,
 * the guest agent on GCE): the image's sudo user with those keys and passwordless sudo.
 */
function cloudInit(ctx: Ctx, host: LabHost, userData: ManagementUserData): void {
  const { user } = userData;
  const home = userData.home ?? `/var/lib/${user}`;
  const sudoers = ctx.provider.kind === 'gcp' ? 'google_sudoers' : '90-cloud-init-users';
  ctx.lab.exec(
    host,
    [
      'sh',
      '-c',
      `id ${user} >/dev/null 2>&1 || useradd -m -d ${home} -s /bin/bash ${user}
install -d -m 700 -o ${user} -g ${user} ${home}/.ssh
cat > ${home}/.ssh/authorized_keys
chown ${user}:${user} ${home}/.ssh/authorized_keys
echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${sudoers}
chmod 440 /etc/sudoers.d/${sudoers}`,
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
  // The admin's machine: credentials for the fake API (test/lab/provider-*.ts).
  const env = {
    ...process.env,
    PATH: `${ctx.infra?.binDir}:${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
    ...ctx.adminEnv,
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

/** The cloud's API fake and metadata service, inside the lab's namespace; instance events go to the boot agent. */
async function startCloud(ctx: Ctx): Promise<void> {
  const child = ctx.lab.spawnInLab(
    'cloud',
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test/lab/cloud.ts'), ...ctx.provider.cloudArgs(consolesDir(ctx))],
    undefined,
    true,
  );
  ctx.cloud = child;
  // A write after the cloud has gone fails in toCloud's callback; the stream's own error is not a crash.
  child.stdin?.on('error', () => {});
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
      const e = JSON.parse(line) as { ready?: boolean; metadata?: MetadataAsk } & CloudEvent;
      if (e.ready) ready();
      else if (e.metadata) ctx.metadataAsks.push(e.metadata);
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
          if (ctx.mgmt) await ctx.provider.managementDestroyed(providerContext(ctx), ctx.mgmt);
        },
      });
      // A probe host: boots, is reachable over SSH from the lab's namespace, reaches the metadata service.
      const probe = await ctx.lab.startHost({
        name: 'probe',
        ip: PROBE_IP,
        image: image.rootfs,
        hosts: ctx.provider.hostsLines,
      });
      cloudInit(ctx, probe, {
        user: 'admin',
        sshAuthorizedKeys: [sh('ssh-keygen', ['-y', '-f', ctx.adminKey]).trim()],
      });
      const who = await waitFor('SSH to the probe host', 60_000, async () => {
        const r = await labSsh(ctx, ctx.adminKey, 'admin', probe.ip, 'sudo -n id -un');
        return r.code === 0 ? r.out.trim() : undefined;
      });
      const imds = ctx.lab.exec(probe, ['sh', '-c', ctx.provider.metadataProbe]).trim();
      if (imds !== '200') throw new Error(`the probe host got HTTP ${imds} from the metadata service`);
      await ctx.lab.powerOff(probe);
      return `${ctx.provider.kind}: Debian 12 root fs cached; probe host booted, ssh admin@${probe.ip} → sudo ${who}, metadata ${imds}`;
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
      const token = ctx.provider.metadataProbe;
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
                name: ctx.provider.instanceHostName(e),
                ip: e.ip,
                image: e.imageId ?? '',
                hosts: ctx.provider.hostsLines,
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
      // The node learned its name from the metadata service (GCE: instance/name; its host name, the
      // instance name too, would hide a failed lookup).
      const ips = new Set([...ctx.instances.values()].map((h) => h.ip));
      const asked = ctx.metadataAsks.filter((a) => ips.has(a.ip)).map((a) => `${a.key} → ${a.answer}`);
      if (ctx.provider.kind === 'gcp' && asked.length === 0)
        throw new Error('no instance asked the metadata server for its name');
      return `alice (${who.out.split(' ')[0]}) submitted job ${ctx.jobId}; instance booted from the image${asked.length ? ` (metadata: ${[...new Set(asked)].join(', ')})` : ''}, ${node} registered`;
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

/** `--provider aws|gcp|all` (default: `CITC_REHEARSE_PROVIDER`, else all: about 4 min each). */
function providersToRun(): LabProvider[] {
  const { values } = parseArgs({ options: { provider: { type: 'string' } }, allowPositionals: false });
  const asked = values.provider ?? process.env.CITC_REHEARSE_PROVIDER ?? 'all';
  if (asked === 'all') return [awsProvider, gcpProvider];
  const p = PROVIDERS[asked as LabProviderKind];
  if (!p) throw new Error(`--provider ${asked}: want aws, gcp or all`);
  return [p];
}

interface Outcome {
  passed: number;
  failed: number;
  skipped: number;
}

async function rehearse(provider: LabProvider, image: Awaited<ReturnType<typeof labImage>>): Promise<Outcome> {
  t0 = Date.now();
  say(`rehearsal on ${provider.kind}: ${phases.length} phases`);
  const lab = new Lab(image, ROOT, say);
  const work = join(lab.dir, 'user');
  const ctx: Ctx = {
    provider,
    metadataAsks: [],
    adminEnv: {},
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
    ctx.adminEnv = provider.adminEnv(work);
    writeFileSync(ctx.configPath, provider.clusterYaml(sh('ssh-keygen', ['-y', '-f', ctx.userKey]).trim()));
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
  console.log(
    `rehearse ${provider.kind}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} not reached` : ''} (${secs(Date.now() - t0)})`,
  );
  return { passed, failed, skipped };
}

async function main(): Promise<number> {
  const providers = providersToRun();
  mkdirSync(ROOT, { recursive: true });
  const image = await labImage(say);
  // The deploying machine's npm cache holds the hooks' runtime package (as after `npm ci` of citc).
  const runtime = `${nodePackage('x64')}@${NODE_RUNTIME.version}`;
  const cached = await run('npm', ['cache', 'add', runtime]);
  if (cached.code !== 0) throw new Error(`npm cache add ${runtime}: ${cached.out}`);
  const total: Outcome = { passed: 0, failed: 0, skipped: 0 };
  // One provider after the other, each in a lab of its own; a failure on one does not skip the next.
  for (const p of providers) {
    const o = await rehearse(p, image);
    total.passed += o.passed;
    total.failed += o.failed;
    total.skipped += o.skipped;
  }
  console.log(
    `rehearse: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} not reached` : ''}`,
  );
  return total.failed === 0 && total.skipped === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`rehearse: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
