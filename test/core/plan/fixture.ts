import type { ClusterConfig, ProviderKind, ShapeConfig } from '../../../src/core/config/types.js';

export function shape(name: string, instanceTypes: string[], maxNodes = 10, spot = false): ShapeConfig {
  return { name, instanceTypes, cpus: 2, memoryMb: 3500, spot, maxNodes, features: [] };
}

/** Two shapes in one partition, two zones: enough to exercise every failover path. */
export function clusterConfig(kind: ProviderKind = 'aws', overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name: 'demo',
    provider: {
      kind,
      region: kind === 'aws' ? 'us-east-1' : 'europe-west4',
      zones: kind === 'aws' ? ['us-east-1a', 'us-east-1b'] : ['europe-west4-a', 'europe-west4-b'],
      ...(kind === 'gcp' && { project: 'p' }),
    },
    network: { cidr: '10.0.0.0/16', adminCidrs: ['192.0.2.0/24'] },
    management: { machineType: 't3.medium', diskGb: 50 },
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home'] },
    image: { os: 'rocky9' },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [shape('c5', ['c5.large', 'c5a.large'], 5000), shape('m5', ['m5.large'], 20)],
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
    users: [],
    tags: {},
    ...overrides,
  };
}
