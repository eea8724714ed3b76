import { accessSync, constants } from 'node:fs';
import { CitcError, ExitCode } from '../../../src/core/errors.js';

/** What a local cluster needs from the machine: Debian's Slurm and munge, and root to run them. */
export const REQUIRED_BINARIES = [
  '/usr/sbin/slurmctld',
  '/usr/sbin/slurmd',
  '/usr/bin/scontrol',
  '/usr/bin/sbatch',
  '/usr/bin/scancel',
  '/usr/sbin/munged',
  '/usr/bin/unshare',
] as const;

const INSTALL = 'apt-get install -y slurmctld slurmd slurm-client munge';

/** Throws one CitcError naming everything missing, so a machine without Slurm fails with the fix in hand. */
export function preflight(): void {
  // slurmd runs as root (SlurmdUser=root) and in its own time namespace (unshare --time) for the boot time.
  if (process.getuid?.() !== 0) {
    throw new CitcError('E2E_NOT_ROOT', 'the local cluster runs slurmctld, slurmd and munged as root', {
      subject: `uid ${process.getuid?.()}`,
      remedy: 'run it as root (sudo -E npm run demo, or sudo -E npm test)',
      exitCode: ExitCode.usage,
    });
  }
  const missing = REQUIRED_BINARIES.filter((bin) => {
    try {
      accessSync(bin, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new CitcError('E2E_MISSING_SLURM', `the local cluster needs ${missing.join(', ')}`, {
      subject: missing.join(', '),
      remedy: `install them as root: apt-get update && ${INSTALL}`,
      exitCode: ExitCode.missingTool,
    });
  }
  try {
    accessSync('/etc/munge/munge.key', constants.R_OK);
  } catch {
    throw new CitcError('E2E_NO_MUNGE_KEY', 'cannot read /etc/munge/munge.key', {
      subject: '/etc/munge/munge.key',
      remedy: `run as root; if the key is missing, reinstall munge (${INSTALL}) or run /usr/sbin/mungekey`,
      exitCode: ExitCode.missingTool,
    });
  }
}
