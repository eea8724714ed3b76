import { join } from 'node:path';
import { loadClusterConfig } from '../../src/config/load.js';
import type { ClusterConfig, ProviderConfig, ProviderKind, ShapeConfig } from '../../src/core/config/types.js';
import { repoRoot } from './cli.js';

/** A shape with the sizes the tests use unless they say otherwise. */
export function shape(name: string, instanceTypes: string[], more: Partial<ShapeConfig> = {}): ShapeConfig {
  return { name, instanceTypes, cpus: 2, memoryMb: 3500, spot: false, maxNodes: 10, features: [], ...more };
}

/** What a test changes: any top-level field, and the provider field by field. */
export type ClusterOverrides = Partial<Omit<ClusterConfig, 'provider'>> & { provider?: Partial<ProviderConfig> };

/**
 * The one builder of a test cluster: a valid config in each cloud (one partition of two shapes, two
 * zones) that a test adjusts with overrides, so every test cluster differs from it only where it says.
 */
export function testCluster(kind: ProviderKind = 'aws', overrides: ClusterOverrides = {}): ClusterConfig {
  const { provider, ...rest } = overrides;
  return {
    name: 'demo',
    provider: {
      kind,
      region: kind === 'aws' ? 'us-east-1' : 'europe-west4',
      zones: kind === 'aws' ? ['us-east-1a', 'us-east-1b'] : ['europe-west4-a', 'europe-west4-b'],
      ...(kind === 'gcp' && { project: 'p' }),
      ...provider,
    },
    network: { cidr: '10.0.0.0/16', adminCidrs: ['192.0.2.0/24'] },
    management: { machineType: 't3.medium', diskGb: 50 },
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home'] },
    image: { os: 'rocky9' },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [
          shape('c5', ['c5.large', 'c5a.large'], { maxNodes: 5000 }),
          shape('m5', ['m5.large'], { maxNodes: 20 }),
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
    users: [],
    tags: {},
    ...rest,
  };
}

/** Every feature the renderers handle on AWS: two partitions, GPUs, features, spot, MaxTime, a user. */
export function awsCluster(): ClusterConfig {
  return testCluster('aws', {
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home', '/shared'] },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [
          shape('c5', ['c5.large', 'c5a.large'], { features: ['avx512'] }),
          shape('m5', ['m5.xlarge'], { cpus: 4, memoryMb: 15000, spot: true, maxNodes: 1 }),
        ],
      },
      {
        name: 'gpu',
        default: false,
        maxTimeMinutes: 1440,
        shapes: [
          shape('g4', ['g4dn.xlarge'], {
            cpus: 4,
            memoryMb: 15000,
            gpus: { count: 1, type: 't4' },
            maxNodes: 4,
            features: ['t4', 'cuda'],
          }),
          shape('p3', ['p3.8xlarge'], { cpus: 32, memoryMb: 240000, gpus: { count: 4 }, maxNodes: 2 }),
        ],
      },
    ],
    users: [{ name: 'alice', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests alice@example'] }],
    tags: { team: 'hpc' },
  });
}

/** A spot-only Google Cloud cluster in one zone, with Filestore and its own Slurm timings. */
export function gcpCluster(): ClusterConfig {
  return testCluster('gcp', {
    name: 'gdemo',
    provider: { zones: ['europe-west4-a'], project: 'citc-test' },
    network: { cidr: '10.1.0.0/16', adminCidrs: ['198.51.100.0/24'] },
    management: { machineType: 'e2-standard-2', diskGb: 50 },
    storage: { kind: 'filestore', sizeGb: 1024, mounts: ['/home'] },
    image: { os: 'debian12' },
    partitions: [
      {
        name: 'batch',
        default: true,
        shapes: [
          shape('n2', ['n2-standard-4', 'n2d-standard-4'], { cpus: 4, memoryMb: 15000, spot: true, maxNodes: 20 }),
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
  });
}

/** A shipped example (examples/<kind>.yaml) through the real loader: validation and defaults. */
export function loadExample(kind: 'aws' | 'gcp'): Promise<ClusterConfig> {
  return loadClusterConfig(join(repoRoot, 'examples', `${kind}.yaml`));
}
