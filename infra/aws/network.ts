import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Construct } from 'constructs';
import type { NetworkModel } from '../model.js';

export interface AwsNetworkProps {
  cluster: string;
  network: NetworkModel;
}

/**
 * A VPC with one public subnet per zone and a route to the internet gateway. No NAT gateway: it would
 * bill about 33 USD a month while the cluster is idle (see NetworkModel.nat); the security group is
 * what keeps the nodes private.
 */
export class AwsNetwork extends Construct {
  readonly vpc: Vpc;
  /** In the order of provider.zones. */
  readonly subnets: Subnet[];

  constructor(scope: Construct, id: string, props: AwsNetworkProps) {
    super(scope, id);
    const { cluster, network } = props;
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: network.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: cluster },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: cluster } });
    const routes = new RouteTable(this, 'public', {
      vpcId: this.vpc.id,
      tags: { Name: `${cluster}-public` },
    });
    new Route(this, 'internet', { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    this.subnets = network.subnets.map((s) => {
      const subnet = new Subnet(this, `subnet-${s.zone}`, {
        vpcId: this.vpc.id,
        cidrBlock: s.cidr,
        availabilityZone: s.zone,
        // Outbound internet for compute nodes and packer builds, without a NAT gateway.
        mapPublicIpOnLaunch: true,
        tags: { Name: `${cluster}-${s.zone}` },
      });
      new RouteTableAssociation(this, `public-${s.zone}`, { subnetId: subnet.id, routeTableId: routes.id });
      return subnet;
    });
  }
}
