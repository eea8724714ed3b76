import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Construct } from 'constructs';
import type { NetworkModel, SubnetModel } from '../model.js';

export interface AwsNetworkProps {
  cluster: string;
  network: NetworkModel;
}

/**
 * A VPC and a route to the internet gateway. network.computeEgress `public` (default): one public
 * subnet per zone for every node, no NAT gateway (it would bill about 33 USD a month while the cluster
 * is idle); the compute nodes' security group is what keeps them private. `nat`: the compute subnets
 * are private and reach out through one NAT gateway in the public subnet of the management node.
 */
export class AwsNetwork extends Construct {
  readonly vpc: Vpc;
  /** Where compute nodes launch, in the order of provider.zones. */
  readonly subnets: Subnet[];
  /** The management node's subnet, with public addresses (also where images are built). */
  readonly publicSubnet: Subnet;

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
    const subnet = (s: SubnetModel, id: string, name: string, isPublic: boolean, routeTableId: string) => {
      const made = new Subnet(this, `${id}-${s.zone}`, {
        vpcId: this.vpc.id,
        cidrBlock: s.cidr,
        availabilityZone: s.zone,
        mapPublicIpOnLaunch: isPublic,
        tags: { Name: name },
      });
      // Ids of the public case as they were before the nat choice existed: no replacement on upgrade.
      new RouteTableAssociation(this, id === 'subnet' ? `public-${s.zone}` : `${id}-routes-${s.zone}`, {
        subnetId: made.id,
        routeTableId,
      });
      return made;
    };
    const pub = network.publicSubnet;
    if (!pub) {
      // Outbound internet for compute nodes and packer builds through their own public addresses.
      this.subnets = network.subnets.map((s) => subnet(s, 'subnet', `${cluster}-${s.zone}`, true, routes.id));
      this.publicSubnet = this.subnets[0] as Subnet;
      return;
    }
    this.publicSubnet = subnet(pub, 'subnet', `${cluster}-public-${pub.zone}`, true, routes.id);
    const eip = new Eip(this, 'nat-address', { domain: 'vpc', tags: { Name: `${cluster}-nat` } });
    const nat = new NatGateway(this, 'nat', {
      allocationId: eip.id,
      subnetId: this.publicSubnet.id,
      tags: { Name: cluster },
      dependsOn: [igw],
    });
    const privateRoutes = new RouteTable(this, 'private', { vpcId: this.vpc.id, tags: { Name: `${cluster}-private` } });
    new Route(this, 'internet-via-nat', {
      routeTableId: privateRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      natGatewayId: nat.id,
    });
    this.subnets = network.subnets.map((s) =>
      subnet(s, 'compute', `${cluster}-compute-${s.zone}`, false, privateRoutes.id),
    );
  }
}
