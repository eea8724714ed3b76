import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { LabImage } from './rootfs.js';
import { sh, shQuiet, sleep, waitFor } from './sh.js';

/**
 * The rehearsal lab: Debian hosts booted with systemd-nspawn, each in its own network namespace, joined
 * by a bridge in the lab's namespace (10.77.0.1/24, plus 169.254.169.254 for the metadata service).
 * Everything that talks to a lab address runs inside the lab's namespace (`lab.exec`), and a blackhole
 * route for 10.77.0.0/16 in this machine's namespace makes a mistake fail here instead of leaving the
 * machine. Every container, mount, namespace and process is recorded as it is made and undone by name
 * or pid in `stop()`, which also runs on exit, SIGINT and SIGTERM.
 *
 * Lab limit: this kernel has no NFS server or client, so shared storage is stood in for by a bind mount
 * of one directory of this machine into every host (`sharedDirs`).
 *
 * Cgroups as on a VM: this machine has cgroup v1 controllers, which nspawn mounts read-only in a
 * container, where slurmd's proctrack/cgroup and task/cgroup cannot make the job's cgroups. Each host
 * starts in a cgroup of its own in every controller (its cgroup namespace's root, removed after it powers
 * off), and a lab unit, bind-mounted from outside the host's root so that no image built on a host
 * carries it, makes those mounts writable before anything else starts.
 *
 * Boot time as on a VM: containers share this machine's kernel, so each host gets a time namespace whose
 * boot time is its own start.
 */

export const LAB_NET = '10.77.0';
export const LAB_CIDR = '10.77.0.0/16';
export const METADATA_ADDRESS = '169.254.169.254';

export interface LabHost {
  name: string;
  ip: string;
  netns: string;
  /** The overlay's merged directory (the host's /). */
  root: string;
  upper: string;
  nspawn: ChildProcess;
  log: string;
}

export interface StartHostOptions {
  name: string;
  ip: string;
  /** The lab's root file system, or an image directory (`layer/` over the root file system named in `lower`). */
  image: string;
  /** Extra `--bind` arguments (SRC:DST). */
  binds?: string[];
  /** Lines the cloud's images have in /etc/hosts (GCE's: the metadata server by name). */
  hosts?: string[];
}

/** The lab's own units, read-only in every host; systemd reads `.wants/` links in this directory too. */
const LAB_UNITS_DIR = '/usr/local/lib/systemd/system';
const CGROUPS_RW_UNIT = `[Unit]
Description=rehearsal lab: cgroup controllers writable, as on a VM (test/lab/lab.ts)
DefaultDependencies=no
Before=sysinit.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for c in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$c"; done'
`;

type Undo = { what: string; run: () => void };

export class Lab {
  readonly id: string;
  readonly netns: string;
  readonly dir: string;
  readonly hosts = new Map<string, LabHost>();
  private readonly undo: Undo[] = [];
  private stopped = false;
  private vethSeq = 0;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stop();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  private readonly onExit = () => this.stop();

  constructor(
    readonly image: LabImage,
    readonly workRoot: string,
    readonly log: (line: string) => void = () => {},
  ) {
    this.id = randomBytes(3).toString('hex');
    this.netns = `citclab-${this.id}`;
    this.dir = join(workRoot, `lab-${this.id}`);
  }

  private push(what: string, fn: () => void) {
    this.undo.push({ what, run: fn });
  }

  /** The lab network: namespace, bridge, blackhole route. */
  up(): void {
    process.on('exit', this.onExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    mkdirSync(this.dir, { recursive: true });
    this.push(`directory ${this.dir}`, () => rmSync(this.dir, { recursive: true, force: true }));

    if (!sh('ip', ['route', 'show', 'type', 'blackhole', LAB_CIDR]).trim()) {
      sh('ip', ['route', 'add', 'blackhole', LAB_CIDR]);
      this.push(`blackhole route ${LAB_CIDR}`, () => shQuiet('ip', ['route', 'del', 'blackhole', LAB_CIDR]));
    }
    // nspawn wants to remove its propagation directory under /run/systemd/nspawn, which needs a tmpfs
    // when this machine's init is not systemd.
    const prop = '/run/systemd/nspawn';
    mkdirSync(prop, { recursive: true });
    if (!readFileSync('/proc/self/mounts', 'utf8').includes(` ${prop} `)) {
      sh('mount', ['-t', 'tmpfs', 'tmpfs', prop]);
      this.push(`tmpfs ${prop}`, () => shQuiet('umount', [prop]));
    }
    const units = join(this.dir, 'units');
    mkdirSync(join(units, 'sysinit.target.wants'), { recursive: true });
    writeFileSync(join(units, 'lab-cgroups-rw.service'), CGROUPS_RW_UNIT);
    symlinkSync('../lab-cgroups-rw.service', join(units, 'sysinit.target.wants', 'lab-cgroups-rw.service'));
    sh('ip', ['netns', 'add', this.netns]);
    this.push(`namespace ${this.netns}`, () => shQuiet('ip', ['netns', 'del', this.netns]));
    sh('ip', ['-n', this.netns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', this.netns, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', this.netns, 'addr', 'add', `${LAB_NET}.1/24`, 'dev', 'br0']);
    sh('ip', ['-n', this.netns, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'br0']);
    sh('ip', ['-n', this.netns, 'link', 'set', 'br0', 'up']);
  }

  /** argv that runs `cmd` inside the lab's network namespace. */
  inLab(cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.netns, cmd, ...args]];
  }

  /** Starts a long-running process inside the lab's namespace; killed by pid in stop(). `stdin`: a pipe to it. */
  spawnInLab(what: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv, stdin = false): ChildProcess {
    const [c, a] = this.inLab(cmd, args);
    const logFile = join(this.dir, `${what.replace(/\W+/g, '-')}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(c, a, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', fd], ...(env && { env }) });
    this.push(`process ${what}`, () => {
      if (child.exitCode === null && child.pid) shQuiet('kill', [String(child.pid)]);
    });
    return child;
  }

  /** Boots a host: an overlay over `image`, its own namespace and address, systemd as PID 1. */
  async startHost(opts: StartHostOptions): Promise<LabHost> {
    const { name, ip } = opts;
    const base = join(this.dir, 'hosts', name);
    const [upper, work, root] = ['upper', 'work', 'root'].map((d) => join(base, d)) as [string, string, string];
    for (const d of [upper, work, root]) mkdirSync(d, { recursive: true });
    sh('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lowerDirs(opts.image)},upperdir=${upper},workdir=${work}`,
      root,
    ]);
    this.push(`overlay ${root}`, () => {
      if (!shQuiet('umount', [root])) shQuiet('umount', ['-l', root]);
    });
    // What a cloud gives each new instance: its own host keys, machine id and name.
    for (const f of readdirSync(join(root, 'etc/ssh')).filter((n) => n.startsWith('ssh_host_'))) {
      rmSync(join(root, 'etc/ssh', f));
    }
    sh('ssh-keygen', ['-A', '-f', root]);
    writeFileSync(join(root, 'etc/hostname'), `${name}\n`);
    // As a Debian image sets it up: the host's own name resolves locally. The lab has no DNS server
    // (nspawn copies none in: --resolv-conf=off), so a lookup fails at once instead of timing out.
    const hostsFile = join(root, 'etc/hosts');
    const kept = existsSync(hostsFile)
      ? readFileSync(hostsFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() && !/^127\.0\.1\.1\s/.test(l))
      : [];
    const extra = (opts.hosts ?? []).filter((l) => !kept.includes(l));
    writeFileSync(hostsFile, `${[...kept, ...extra, `127.0.1.1 ${name}`].join('\n')}\n`);
    writeFileSync(join(root, 'etc/resolv.conf'), '# rehearsal lab: no DNS server\n');
    writeFileSync(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);

    const netns = `citc-${this.id}-${name}`.slice(0, 40);
    sh('ip', ['netns', 'add', netns]);
    this.push(`namespace ${netns}`, () => shQuiet('ip', ['netns', 'del', netns]));
    const veth = `vl${this.id}${this.vethSeq++}`;
    sh('ip', ['link', 'add', veth, 'netns', this.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    sh('ip', ['-n', this.netns, 'link', 'set', veth, 'master', 'br0', 'up']);
    sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', netns, 'route', 'add', 'default', 'via', `${LAB_NET}.1`]);

    const log = join(base, 'console.log');
    const fd = openSync(log, 'a');
    const args = [
      '--register=no',
      '--keep-unit',
      '-q',
      '-D',
      root,
      '-M',
      `${name}-${this.id}`,
      `--hostname=${name}`,
      '-b',
      '--console=passive',
      '--resolv-conf=off',
      // The host's firewall (nftables) is its own: the container has a network namespace of its own.
      '--capability=CAP_NET_ADMIN',
      `--network-namespace-path=/run/netns/${netns}`,
      `--bind-ro=${this.image.repo}:/srv/repo`,
      `--bind-ro=${join(this.dir, 'units')}:${LAB_UNITS_DIR}`,
      ...(opts.binds ?? []).map((b) => `--bind=${b}`),
    ];
    // nspawn starts in the host's own cgroups (the shell joins them, then becomes nspawn: same pid), and
    // the host boots now: its processes see an uptime from their own start (a time namespace), as on a
    // VM. slurmctld takes a node that it powered up back only from a slurmd booted after it asked.
    const cgroups = this.hostCgroups(`citc-lab-${this.id}-${name}`);
    const nspawn = spawn(
      'sh',
      [
        '-c',
        'for d in $CITC_LAB_CGROUPS; do echo $$ > "$d/cgroup.procs"; done; exec unshare --time --boottime="$CITC_LAB_BOOTTIME" systemd-nspawn "$@"',
        'sh',
        ...args,
      ],
      {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: { ...process.env, CITC_LAB_CGROUPS: cgroups.join(' '), CITC_LAB_BOOTTIME: bootOffset() },
      },
    );
    const host: LabHost = { name, ip, netns, root, upper, nspawn, log };
    this.hosts.set(name, host);
    this.push(`host ${name}`, () => this.powerOffSync(host));
    await waitFor(`${name} to boot (systemd running, see ${log})`, 90_000, () => {
      if (nspawn.exitCode !== null) throw new Error(`nspawn exited ${nspawn.exitCode}: ${tail(log)}`);
      const state = this.execQuiet(host, ['systemctl', 'is-system-running']);
      return state === 'running' || state === 'degraded' ? state : undefined;
    });
    return host;
  }

  /**
   * A cgroup named `leaf` in each cgroup v1 controller, under this process's own; removed (innermost
   * first: what slurmd made in it too) once the host is powered off, which runs earlier in stop().
   */
  private hostCgroups(leaf: string): string[] {
    const dirs: string[] = [];
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
      const [, controllers = '', path = '/'] = line.split(':');
      if (!controllers || controllers.startsWith('name=')) continue;
      const mount = join('/sys/fs/cgroup', controllers.split(',')[0] ?? '');
      if (!existsSync(join(mount, 'cgroup.procs'))) continue;
      const dir = join(mount, path, leaf);
      mkdirSync(dir, { recursive: true });
      // A cpuset cgroup takes no task before it has cpus and mems.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const parent = join(dir, '..', f);
        if (existsSync(parent)) writeFileSync(join(dir, f), readFileSync(parent, 'utf8'));
      }
      dirs.push(dir);
    }
    this.push(`cgroups ${leaf}`, () => {
      for (const dir of dirs) shQuiet('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';']);
    });
    return dirs;
  }

  /** The pid of the host's init (the child of systemd-nspawn). */
  initPid(host: LabHost): number | undefined {
    const pid = host.nspawn.pid;
    if (!pid) return undefined;
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      return kids[0] ? Number(kids[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs a command inside a host (all its namespaces); throws on failure. */
  exec(host: LabHost, argv: string[], input?: string): string {
    const pid = this.initPid(host);
    if (!pid) throw new Error(`host ${host.name} is not running`);
    return sh('nsenter', ['-t', String(pid), '-a', ...argv], input === undefined ? {} : { input });
  }

  private execQuiet(host: LabHost, argv: string[]): string | undefined {
    try {
      return this.exec(host, argv).trim();
    } catch (err) {
      const m = /failed \(exit \d+\): (\S+)/.exec(String(err));
      return m?.[1];
    }
  }

  /** A blank disk (a sparse file on a loop device) to attach to a host with `--bind=DEV:PATH`. */
  addDisk(name: string, sizeMb: number): string {
    const file = join(this.dir, `${name}.img`);
    sh('truncate', ['-s', `${sizeMb}M`, file]);
    const dev = sh('losetup', ['-f', '--show', file]).trim();
    this.push(`loop device ${dev}`, () => shQuiet('losetup', ['-d', dev]));
    return dev;
  }

  /**
   * Mounts a disk a host has formatted on this machine too (the kernel hands out the same file system,
   * as for a second bind mount); unmounted in stop().
   */
  mountHere(dev: string, name: string): string {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    sh('mount', [dev, dir]);
    this.push(`mount ${dir}`, () => {
      if (!shQuiet('umount', [dir])) shQuiet('umount', ['-l', dir]);
    });
    return dir;
  }

  /** Powers a host off (nspawn turns SIGTERM into a clean poweroff), then kills what is left. */
  async powerOff(host: LabHost, graceMs = 20_000): Promise<void> {
    if (host.nspawn.exitCode === null && host.nspawn.pid) {
      shQuiet('kill', ['-TERM', String(host.nspawn.pid)]);
      const end = Date.now() + graceMs;
      while (host.nspawn.exitCode === null && Date.now() < end) await sleep(200);
      if (host.nspawn.exitCode === null) shQuiet('kill', ['-KILL', `-${host.nspawn.pid}`]);
    }
  }

  /** Whether the host's container is still running. */
  running(host: LabHost): boolean {
    return host.nspawn.exitCode === null && host.nspawn.signalCode === null;
  }

  private powerOffSync(host: LabHost) {
    const pid = host.nspawn.pid;
    if (!pid || !existsSync(`/proc/${pid}`)) return;
    shQuiet('kill', ['-TERM', String(pid)]);
    const end = Date.now() + 15_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < end) {
      shQuiet('sleep', ['0.2']);
      // A zombie we did not reap (the event loop may not run in exit hooks) is gone as a process.
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z') return;
    }
    if (existsSync(`/proc/${pid}`)) shQuiet('kill', ['-KILL', `-${pid}`]);
  }

  /** Undoes everything in reverse order; safe to call twice. Returns what it undid. */
  stop(): string[] {
    if (this.stopped) return [];
    this.stopped = true;
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const done: string[] = [];
    for (const u of this.undo.reverse()) {
      try {
        u.run();
        done.push(u.what);
      } catch (err) {
        this.log(`cleanup of ${u.what} failed: ${String(err)}`);
      }
    }
    return done;
  }
}

/** The time namespace offset that makes a host's uptime start at zero (unshare's --boottime). */
function bootOffset(): string {
  const up = Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]));
  return String(-up);
}

/** An image made by the lab (a build host's changes in `layer/`, over the root file system named in `lower`). */
export function lowerDirs(image: string): string {
  const lower = join(image, 'lower');
  return existsSync(lower) ? `${join(image, 'layer')}:${readFileSync(lower, 'utf8').trim()}` : image;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}
