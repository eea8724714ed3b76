import type { LaunchBatch } from '../../src/cloud/types.js';
import type { ClusterConfig, ShapeConfig } from '../../src/core/config/types.js';
import type { NodeName } from '../../src/core/naming.js';
import type { HookRuntime } from '../../src/core/runtime.js';

/** Two shapes in one partition, two zones: what the cloud tests launch. */
export function testRuntime(kind: 'aws' | 'gcp', endpoint: string, name = 'alpha'): HookRuntime {
  const zones = kind === 'aws' ? ['us-east-1a', 'us-east-1b'] : ['europe-west4-a', 'europe-west4-b'];
  const cluster: ClusterConfig = {
    name,
    provider: {
      kind,
      region: kind === 'aws' ? 'us-east-1' : 'europe-west4',
      zones,
      endpoint,
      ...(kind === 'gcp' && { project: 'proj' }),
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
          shape('small', kind === 'aws' ? ['t3.small', 't3.medium'] : ['e2-small', 'e2-medium']),
          shape('big', kind === 'aws' ? ['c5.xlarge'] : ['c2-standard-4']),
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
    tags: { team: 'hpc' },
  };
  const runtime: HookRuntime = {
    version: 1,
    cluster,
    imageId: kind === 'aws' ? 'ami-0123456789abcdef0' : 'projects/proj/global/images/citc-compute-1',
    paths: {
      scontrol: '/usr/bin/scontrol',
      logFile: '/tmp/citc-hooks.log',
      lockDir: '/tmp',
    },
    log: { format: 'text' },
  };
  if (kind === 'aws')
    runtime.aws = {
      subnetIdsByZone: Object.fromEntries(zones.map((z) => [z, `subnet-${z}`])),
      securityGroupIds: ['sg-1'],
    };
  else
    runtime.gcp = {
      network: 'global/networks/alpha',
      subnetwork: 'regions/europe-west4/subnetworks/alpha',
      diskGb: 20,
    };
  return runtime;
}

function shape(name: string, instanceTypes: string[]): ShapeConfig {
  return {
    name,
    instanceTypes,
    cpus: 2,
    memoryMb: 1800,
    spot: false,
    maxNodes: 6000,
    features: [],
  };
}

export function batch(
  runtime: HookRuntime,
  shapeName: string,
  indices: number[],
  zone: string,
  instanceType?: string,
): LaunchBatch {
  const partition = runtime.cluster.partitions[0];
  const s = partition?.shapes.find((x) => x.name === shapeName) as ShapeConfig;
  return {
    nodes: indices.map((i) => `compute-${shapeName}-${i}` as NodeName),
    instanceType: instanceType ?? (s.instanceTypes[0] as string),
    zone,
    spot: s.spot,
    shape: s,
    partition: 'compute',
  };
}

export function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
