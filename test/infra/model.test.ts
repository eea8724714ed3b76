import { describe, expect, it } from 'vitest';
import { bitsFor, cidrSubnet } from '../../infra/cidr-split.js';
import { clusterInfraModel } from '../../infra/model.js';
import { CitcError } from '../../src/core/errors.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

describe('cidrSubnet (Terraform cidrsubnet)', () => {
  it('carves consecutive blocks', () => {
    expect(cidrSubnet('10.0.0.0/16', 2, 0)).toBe('10.0.0.0/18');
    expect(cidrSubnet('10.0.0.0/16', 2, 3)).toBe('10.0.192.0/18');
    expect(cidrSubnet('192.168.4.0/24', 3, 5)).toBe('192.168.4.160/27');
    expect(cidrSubnet('10.30.0.0/16', 13, 8191)).toBe('10.30.255.248/29');
  });

  it('refuses a block that does not exist or is smaller than a /29, naming network.cidr', () => {
    expect(() => cidrSubnet('10.0.0.0/16', 2, 4)).toThrow(CitcError);
    try {
      cidrSubnet('10.0.0.0/28', 2, 0);
      expect.unreachable();
    } catch (err) {
      expect((err as CitcError).subject).toBe('network.cidr');
      expect((err as CitcError).exitCode).toBe(2);
    }
  });

  it('leaves room for at least one more zone', () => {
    expect([1, 2, 3, 4, 7, 8].map(bitsFor)).toEqual([2, 2, 2, 3, 3, 4]);
  });
});

describe('clusterInfraModel', () => {
  it('gives each aws zone its own subnet in zone order and tags with citc:cluster', () => {
    const config = awsCluster();
    config.provider.zones = ['us-east-1c', 'us-east-1a', 'us-east-1f'];
    const m = clusterInfraModel(config);
    expect(m.network.subnets).toEqual([
      { zone: 'us-east-1c', cidr: '10.0.0.0/18' },
      { zone: 'us-east-1a', cidr: '10.0.64.0/18' },
      { zone: 'us-east-1f', cidr: '10.0.128.0/18' },
    ]);
    expect(m.network.nat).toBe(false);
    expect(m.labels).toEqual({ team: 'hpc', 'citc:cluster': 'demo' });
    expect(m.management).toMatchObject({ name: 'demo-mgmt', zone: 'us-east-1c', sshUser: 'rocky' });
    expect(m.compute).toMatchObject({ rootDevice: '/dev/sda1', maxNodes: 17 });
    expect(m.compute.imageId).toBeUndefined();
  });

  it('puts gcp in one regional subnetwork with NAT, the citc admin user and the filestore range outside it', () => {
    const m = clusterInfraModel(gcpCluster());
    expect(m.network.subnets).toEqual([{ zone: 'europe-west4-a', cidr: '10.1.0.0/17' }]);
    expect(m.network.nat).toBe(true);
    expect(m.network.storageReservedCidr).toBe('10.1.255.248/29');
    expect(m.labels).toEqual({ 'citc-cluster': 'gdemo' });
    expect(m.management.sshUser).toBe('citc');
    expect(m.management.gcpImage).toEqual({ family: 'debian-12', project: 'debian-cloud' });
    expect(m.identity).toEqual({
      managementRole: 'gdemo-mgmt',
      computeRole: 'gdemo-node',
      hookRoleId: 'citc_hooks_gdemo',
    });
    expect(m.project).toBe('citc-test');
  });

  it('collects every user key for the management node and carries a recorded image to the launch template', () => {
    const config = awsCluster();
    config.users.push({ name: 'bob', sshKeys: ['ssh-rsa AAAAB3Nza bob@x', 'ssh-ed25519 AAAAC3 bob@y'] });
    config.image.id = 'ami-0123456789abcdef0';
    const m = clusterInfraModel(config);
    expect(m.management.sshKeys).toHaveLength(3);
    expect(m.compute.imageId).toBe('ami-0123456789abcdef0');
  });
});
