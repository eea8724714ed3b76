import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { NodeName } from '../core/naming.js';
import { loadClusterState } from '../deploy/deploy.js';
import { knownHostsOf, loginKeyOf, managementTarget } from './remote.js';
import type { SshOptions, SshTarget } from './ssh.js';

export interface Connection {
  target: SshTarget;
  options: Omit<SshOptions, 'command' | 'tty' | 'batch'>;
}

/**
 * How to reach the management node, or a compute node (by its private address, which the cloud gives,
 * through the management node). Compute nodes take the same user and key as the management node.
 */
export async function connectionTo(opts: {
  config: ClusterConfig;
  workDir: string;
  node?: string;
  keyFile?: string;
  /** For tests: the management node's ssh port. */
  port?: number;
}): Promise<Connection> {
  const state = await loadClusterState(opts.config, opts.workDir);
  const management = { ...managementTarget(opts.config, state), ...(opts.port !== undefined && { port: opts.port }) };
  const keyFile = loginKeyOf(opts.workDir, opts.keyFile);
  const options: Connection['options'] = { knownHosts: knownHostsOf(opts.workDir), ...(keyFile && { keyFile }) };
  if (!opts.node) return { target: management, options };
  const { createCloudAdapter } = await import('../cloud/factory.js');
  const adapter = await createCloudAdapter({ cluster: opts.config }, { budgetMs: 20_000 });
  const [instance] = await adapter.list([opts.node as NodeName]);
  if (!instance?.privateIp) {
    throw new CitcError('NODE_NOT_RUNNING', `no running instance serves ${opts.node}`, {
      subject: opts.node,
      remedy:
        'Compute nodes exist only while Slurm has work for them: `sinfo` on the management node shows which are up.',
      exitCode: ExitCode.usage,
    });
  }
  return { target: { host: instance.privateIp, user: management.user }, options: { ...options, jump: management } };
}
