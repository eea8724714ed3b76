import type { ClusterConfig } from '../../src/core/config/types.js';

/** A cluster with every feature the renderers handle: two partitions, GPUs, features, spot, MaxTime. */
export function awsCluster(): ClusterConfig {
  return {
    name: 'demo',
    provider: { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b'] },
    network: { cidr: '10.0.0.0/16', adminCidrs: ['192.0.2.0/24'] },
    management: { machineType: 't3.medium', diskGb: 50 },
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home', '/shared'] },
    image: { os: 'rocky9' },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [
          {
            name: 'c5',
            instanceTypes: ['c5.large', 'c5a.large'],
            cpus: 2,
            memoryMb: 3500,
            spot: false,
            maxNodes: 10,
            features: ['avx512'],
          },
          { name: 'm5', instanceTypes: ['m5.xlarge'], cpus: 4, memoryMb: 15000, spot: true, maxNodes: 1, features: [] },
        ],
      },
      {
        name: 'gpu',
        default: false,
        maxTimeMinutes: 1440,
        shapes: [
          {
            name: 'g4',
            instanceTypes: ['g4dn.xlarge'],
            cpus: 4,
            memoryMb: 15000,
            gpus: { count: 1, type: 't4' },
            spot: false,
            maxNodes: 4,
            features: ['t4', 'cuda'],
          },
          {
            name: 'p3',
            instanceTypes: ['p3.8xlarge'],
            cpus: 32,
            memoryMb: 240000,
            gpus: { count: 4 },
            spot: false,
            maxNodes: 2,
            features: [],
          },
        ],
      },
    ],
    slurm: {
      suspendTime: 300,
      resumeTimeout: 600,
      suspendTimeout: 120,
      resumeRate: 0,
      suspendRate: 0,
      hookLogFormat: 'text',
    },
    users: [{ name: 'alice', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests alice@example'] }],
    tags: { team: 'hpc' },
  };
}

export function gcpCluster(): ClusterConfig {
  return {
    name: 'gdemo',
    provider: { kind: 'gcp', region: 'europe-west4', zones: ['europe-west4-a'], project: 'citc-test' },
    network: { cidr: '10.1.0.0/16', adminCidrs: ['198.51.100.0/24'] },
    management: { machineType: 'e2-standard-2', diskGb: 50 },
    storage: { kind: 'filestore', sizeGb: 1024, mounts: ['/home'] },
    image: { os: 'debian12' },
    partitions: [
      {
        name: 'batch',
        default: true,
        shapes: [
          {
            name: 'n2',
            instanceTypes: ['n2-standard-4', 'n2d-standard-4'],
            cpus: 4,
            memoryMb: 15000,
            spot: true,
            maxNodes: 20,
            features: [],
          },
        ],
      },
    ],
    slurm: {
      suspendTime: 600,
      resumeTimeout: 900,
      suspendTimeout: 120,
      resumeRate: 100,
      suspendRate: 50,
      hookLogFormat: 'text',
    },
    users: [],
    tags: {},
  };
}
