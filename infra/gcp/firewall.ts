import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { Construct } from 'constructs';
import type { FirewallModel } from '../model.js';

export interface GcpFirewallProps {
  cluster: string;
  networkId: string;
  /** The cluster's whole range: members talk to each other freely. */
  internalCidr: string;
  firewall: FirewallModel;
}

/** SSH from the admin CIDRs only; everything between cluster members. Ingress is denied otherwise (VPC default). */
export class GcpFirewall extends Construct {
  constructor(scope: Construct, id: string, props: GcpFirewallProps) {
    super(scope, id);
    const { cluster, networkId, firewall } = props;
    new ComputeFirewall(this, 'ssh', {
      name: `${cluster}-ssh`,
      network: networkId,
      direction: 'INGRESS',
      description: 'SSH from the admin ranges (network.adminCidrs)',
      sourceRanges: firewall.sshFrom,
      allow: [{ protocol: 'tcp', ports: ['22'] }],
    });
    new ComputeFirewall(this, 'internal', {
      name: `${cluster}-internal`,
      network: networkId,
      direction: 'INGRESS',
      description: 'slurmctld/slurmd, munge, NFS and MPI between cluster members',
      sourceRanges: [props.internalCidr],
      allow: [{ protocol: 'tcp' }, { protocol: 'udp' }, { protocol: 'icmp' }],
    });
  }
}
