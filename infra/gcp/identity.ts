import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { Construct } from 'constructs';
import type { IdentityModel } from '../model.js';

/**
 * What the power-save hooks' calls (bulkInsert, delete) check on the instances, their boot disks, the
 * image and the subnetwork: granted only where the resource name is one of this cluster's compute
 * nodes (see hookCondition). Together with HOOK_READ_PERMISSIONS exactly what src/cloud/gcp/adapter.ts
 * calls, instead of roles/compute.instanceAdmin.v1, which grants every disk, snapshot and
 * instance-group right in the project.
 */
export const HOOK_PERMISSIONS = [
  'compute.instances.create',
  'compute.instances.delete',
  'compute.instances.setLabels',
  'compute.instances.setMetadata',
  'compute.instances.setServiceAccount',
  'compute.instances.setScheduling',
  'compute.disks.create',
  'compute.disks.setLabels',
  'compute.images.useReadOnly',
  'compute.subnetworks.use',
] as const;

/**
 * Read-only calls IAM cannot narrow by resource name (a list is checked on the project, an operation
 * has a generated name): the hooks list instances by label (instances.list) and wait for operations.
 */
export const HOOK_READ_PERMISSIONS = ['compute.instances.list', 'compute.zoneOperations.get'] as const;

export interface HookScope {
  project: string;
  region: string;
  cluster: string;
  /** provider.zones: the hooks launch and delete in these zones only. */
  zones: string[];
  /** Not compute nodes although their names start with `<cluster>-`: the management node, the NFS disk. */
  reserved: string[];
  /** `<prefix>-<timestamp>`: the images `citc image rebuild` builds in the project. */
  imagePrefix: string;
  /** image.id of citc.yaml, when pinned. */
  pinnedImageId?: string;
}

/** Pure: the IAM resource name a pinned image is checked under (a family: any image of its project). */
export function imageResourceName(project: string, id: string): { exact?: string; prefix?: string } {
  const path = id.replace(/^https:\/\/(www|compute)\.googleapis\.com\/compute\/v1\//, '');
  const family = /^projects\/([^/]+)\/global\/images\/family\//.exec(path);
  if (family) return { prefix: `projects/${family[1]}/global/images/` };
  if (path.startsWith('projects/')) return { exact: path };
  return { exact: `projects/${project}/global/images/${path.replace(/^global\/images\//, '')}` };
}

/**
 * Pure: the IAM condition of the hooks' role. Instances and their boot disks (named after the instance)
 * only where the name is `<cluster>-…` in one of the cluster's zones, but never the management node or
 * the shared disk; the cluster's subnetwork; the images this cluster built, or the pinned one.
 * IAM's resource names: projects/P/zones/Z/instances/N, …/disks/N, projects/P/regions/R/subnetworks/N,
 * projects/P/global/images/N.
 */
export function hookCondition(s: HookScope): string {
  const q = (v: string) => JSON.stringify(v);
  const nodes = s.zones.flatMap((z) =>
    ['instances', 'disks'].map(
      (kind) => `resource.name.startsWith(${q(`projects/${s.project}/zones/${z}/${kind}/${s.cluster}-`)})`,
    ),
  );
  const notReserved = s.reserved.map((n) => `!resource.name.endsWith(${q(`/${n}`)})`);
  const images = [`resource.name.startsWith(${q(`projects/${s.project}/global/images/${s.imagePrefix}-`)})`];
  if (s.pinnedImageId) {
    const image = imageResourceName(s.project, s.pinnedImageId);
    images.push(
      image.exact ? `resource.name == ${q(image.exact)}` : `resource.name.startsWith(${q(image.prefix ?? '')})`,
    );
  }
  return [
    `((${nodes.join(' || ')}) && ${notReserved.join(' && ')})`,
    `resource.name == ${q(`projects/${s.project}/regions/${s.region}/subnetworks/${s.cluster}`)}`,
    ...images,
  ].join(' || ');
}

export interface GcpIdentityProps {
  cluster: string;
  project: string;
  identity: IdentityModel;
  scope: HookScope;
}

/**
 * Two service accounts: the management node's (the hooks run as it) with the conditioned custom role,
 * a read-only role, and serviceAccountUser on the compute account only; the compute nodes' with no
 * role at all.
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
    const member = `serviceAccount:${this.hooks.email}`;
    const role = new ProjectIamCustomRole(this, 'hook-role', {
      project,
      roleId: identity.hookRoleId,
      title: `citc ${cluster} power-save hooks`,
      description: "Create and delete this cluster's compute nodes (bound with a condition on their names)",
      permissions: [...HOOK_PERMISSIONS],
    });
    new ProjectIamMember(this, 'hook-role-member', {
      project,
      role: role.id,
      member,
      condition: {
        title: `citc ${cluster} compute nodes only`,
        description: `Instances and disks named ${cluster}-… in ${props.scope.zones.join(', ')} (not the management node), the cluster's subnetwork and images`,
        expression: hookCondition(props.scope),
      },
    });
    const read = new ProjectIamCustomRole(this, 'hook-read-role', {
      project,
      roleId: `${identity.hookRoleId}_read`,
      title: `citc ${cluster} power-save hooks (read)`,
      description: 'List instances and read zone operations: no name condition applies to these',
      permissions: [...HOOK_READ_PERMISSIONS],
    });
    new ProjectIamMember(this, 'hook-read-role-member', { project, role: read.id, member });
    // Launching a node that runs as the compute account needs actAs on that account, and on no other.
    new ServiceAccountIamMember(this, 'act-as-compute', {
      serviceAccountId: this.compute.name,
      role: 'roles/iam.serviceAccountUser',
      member,
    });
  }
}
