import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../outputs.js';
import { pinProvider } from '../provider-source.js';
import type { ClusterStackProps } from '../stack-props.js';
import { AwsComputeTemplate } from './compute-template.js';
import { AwsFirewall } from './firewall.js';
import { AwsIdentity } from './identity.js';
import { AwsManagement } from './management.js';
import { AwsNetwork } from './network.js';
import { AwsStorage } from './storage.js';

/** Everything one cluster needs on AWS except the compute instances, which the hooks create and delete. */
export class AwsClusterStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    const { model } = props;
    new LocalBackend(this, { path: props.stateFile });
    new AwsProvider(this, 'aws', { region: model.region, defaultTags: [{ tags: model.labels }] });
    pinProvider(this, 'aws');

    const network = new AwsNetwork(this, 'network', { cluster: model.cluster, network: model.network });
    const firewall = new AwsFirewall(this, 'firewall', {
      cluster: model.cluster,
      vpcId: network.vpc.id,
      firewall: model.firewall,
    });
    const sg = [firewall.group.id];
    const subnetIds = network.subnets.map((s) => s.id);
    const identity = new AwsIdentity(this, 'identity', {
      cluster: model.cluster,
      region: model.region,
      identity: model.identity,
      vpcArn: network.vpc.arn,
    });
    const management = new AwsManagement(this, 'management', {
      management: model.management,
      subnetId: subnetIds[0] as string,
      securityGroupIds: sg,
      instanceProfileName: identity.managementProfile.name,
    });
    const storage = new AwsStorage(this, 'storage', {
      cluster: model.cluster,
      storage: model.storage,
      managementInstanceId: management.instance.id,
      managementZone: model.management.zone,
      subnetIds,
      securityGroupIds: sg,
    });
    const compute = new AwsComputeTemplate(this, 'compute', {
      cluster: model.cluster,
      compute: model.compute,
      securityGroupIds: sg,
      instanceProfileArn: identity.computeProfile.arn,
      tags: model.labels,
    });

    const node = management.instance;
    const outputs: Record<string, unknown> = {
      [STACK_OUTPUTS.awsSubnetIds]: subnetIds,
      [STACK_OUTPUTS.awsSecurityGroupIds]: sg,
      [STACK_OUTPUTS.awsLaunchTemplateId]: compute.template.id,
      [STACK_OUTPUTS.awsInstanceProfileArn]: identity.computeProfile.arn,
      [STACK_OUTPUTS.managementPublicIp]: node.publicIp,
      [STACK_OUTPUTS.managementPrivateIp]: node.privateIp,
      [STACK_OUTPUTS.managementSshUser]: model.management.sshUser,
      [STACK_OUTPUTS.managementInstance]: node.id,
      [STACK_OUTPUTS.storageAddress]: storage.address ?? node.privateIp,
      [STACK_OUTPUTS.storageDiskId]: storage.diskId ?? '',
      [STACK_OUTPUTS.storageExportPrefix]: '',
      [STACK_OUTPUTS.awsSubnetId]: subnetIds[0] as string,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value, staticId: true });
  }
}
