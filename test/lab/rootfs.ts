import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, shQuiet } from './sh.js';

/**
 * The lab's Debian 12 "cloud image": a root file system made once by debootstrap (what a Debian cloud
 * image has: systemd, sshd, python3, sudo, curl) and cached between runs, plus a local package repository
 * with everything citc's roles install (hosts in the lab cannot reach the Debian registry, as a cluster in
 * a private subnet would reach a mirror instead). Hosts see the repository at /srv/repo (bind-mounted
 * read-only), named in their sources list as `deb [trusted=yes] file:/srv/repo ./`.
 */

/** What every host starts with, like a Debian 12 cloud image. */
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'python3',
  'python3-apt',
  'sudo',
  'curl',
  'ca-certificates',
  'iproute2',
  'procps',
  'less',
];

/** What citc's roles install (ansible/roles/*\/defaults), fetched with their dependencies into the repository. */
export const ROLE_PACKAGES = [
  'chrony',
  'rsync',
  'logrotate',
  'acl',
  'munge',
  'nfs-common',
  'nfs-kernel-server',
  'slurmctld',
  'slurmd',
  'slurm-client',
  'xz-utils',
  'e2fsprogs',
  'nftables',
  'iptables',
];

export const CACHE_ROOT = process.env.CITC_LAB_CACHE ?? '/var/cache/citc-rehearse';

export interface LabImage {
  /** The root file system hosts boot from (an overlay lower dir, never written). */
  rootfs: string;
  /** The package repository (Packages + .deb files). */
  repo: string;
}

function mirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+bookworm/m.exec(text);
    if (m?.[1]) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/** Builds (or reuses) the cached root file system and repository. */
export async function labImage(log: (line: string) => void): Promise<LabImage> {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: 3, BASE_PACKAGES, ROLE_PACKAGES }))
    .digest('hex')
    .slice(0, 12);
  const dir = join(CACHE_ROOT, `debian12-${key}`);
  const image = { rootfs: join(dir, 'rootfs'), repo: join(dir, 'repo') };
  if (existsSync(join(dir, 'complete'))) return image;

  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const rootfs = join(tmp, 'rootfs');
  const repo = join(tmp, 'repo');
  log(`building the Debian 12 root file system (debootstrap, cached in ${dir})`);
  const boot = await run('debootstrap', [
    '--variant=minbase',
    `--include=${BASE_PACKAGES.join(',')}`,
    'bookworm',
    rootfs,
    mirror(),
  ]);
  if (boot.code !== 0) throw new Error(`debootstrap failed: ${boot.out.split('\n').slice(-10).join('\n')}`);

  // The roles' packages with every dependency the root file system lacks, downloaded on this machine by
  // the root file system's own apt (so the closure is computed against what the hosts have).
  log(`downloading the roles' packages into the lab's repository (${ROLE_PACKAGES.length} + dependencies)`);
  const chroot = (...args: string[]) => sh('chroot', [rootfs, ...args]);
  writeFileSync(join(rootfs, 'etc/apt/sources.list'), `deb ${mirror()} bookworm main\n`);
  chroot('apt-get', 'update', '-qq');
  chroot('apt-get', 'install', '--download-only', '-y', '-qq', ...ROLE_PACKAGES);
  sh('mkdir', ['-p', repo]);
  const archives = join(rootfs, 'var/cache/apt/archives');
  for (const f of readdirSync(archives).filter((n) => n.endsWith('.deb'))) renameSync(join(archives, f), join(repo, f));
  // dpkg-scanpackages names files relative to the cwd: run it there.
  writeFileSync(
    join(repo, 'Packages'),
    sh('sh', ['-c', `cd '${repo}' && dpkg-scanpackages -m . /dev/null 2>/dev/null`]),
  );

  // The hosts' only package source is the lab repository; its index is fetched now, like an image
  // that knows its mirror.
  writeFileSync(join(rootfs, 'etc/apt/sources.list'), 'deb [trusted=yes] file:/srv/repo ./\n');
  sh('mkdir', ['-p', join(rootfs, 'srv/repo')]);
  sh('mount', ['--bind', repo, join(rootfs, 'srv/repo')]);
  try {
    chroot('apt-get', 'update', '-qq');
  } finally {
    shQuiet('umount', [join(rootfs, 'srv/repo')]);
  }
  chroot('apt-get', 'clean');
  // Each host gets its own machine id and SSH host keys when it is created (as cloud-init does).
  writeFileSync(join(rootfs, 'etc/machine-id'), '');
  for (const f of readdirSync(join(rootfs, 'etc/ssh')).filter((n) => n.startsWith('ssh_host_'))) {
    rmSync(join(rootfs, 'etc/ssh', f));
  }
  sh('chroot', [rootfs, 'systemctl', 'enable', 'ssh.service']);
  // No console getty fighting over the lab's pipes.
  shQuiet('chroot', [rootfs, 'systemctl', 'mask', 'console-getty.service', 'getty@tty1.service']);
  writeFileSync(join(tmp, 'complete'), `${new Date().toISOString()}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return image;
}
