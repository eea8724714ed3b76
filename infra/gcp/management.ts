import { ComputeInstance } from '@cdktf/provider-google/lib/compute-instance/index.js';
import { Construct } from 'constructs';
import { TAG } from '../../src/core/naming.js';
import type { ManagementModel } from '../model.js';

export interface GcpManagementProps {
  management: ManagementModel;
  subnetworkId: string;
  serviceAccountEmail: string;
  labels: Record<string, string>;
}

/** The management/login node: a shielded VM with an external address for SSH, running as the hooks' account. */
export class GcpManagement extends Construct {
  readonly instance: ComputeInstance;

  constructor(scope: Construct, id: string, props: GcpManagementProps) {
    super(scope, id);
    const { management } = props;
    this.instance = new ComputeInstance(this, 'node', {
      name: management.name,
      machineType: management.machineType,
      zone: management.zone,
      bootDisk: {
        initializeParams: {
          image: `projects/${management.gcpImage.project}/global/images/family/${management.gcpImage.family}`,
          size: management.diskGb,
          type: 'pd-balanced',
        },
      },
      networkInterface: [{ subnetwork: props.subnetworkId, accessConfig: [{}] }],
      serviceAccount: { email: props.serviceAccountEmail, scopes: ['cloud-platform'] },
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      metadata: {
        // citc's deploy key for the sudo user Ansible logs in as (users' keys go to their own accounts, by
        // Ansible: the guest agent would make every account listed here a sudoer); no project-wide keys.
        'ssh-keys': management.sshKeys.map((k) => `${management.sshUser}:${k}`).join('\n'),
        'block-project-ssh-keys': 'TRUE',
        'enable-oslogin': 'FALSE',
      },
      labels: { ...props.labels, [TAG.gcp.role]: 'management' },
      allowStoppingForUpdate: true,
      // A newer image in the family must not replace a running management node.
      lifecycle: { ignoreChanges: ['boot_disk[0].initialize_params[0].image'] },
    });
  }
}
