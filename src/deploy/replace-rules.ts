/**
 * Which attribute changes make Terraform replace (destroy, then create) a resource instead of updating
 * it in place: the `ForceNew` arguments of the hashicorp/aws 6.x and hashicorp/google 6.x providers, for
 * the resource types citc's stacks create. A path matches an entry equal to it or below it
 * (`root_block_device.encrypted` matches `root_block_device.encrypted`; `boot_disk.initialize_params.size`
 * matches `boot_disk`). Terraform's own plan, where terraform runs, is the authority; this table lets a
 * dry run say the same without terraform.
 */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  // aws
  aws_instance: [
    'ami',
    'availability_zone',
    'subnet_id',
    'private_ip',
    'associate_public_ip_address',
    'key_name',
    'tenancy',
    'placement_group',
    'cpu_options',
    'ebs_block_device',
    'ephemeral_block_device',
    'network_interface',
    'root_block_device.encrypted',
    'root_block_device.kms_key_id',
    'security_groups',
  ],
  aws_ebs_volume: ['availability_zone', 'encrypted', 'kms_key_id', 'snapshot_id', 'outpost_arn'],
  aws_volume_attachment: ['device_name', 'instance_id', 'volume_id'],
  aws_efs_file_system: ['creation_token', 'encrypted', 'kms_key_id', 'performance_mode', 'availability_zone_name'],
  aws_efs_mount_target: ['file_system_id', 'subnet_id', 'ip_address'],
  aws_vpc: ['cidr_block'],
  aws_subnet: ['vpc_id', 'cidr_block', 'availability_zone', 'availability_zone_id'],
  aws_route_table: ['vpc_id'],
  aws_route: ['route_table_id', 'destination_cidr_block'],
  aws_route_table_association: ['subnet_id', 'gateway_id'],
  aws_security_group: ['name', 'name_prefix', 'description', 'vpc_id'],
  aws_vpc_security_group_ingress_rule: ['security_group_id'],
  aws_vpc_security_group_egress_rule: ['security_group_id'],
  aws_iam_role: ['name', 'name_prefix', 'path'],
  aws_iam_instance_profile: ['name', 'name_prefix', 'path'],
  aws_iam_role_policy: ['name', 'name_prefix', 'role'],
  aws_launch_template: ['name', 'name_prefix'],
  // google
  google_compute_instance: [
    'name',
    'zone',
    'boot_disk',
    'scratch_disk',
    'hostname',
    'network_interface.network',
    'reservation_affinity',
  ],
  google_compute_disk: ['name', 'zone', 'type', 'image', 'snapshot', 'disk_encryption_key'],
  google_compute_attached_disk: ['disk', 'instance', 'device_name', 'mode', 'zone'],
  google_filestore_instance: ['name', 'location', 'zone', 'tier', 'networks', 'file_shares.name', 'kms_key_name'],
  google_compute_network: ['name', 'auto_create_subnetworks'],
  google_compute_subnetwork: ['name', 'network', 'region'],
  google_compute_firewall: ['name', 'network', 'direction'],
  google_compute_router: ['name', 'network', 'region'],
  google_compute_router_nat: ['name', 'router', 'region'],
  google_service_account: ['account_id', 'project'],
  google_project_iam_custom_role: ['role_id', 'project'],
  google_project_iam_member: ['role', 'member', 'project', 'condition'],
  google_service_account_iam_member: ['service_account_id', 'role', 'member', 'condition'],
};

/**
 * Changes that replace only in one direction: a GCE disk can grow in place but not shrink (an EBS
 * volume cannot shrink at all: terraform fails, which the plan reports as an update it cannot do).
 */
export const SHRINK_REPLACES: Readonly<Record<string, readonly string[]>> = {
  google_compute_disk: ['size'],
  google_filestore_instance: ['file_shares.capacity_gb'],
};

/** Does changing `path` (dotted, list indexes dropped) of a `type` resource replace it? */
export function forcesReplacement(type: string, path: string, before?: unknown, after?: unknown): boolean {
  const hit = (list: readonly string[] | undefined) => (list ?? []).some((p) => path === p || path.startsWith(`${p}.`));
  if (hit(FORCE_NEW[type])) return true;
  return hit(SHRINK_REPLACES[type]) && typeof before === 'number' && typeof after === 'number' && after < before;
}
