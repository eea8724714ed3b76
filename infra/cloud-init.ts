import { stringify } from 'yaml';

/**
 * Pure: the cloud-init user data of the management node. It only sets the host name and lets citc's
 * deploy key in for the image's default (sudo) user, which Ansible logs in as. The cluster users' keys are
 * never here: Ansible installs them in each user's own account.
 */
export function managementUserData(hostname: string, deployKeys: string[]): string {
  return `#cloud-config\n${stringify({ hostname, preserve_hostname: false, ssh_authorized_keys: deployKeys })}`;
}
