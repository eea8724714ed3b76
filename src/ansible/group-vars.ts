import { stringify } from 'yaml';
import type { ClusterConfig } from '../core/config/types.js';
import { TAG } from '../core/naming.js';
import type { ClusterState } from '../core/state.js';
import { userUid } from '../core/users.js';
import { managementHostName } from '../render/slurm-conf.js';
import { integrityHex, managementArch, NODE_RUNTIME } from './node-runtime.js';
import { ANSIBLE_OUTPUTS, outputOf } from './outputs.js';

/** Where the inputs of the playbooks are, on the machine running ansible-playbook. */
export interface AnsibleInputPaths {
  /** slurm.conf, cgroup.conf, gres.conf, runtime.json as rendered for this cluster. */
  renderedDir: string;
  /** The cluster's munge key, fetched from the management node (0600, never committed). */
  mungeKey: string;
  /** Where deploy records the management node's Slurm version (role slurmctld) for the image build. */
  slurmVersionFile: string;
  /** The hooks' runtime archive, verified on this machine (src/ansible/node-runtime.ts). */
  nodeArchive: string;
}

export interface GroupVars {
  citc_cluster_name: string;
  citc_provider: string;
  citc_os: string;
  citc_management_hostname: string;
  citc_management_address: string;
  citc_slurmctld_port: number;
  citc_munge_key_port: number;
  citc_ssh_wait_seconds: number;
  citc_slurm_conf_dir: string;
  citc_slurm_version: string;
  citc_slurm_version_file: string;
  citc_tag_node: string;
  citc_network_cidr: string;
  citc_storage_kind: string;
  citc_storage_mounts: string[];
  citc_storage_server: string;
  citc_storage_export_prefix: string;
  citc_storage_devices: string[];
  citc_users: { name: string; uid: number; admin: boolean; ssh_keys: string[] }[];
  citc_gres: boolean;
  citc_runtime_rendered: boolean;
  citc_rendered_dir: string;
  citc_munge_key_local: string;
  citc_hooks_bundle: string;
  citc_hooks_bundle_id: string;
  citc_node_version: string;
  citc_node_arch: string;
  citc_node_archive: string;
  citc_node_sha512: string;
}

/**
 * The management node hands the munge key to compute nodes at boot on this port (role munge), to clients
 * on a privileged source port only; the key is never in the image. Inside the cluster's firewall.
 */
export const MUNGE_KEY_PORT = 6830;

/**
 * nfs: where the management node finds the shared disk, by an id that does not depend on the order the
 * kernel saw the disks in: aws the NVMe serial (the volume id without its dash; Nitro instances), then
 * the device name Xen instances give it; gcp the attached disk's device name.
 */
export function sharedDiskPaths(config: ClusterConfig, diskId: string | undefined): string[] {
  if (config.provider.kind === 'gcp') return [`/dev/disk/by-id/google-${diskId || 'citc-shared'}`];
  const serial = diskId ? [`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${diskId.replace('-', '')}`] : [];
  return [...serial, '/dev/xvdf'];
}

/** Pure: every variable the roles read, from citc.yaml and the deploy outputs. */
export function buildGroupVars(
  config: ClusterConfig,
  state: ClusterState | undefined,
  paths: AnsibleInputPaths,
  extra: {
    slurmctldPort?: number;
    runtimeRendered: boolean;
    slurmVersion?: string;
    sshWaitSeconds?: number;
    /** The hooks' archive (src/ansible/hooks-bundle.ts); absent when there were no hooks to pack. */
    hooksBundle?: { file: string; id: string };
  },
): GroupVars {
  const outputs = state?.deploy?.outputs;
  const mgmtAddress = outputOf(outputs, ANSIBLE_OUTPUTS.managementPrivateIp) ?? '';
  const managed = config.storage.kind !== 'nfs';
  return {
    citc_cluster_name: config.name,
    citc_provider: config.provider.kind,
    citc_os: config.image.os,
    citc_management_hostname: managementHostName(config.name),
    citc_management_address: mgmtAddress,
    citc_slurmctld_port: extra.slurmctldPort ?? 6817,
    citc_munge_key_port: MUNGE_KEY_PORT,
    // How long the playbook waits for SSH on a node that is still booting.
    citc_ssh_wait_seconds: extra.sshWaitSeconds ?? 600,
    // Debian, Ubuntu and EPEL all read /etc/slurm since Slurm 20.11.
    citc_slurm_conf_dir: '/etc/slurm',
    // One version everywhere: what the management node has, recorded by deploy, installed by the image.
    citc_slurm_version: extra.slurmVersion ?? '',
    citc_slurm_version_file: paths.slurmVersionFile,
    citc_tag_node: config.provider.kind === 'aws' ? TAG.aws.node : TAG.gcp.node,
    citc_network_cidr: config.network.cidr,
    citc_storage_kind: config.storage.kind,
    citc_storage_mounts: config.storage.mounts,
    citc_storage_server: managed
      ? (outputOf(outputs, ANSIBLE_OUTPUTS.storageAddress) ?? '')
      : managementHostName(config.name),
    citc_storage_devices: managed ? [] : sharedDiskPaths(config, outputOf(outputs, ANSIBLE_OUTPUTS.storageDiskId)),
    citc_storage_export_prefix: managed ? (outputOf(outputs, ANSIBLE_OUTPUTS.storageExportPrefix) ?? '') : '',
    // Uids from the file or the name, never the position (src/core/users.ts).
    citc_users: config.users.map((u) => ({
      name: u.name,
      uid: userUid(u),
      admin: u.admin ?? false,
      ssh_keys: u.sshKeys,
    })),
    citc_gres: config.partitions.some((p) => p.shapes.some((s) => (s.gpus?.count ?? 0) > 0)),
    citc_runtime_rendered: extra.runtimeRendered,
    citc_rendered_dir: paths.renderedDir,
    citc_munge_key_local: paths.mungeKey,
    // One archive, installed as release <id> and made live by a link (role citc_hooks, tasks/bundle.yml).
    citc_hooks_bundle: extra.hooksBundle?.file ?? '',
    citc_hooks_bundle_id: extra.hooksBundle?.id ?? '',
    citc_node_version: NODE_RUNTIME.version,
    citc_node_arch: managementArch(config),
    citc_node_archive: paths.nodeArchive,
    citc_node_sha512: integrityHex(NODE_RUNTIME.integrity[managementArch(config)]),
  };
}

/** group_vars.yml as written into the work dir. */
export function renderGroupVars(vars: GroupVars): string {
  return `# Rendered by citc for cluster ${vars.citc_cluster_name}.\n${stringify(vars)}`;
}
