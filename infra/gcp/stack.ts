import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { CitcError, ExitCode } from '../../src/core/errors.js';
import { STACK_OUTPUTS } from '../outputs.js';
import { pinProvider } from '../provider-source.js';
import type { ClusterStackProps } from '../stack-props.js';
import { GcpFirewall } from './firewall.js';
import { GcpIdentity } from './identity.js';
import { GcpManagement } from './management.js';
import { GcpNetwork } from './network.js';
import { GcpStorage } from './storage.js';

/** Everything one cluster needs on Google Cloud except the compute instances, which the hooks create and delete. */
export class GcpClusterStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    const { model } = props;
    const project = model.project;
    if (!project) {
      throw new CitcError('INFRA_NO_PROJECT', 'a gcp cluster needs provider.project', {
        subject: 'provider.project',
        remedy: 'Set provider.project in citc.yaml to your Google Cloud project id.',
        exitCode: ExitCode.usage,
      });
    }
    new LocalBackend(this, { path: props.stateFile });
    const google = new GoogleProvider(this, 'google', { project, region: model.region });
    // Set raw: cdktf snake-cases the keys of provider-level maps (citc-cluster would become citc_cluster).
    google.addOverride('default_labels', model.labels);
    pinProvider(this, 'google');

    const net = new GcpNetwork(this, 'vpc', { cluster: model.cluster, region: model.region, network: model.network });
    new GcpFirewall(this, 'firewall', {
      cluster: model.cluster,
      networkId: net.network.id,
      internalCidr: model.network.cidr,
      firewall: model.firewall,
    });
    const identity = new GcpIdentity(this, 'identity', { cluster: model.cluster, project, identity: model.identity });
    const management = new GcpManagement(this, 'management', {
      management: model.management,
      subnetworkId: net.subnetwork.id,
      serviceAccountEmail: identity.hooks.email,
      labels: model.labels,
    });
    const storage = new GcpStorage(this, 'storage', {
      cluster: model.cluster,
      storage: model.storage,
      zone: model.management.zone,
      managementInstanceId: management.instance.id,
      networkName: net.network.name,
      reservedCidr: model.network.storageReservedCidr,
    });

    const nic = management.instance.networkInterface.get(0);
    const privateIp = nic.networkIp;
    const outputs: Record<string, unknown> = {
      [STACK_OUTPUTS.gcpNetwork]: net.network.selfLink,
      [STACK_OUTPUTS.gcpSubnetwork]: net.subnetwork.selfLink,
      [STACK_OUTPUTS.gcpServiceAccountEmail]: identity.compute.email,
      [STACK_OUTPUTS.hookServiceAccountEmail]: identity.hooks.email,
      [STACK_OUTPUTS.managementPublicIp]: nic.accessConfig.get(0).natIp,
      [STACK_OUTPUTS.managementPrivateIp]: privateIp,
      [STACK_OUTPUTS.managementSshUser]: model.management.sshUser,
      [STACK_OUTPUTS.managementInstance]: management.instance.name,
      [STACK_OUTPUTS.storageAddress]: storage.address ?? privateIp,
      [STACK_OUTPUTS.storageDiskId]: storage.diskId ?? '',
      [STACK_OUTPUTS.storageExportPrefix]: storage.exportPrefix,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value, staticId: true });
  }
}
