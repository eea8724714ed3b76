import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { Construct } from 'constructs';
import type { IdentityModel } from '../model.js';

export interface GcpIdentityProps {
  cluster: string;
  project: string;
  identity: IdentityModel;
}

/**
 * Exactly what the power-save hooks call (bulkInsert, list, get, delete, operation polling), instead of
 * the broad roles/compute.instanceAdmin.v1, which also grants every disk, snapshot and instance-group
 * right in the project.
 */
export const HOOK_PERMISSIONS = [
  'compute.instances.create',
  'compute.instances.delete',
  'compute.instances.get',
  'compute.instances.list',
  'compute.instances.setLabels',
  'compute.instances.setMetadata',
  'compute.instances.setServiceAccount',
  'compute.instances.setScheduling',
  'compute.disks.create',
  'compute.disks.setLabels',
  'compute.images.useReadOnly',
  'compute.subnetworks.use',
  'compute.zoneOperations.get',
  'compute.zones.get',
] as const;

/**
 * Two service accounts: the management node's (the hooks run as it) with the custom role above and
 * serviceAccountUser on the compute account only; the compute nodes' with no role at all.
 */
export class GcpIdentity extends Construct {
  readonly hooks: ServiceAccount;
  readonly compute: ServiceAccount;

  constructor(scope: Construct, id: string, props: GcpIdentityProps) {
    super(scope, id);
    const { cluster, project, identity } = props;
    this.hooks = new ServiceAccount(this, 'hooks', {
      accountId: identity.managementRole,
      displayName: `citc ${cluster}: management node and power-save hooks`,
      project,
    });
    this.compute = new ServiceAccount(this, 'compute', {
      accountId: identity.computeRole,
      displayName: `citc ${cluster}: compute nodes (no roles)`,
      project,
    });
    const role = new ProjectIamCustomRole(this, 'hook-role', {
      project,
      roleId: identity.hookRoleId,
      title: `citc ${cluster} power-save hooks`,
      permissions: [...HOOK_PERMISSIONS],
    });
    new ProjectIamMember(this, 'hook-role-member', {
      project,
      role: role.id,
      member: `serviceAccount:${this.hooks.email}`,
    });
    // Launching a node that runs as the compute account needs actAs on that account, and on no other.
    new ServiceAccountIamMember(this, 'act-as-compute', {
      serviceAccountId: this.compute.name,
      role: 'roles/iam.serviceAccountUser',
      member: `serviceAccount:${this.hooks.email}`,
    });
  }
}
