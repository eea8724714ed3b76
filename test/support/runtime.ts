import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchBatch } from '../../src/cloud/types.js';
import type { ClusterConfig, ShapeConfig } from '../../src/core/config/types.js';
import type { NodeName } from '../../src/core/naming.js';
import type { HookRuntime } from '../../src/core/runtime.js';
import { shape, testCluster } from './cluster.js';

/**
 * The one builder of a hooks' runtime (what `citc deploy` writes to runtime.json) for a test cluster:
 * an image, a subnet per zone (`subnet-<zone>`, which the fake EC2 understands) or a GCE network, and
 * paths under the system's temporary directory unless the test gives its own.
 */
export function testRuntime(cluster: ClusterConfig, extra: Partial<HookRuntime> = {}): HookRuntime {
  const aws = cluster.provider.kind === 'aws';
  return {
    version: 1,
    cluster,
    imageId: aws ? 'ami-0123456789abcdef0' : `projects/${cluster.provider.project}/global/images/citc-compute-1`,
    paths: { scontrol: '/usr/bin/scontrol', logFile: join(tmpdir(), 'citc-hooks.log'), lockDir: tmpdir() },
    log: { format: 'text' },
    ...(aws
      ? {
          aws: {
            subnetIdsByZone: Object.fromEntries(cluster.provider.zones.map((z) => [z, `subnet-${z}`])),
            securityGroupIds: ['sg-1'],
          },
        }
      : {
          gcp: {
            network: `global/networks/${cluster.name}`,
            subnetwork: `regions/${cluster.provider.region}/subnetworks/${cluster.name}`,
            diskGb: 20,
          },
        }),
    ...extra,
  };
}

/** What the cloud adapter tests launch: two shapes (small with two types, big) up to 6000 nodes each. */
export function cloudRuntime(kind: 'aws' | 'gcp', endpoint: string, name = 'alpha'): HookRuntime {
  const many = { cpus: 2, memoryMb: 1800, maxNodes: 6000 };
  const cluster = testCluster(kind, {
    name,
    provider: { endpoint, ...(kind === 'gcp' && { project: 'proj' }) },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [
          shape('small', kind === 'aws' ? ['t3.small', 't3.medium'] : ['e2-small', 'e2-medium'], many),
          shape('big', kind === 'aws' ? ['c5.xlarge'] : ['c2-standard-4'], many),
        ],
      },
    ],
    tags: { team: 'hpc' },
  });
  return testRuntime(cluster);
}

/** A launch of `compute-<shape>-<i>` for each index, in `zone`, with the shape's first type unless given. */
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
