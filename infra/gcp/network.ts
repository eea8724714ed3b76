import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { Construct } from 'constructs';
import type { NetworkModel } from '../model.js';

export interface GcpNetworkProps {
  cluster: string;
  region: string;
  network: NetworkModel;
}

/**
 * A custom-mode VPC with one regional subnetwork (it spans every zone), and Cloud NAT: compute nodes
 * have no external address but still reach package mirrors. Private Google Access lets them reach
 * Google APIs without NAT.
 */
export class GcpNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnetwork: ComputeSubnetwork;

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const { cluster, region, network } = props;
    this.network = new ComputeNetwork(this, 'vpc', {
      name: cluster,
      autoCreateSubnetworks: false,
      description: `citc cluster ${cluster}`,
    });
    this.subnetwork = new ComputeSubnetwork(this, 'subnet', {
      name: cluster,
      region,
      network: this.network.id,
      ipCidrRange: (network.subnets[0] as { cidr: string }).cidr,
      privateIpGoogleAccess: true,
    });
    if (!network.nat) return;
    const router = new ComputeRouter(this, 'router', { name: cluster, region, network: this.network.id });
    new ComputeRouterNat(this, 'nat', {
      name: cluster,
      region,
      router: router.name,
      natIpAllocateOption: 'AUTO_ONLY',
      sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      logConfig: { enable: true, filter: 'ERRORS_ONLY' },
    });
  }
}
