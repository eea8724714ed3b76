import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { ClusterState } from '../core/state.js';
import { AWS_BASE_IMAGES } from '../render/base-images.js';
import { managementHostName } from '../render/slurm-conf.js';
import { ANSIBLE_OUTPUTS, outputOf } from './outputs.js';

export interface InventoryOptions {
  /** SSH private key for the management node. */
  sshKeyFile?: string;
  /** The management node's host keys as citc learned them from the cloud: checked strictly. */
  knownHostsFile?: string;
  /** Overrides for tests or a bastion: address and port Ansible connects to. */
  host?: string;
  port?: number;
}

/** gcp: the user infra creates with the admin's key in the instance metadata. */
export const GCP_SSH_USER = 'citc';

/** Pure: inventory.ini with the management node, reachable at the address deploy recorded. */
export function renderInventory(
  config: ClusterConfig,
  state: ClusterState | undefined,
  opts: InventoryOptions = {},
): string {
  const outputs = state?.deploy?.outputs;
  const host = opts.host ?? outputOf(outputs, ANSIBLE_OUTPUTS.managementPublicIp);
  if (!host) {
    throw new CitcError(
      'ANSIBLE_NO_MANAGEMENT_ADDRESS',
      `the deploy state has no ${ANSIBLE_OUTPUTS.managementPublicIp} output`,
      {
        subject: config.name,
        remedy: 'Run `citc deploy` so the management node exists and its address is recorded.',
        exitCode: ExitCode.usage,
      },
    );
  }
  const user =
    outputOf(outputs, ANSIBLE_OUTPUTS.managementSshUser) ??
    (config.provider.kind === 'aws' ? AWS_BASE_IMAGES[config.image.os].sshUser : GCP_SSH_USER);
  const vars = [`ansible_host=${host}`, `ansible_user=${user}`];
  if (opts.port !== undefined) vars.push(`ansible_port=${opts.port}`);
  if (opts.sshKeyFile) vars.push(`ansible_ssh_private_key_file=${opts.sshKeyFile}`);
  // Only the host keys the cloud reported (src/deploy/known-hosts.ts); never the user's own known_hosts.
  if (opts.knownHostsFile) {
    vars.push(`ansible_ssh_common_args='-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${opts.knownHostsFile}'`);
  }
  return [
    `# Rendered by citc for cluster ${config.name}.`,
    '[management]',
    `${managementHostName(config.name)} ${vars.join(' ')}`,
    '',
  ].join('\n');
}
