import { stringify } from 'yaml';

/**
 * Pure: the cloud-init user data of the management node. It only sets the host name and lets the cluster
 * users' keys in for the image's default user (Ansible does the rest), so a key change never needs a
 * new image.
 */
export function managementUserData(hostname: string, sshKeys: string[]): string {
  return `#cloud-config\n${stringify({ hostname, preserve_hostname: false, ssh_authorized_keys: sshKeys })}`;
}
