import { describe, expect, it } from 'vitest';
import { bitsFor, cidrHost, cidrSubnet, cidrWithout } from '../../infra/cidr-split.js';
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

describe('cidrHost and cidrWithout', () => {
  it('names the n-th address of a block', () => {
    expect(cidrHost('10.30.0.0/17', 2)).toBe('10.30.0.2');
    expect(cidrHost('192.168.4.128/25', 130)).toBe('192.168.5.2');
  });

  it('covers a block but one address with one block per extra prefix bit, none overlapping', () => {
    expect(cidrWithout('10.0.0.0/29', '10.0.0.2')).toEqual(['10.0.0.4/30', '10.0.0.0/31', '10.0.0.3/32']);
    const rest = cidrWithout('192.168.128.0/17', '192.168.200.7');
    expect(rest).toHaveLength(15);
    const size = (c: string) => 2 ** (32 - Number(c.split('/')[1]));
    expect(rest.reduce((n, c) => n + size(c), 0)).toBe(2 ** 15 - 1);
    expect(rest).not.toContain('192.168.200.7/32');
  });
});

describe('clusterInfraModel', () => {
  it('gives each aws zone its own subnet in zone order, its range by the zone name, and tags with citc:cluster', () => {
    const config = awsCluster();
    config.provider.zones = ['us-east-1c', 'us-east-1a', 'us-east-1f'];
    const m = clusterInfraModel(config);
    expect(m.network.subnets).toEqual([
      { zone: 'us-east-1c', cidr: '10.0.64.0/18' },
      { zone: 'us-east-1a', cidr: '10.0.0.0/18' },
      { zone: 'us-east-1f', cidr: '10.0.128.0/18' },
    ]);
    // Reordering the zones changes no subnet's range.
    config.provider.zones = ['us-east-1a', 'us-east-1f', 'us-east-1c'];
    expect(new Set(clusterInfraModel(config).network.subnets.map((s) => `${s.zone} ${s.cidr}`))).toEqual(
      new Set(m.network.subnets.map((s) => `${s.zone} ${s.cidr}`)),
    );
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

  it('gives the management node only the deploy key, never a user key, and carries a recorded image to the launch template', () => {
    const config = awsCluster();
    config.users.push({ name: 'bob', sshKeys: ['ssh-rsa AAAAB3Nza bob@x', 'ssh-ed25519 AAAAC3 bob@y'] });
    config.image.id = 'ami-0123456789abcdef0';
    const m = clusterInfraModel(config, undefined, 'ssh-ed25519 AAAAC3Deploy citc-deploy@demo');
    expect(m.management.sshKeys).toEqual(['ssh-ed25519 AAAAC3Deploy citc-deploy@demo']);
    expect(clusterInfraModel(config).management.sshKeys).toEqual([]);
    expect(m.compute.imageId).toBe('ami-0123456789abcdef0');
    expect(m.compute.pinnedImageId).toBe('ami-0123456789abcdef0');
    expect(clusterInfraModel(awsCluster(), 'ami-0recorded').compute.pinnedImageId).toBeUndefined();
  });

  it('aws computeEgress nat: private compute subnets per zone, one public subnet after them', () => {
    const config = awsCluster();
    config.provider.zones = ['us-east-1a', 'us-east-1b'];
    config.network.computeEgress = 'nat';
    const m = clusterInfraModel(config);
    expect(m.network).toMatchObject({
      computeEgress: 'nat',
      nat: true,
      subnets: [
        { zone: 'us-east-1a', cidr: '10.0.0.0/18' },
        { zone: 'us-east-1b', cidr: '10.0.64.0/18' },
      ],
      publicSubnet: { zone: 'us-east-1a', cidr: '10.0.128.0/18' },
    });
    expect(clusterInfraModel(awsCluster()).network.publicSubnet).toBeUndefined();
  });

  it('gcp filestore: the management node gets the first usable address, the one client that keeps root', () => {
    const config = gcpCluster();
    config.storage = { ...config.storage, kind: 'filestore', sizeGb: 1024 };
    const m = clusterInfraModel(config);
    expect(m.management.fixedPrivateIp).toBe('10.1.0.2');
    expect(m.storage.exports?.rootClients).toEqual(['10.1.0.2']);
    expect(m.storage.exports?.squashedClients).toHaveLength(15);
    config.storage.kind = 'nfs';
    expect(clusterInfraModel(config).management.fixedPrivateIp).toBeUndefined();
  });
});
