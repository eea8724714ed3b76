import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { GCP_SSH_USER } from '../ansible/inventory.js';
import { ANSIBLE_OUTPUTS, outputOf } from '../ansible/outputs.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { ClusterState } from '../core/state.js';
import { deployKeyPath } from '../deploy/deploy-key.js';
import { AWS_BASE_IMAGES } from '../render/base-images.js';
import { findBinary } from '../tools/find-binary.js';
import { type SshOptions, type SshTarget, sshArgv } from './ssh.js';

export const SSH_INSTALL_HINT = 'Install an OpenSSH client (Debian/Ubuntu: apt-get install openssh-client).';

/** The cluster's known_hosts: host keys are pinned per cluster, beside its state. */
export function knownHostsOf(workDir: string): string {
  return join(workDir, 'known_hosts');
}

/** The key to log in with: the one given, else citc's deploy key (the only key the sudo account takes). */
export function loginKeyOf(workDir: string, given?: string): string | undefined {
  if (given) return given;
  const deployKey = deployKeyPath(workDir);
  return existsSync(deployKey) ? deployKey : undefined;
}

/** The management node as deploy recorded it: its public address and the user Ansible logs in as. */
export function managementTarget(config: ClusterConfig, state: ClusterState | undefined): SshTarget {
  const outputs = state?.deploy?.outputs;
  const host = outputOf(outputs, ANSIBLE_OUTPUTS.managementPublicIp);
  if (!host) {
    throw new CitcError('NOT_DEPLOYED', 'no management node address is recorded', {
      subject: config.name,
      remedy: 'Run `citc deploy` first (or pass --work-dir where its state is).',
      exitCode: ExitCode.usage,
    });
  }
  const user =
    outputOf(outputs, ANSIBLE_OUTPUTS.managementSshUser) ??
    (config.provider.kind === 'aws' ? AWS_BASE_IMAGES[config.image.os].sshUser : GCP_SSH_USER);
  return { host, user };
}

export interface RemoteResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one command on the target over ssh, in batch mode, and returns its output. */
export async function runRemote(
  target: SshTarget,
  command: readonly string[],
  opts: Omit<SshOptions, 'command' | 'batch' | 'tty'> & { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RemoteResult> {
  const env = opts.env ?? process.env;
  const ssh = await findBinary('ssh', SSH_INSTALL_HINT, env);
  const r = await execa(ssh, sshArgv(target, { ...opts, command, batch: true }), {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { exitCode: r.exitCode ?? 255, stdout: r.stdout, stderr: r.stderr };
}
