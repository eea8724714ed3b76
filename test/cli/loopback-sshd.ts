import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for the user running the tests, with a
 * ForceCommand that stands in for the management node: it answers `citc nodes --json` and `tail` of the
 * logs, and records every command it was asked to run.
 */
export interface LoopbackSshd {
  port: number;
  /** The private key the server accepts. */
  key: string;
  user: string;
  /** Commands received, in order (SSH_ORIGINAL_COMMAND). */
  commands(): Promise<string[]>;
  stop(): void;
}

export const SSHD = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startLoopbackSshd(dir: string, nodesJson: string): Promise<LoopbackSshd> {
  await mkdir(dir, { recursive: true });
  // sshd's privilege separation directory (created by the service unit, which is not running here).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'id.pub')));
  const log = join(dir, 'commands.log');
  const stub = join(dir, 'management-node.sh');
  await writeFile(
    stub,
    `#!/bin/sh
printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> '${log}'
case "$SSH_ORIGINAL_COMMAND" in
  "/opt/citc/bin/nodes --json") cat '${join(dir, 'nodes.json')}' ;;
  "sudo -n tail -v "*) printf '==> /var/log/citc/hooks.log <==\\nresume compute-c5-1: launched i-0abc\\n\\n==> /var/log/slurm/slurmctld.log <==\\n[2026-12-02T22:00:00] slurmctld started\\n\\n==> /var/log/cloud-init-output.log <==\\nCloud-init finished\\n' ;;
  *) echo "unexpected: $SSH_ORIGINAL_COMMAND" >&2; exit 7 ;;
esac
`,
  );
  await chmod(stub, 0o755);
  await writeFile(join(dir, 'nodes.json'), nodesJson);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `ForceCommand ${stub}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Ready once it listens.
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.on('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const user = execFileSync('id', ['-un']).toString().trim();
  return {
    port,
    key: join(dir, 'id'),
    user,
    async commands() {
      return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    },
    stop() {
      if (child.pid) process.kill(child.pid, 'SIGTERM');
    },
  };
}
