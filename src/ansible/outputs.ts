/**
 * Terraform output names the Ansible inputs read from the deploy state (state.deploy.outputs).
 * Infra emits them; absent ones are tolerated where a default makes sense.
 */
export const ANSIBLE_OUTPUTS = {
  /** Address Ansible connects to (public, or private through a VPN/bastion). */
  managementPublicIp: 'management_public_ip',
  /** Address the compute nodes reach slurmctld and NFS at. */
  managementPrivateIp: 'management_private_ip',
  /** SSH user on the management node; defaults to the base image's user. */
  managementSshUser: 'management_ssh_user',
  /** efs/filestore: the NFS server address of the managed file system. */
  storageAddress: 'storage_address',
  /** nfs: the disk the management node serves: aws the EBS volume id, gcp the attached disk's device name. */
  storageDiskId: 'storage_disk_id',
  /** efs/filestore: prefix of the export path, e.g. /share for Filestore's share name. */
  storageExportPrefix: 'storage_export_prefix',
} as const;

export function outputOf(outputs: Record<string, string | string[]> | undefined, key: string): string | undefined {
  const v = outputs?.[key];
  return Array.isArray(v) ? v[0] : v;
}
