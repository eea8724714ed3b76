import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { machineType, machineTypes } from '../../../src/core/catalog/index.js';
import { findPlaceholders } from '../../../src/core/config/placeholders.js';
import { formatPath } from '../../../src/core/config/problem.js';
import type { LooseConfig } from '../../../src/core/config/rules.js';
import { schedulableMemoryMb } from '../../../src/core/config/shapes.js';
import { validateClusterConfig } from '../../../src/core/config/validate.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@lab';

function cluster(shape: Record<string, unknown>, provider: 'aws' | 'gcp' = 'aws'): Record<string, unknown> {
  return {
    name: 'demo',
    provider:
      provider === 'aws'
        ? { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a'] }
        : { kind: 'gcp', region: 'europe-west4', zones: ['europe-west4-a'], project: 'lab-project-1' },
    network: { adminCidrs: ['192.168.10.0/24'] },
    partitions: [{ name: 'compute', shapes: [{ name: 's', maxNodes: 2, ...shape }] }],
    users: [{ name: 'alice', sshKeys: [KEY] }],
  };
}

/** `path: severity: expected / found (hint)` for each problem. */
const problemsOf = (raw: unknown) =>
  validateClusterConfig(raw).problems.map(
    (p) => `${formatPath(p.path)}: ${p.severity}: ${p.expected} / ${p.found}${p.hint ? ` (${p.hint})` : ''}`,
  );

describe('the catalogue', () => {
  it.each([
    ['aws', 't3.medium', 'x86_64', 2, 4096, undefined],
    ['aws', 'c5.2xlarge', 'x86_64', 8, 16384, undefined],
    ['aws', 'c7g.large', 'arm64', 2, 4096, undefined],
    ['aws', 'hpc7g.4xlarge', 'arm64', 16, 131072, undefined],
    ['aws', 'hpc6a.48xlarge', 'x86_64', 96, 393216, undefined],
    ['aws', 'g4dn.12xlarge', 'x86_64', 48, 196608, { count: 4, type: 't4' }],
    ['aws', 'g5.xlarge', 'x86_64', 4, 16384, { count: 1, type: 'a10g' }],
    ['aws', 'p3.2xlarge', 'x86_64', 8, 62464, { count: 1, type: 'v100' }],
    ['aws', 'p4d.24xlarge', 'x86_64', 96, 1179648, { count: 8, type: 'a100' }],
    ['aws', 'p5.48xlarge', 'x86_64', 192, 2097152, { count: 8, type: 'h100' }],
    ['gcp', 'e2-standard-2', 'x86_64', 2, 8192, undefined],
    ['gcp', 'n1-standard-8', 'x86_64', 8, 30720, undefined],
    ['gcp', 't2a-standard-4', 'arm64', 4, 16384, undefined],
    ['gcp', 'h3-standard-88', 'x86_64', 88, 360448, undefined],
    ['gcp', 'a2-highgpu-1g', 'x86_64', 12, 87040, { count: 1, type: 'a100' }],
    ['gcp', 'g2-standard-24', 'x86_64', 24, 98304, { count: 2, type: 'l4' }],
    ['gcp', 'n2-custom-6-12288', 'x86_64', 6, 12288, undefined],
    ['gcp', 'c3-standard-8-lssd', 'x86_64', 8, 32768, undefined],
  ] as const)('%s %s: %s, %i vCPUs, %i MiB, GPUs %o', (provider, name, arch, vcpus, mib, gpus) => {
    const t = machineType(provider, name);
    expect(t).toMatchObject({ architecture: arch, vcpus, memoryMib: mib });
    expect(t?.gpus).toEqual(gpus);
  });

  it('notes that n1 takes attached GPUs and that a misspelt name is not a type', () => {
    expect(machineType('gcp', 'n1-standard-8')?.gpusAttachable).toBe(true);
    expect(machineType('aws', 't3.meduim')).toBeUndefined();
  });

  it.each(['aws', 'gcp'] as const)('%s: unique names, one architecture per family, sane numbers', (provider) => {
    const types = machineTypes(provider);
    expect(new Set(types.map((t) => t.name)).size).toBe(types.length);
    const archOf = new Map<string, string>();
    for (const t of types) {
      expect(archOf.get(t.family) ?? t.architecture).toBe(t.architecture);
      archOf.set(t.family, t.architecture);
      expect(t.vcpus).toBeGreaterThan(0);
      expect(t.memoryMib).toBeGreaterThanOrEqual(512);
    }
    expect(types.length).toBeGreaterThan(150);
  });
});

describe('shapes against the catalogue', () => {
  it('a misspelt type of a catalogued family is an error with the nearest name', () => {
    expect(problemsOf(cluster({ instanceTypes: ['t3.meduim'], cpus: 2, memoryMb: 3000 }))).toEqual([
      'partitions[0].shapes[0].instanceTypes[0]: error: a t3 type (EC2 has no t3.meduim) / "t3.meduim" (did you mean t3.medium?)',
    ]);
    expect(problemsOf(cluster({ instanceTypes: ['n2-standard-6'], cpus: 2, memoryMb: 3000 }, 'gcp'))).toEqual([
      'partitions[0].shapes[0].instanceTypes[0]: error: a n2 type (Compute Engine has no n2-standard-6) / "n2-standard-6" (did you mean n2-standard-2?)',
    ]);
  });

  it('a type of a family citc does not know is a warning only (types newer than citc)', () => {
    const raw = cluster({ instanceTypes: ['m8g.large'], cpus: 2, memoryMb: 3000 });
    expect(problemsOf(raw)).toEqual([
      `partitions[0].shapes[0].instanceTypes[0]: warning: a type in citc's catalogue, to check its CPUs and memory / "m8g.large" (citc cannot check it; make sure cpus and memoryMb fit it)`,
    ]);
    expect(validateClusterConfig(raw).config).toBeDefined();
  });

  it('Arm and x86 types in one shape are an error, and Arm types anywhere (the images are x86_64)', () => {
    expect(problemsOf(cluster({ instanceTypes: ['c6g.xlarge', 'c5.xlarge'], cpus: 4, memoryMb: 7000 }))).toEqual([
      'partitions[0].shapes[0].instanceTypes[0]: error: an x86_64 type: citc builds its images for x86_64 only / "c6g.xlarge" (arm64)',
      'partitions[0].shapes[0].instanceTypes: error: types of one architecture (one compute image boots them all) / c6g.xlarge (arm64), c5.xlarge (x86_64)',
    ]);
    const raw = { ...cluster({ instanceTypes: ['t2a-standard-4'], cpus: 4, memoryMb: 7000 }, 'gcp') };
    raw.management = { machineType: 't2a-standard-1' };
    expect(problemsOf(raw)).toEqual([
      'management.machineType: error: an x86_64 type: citc builds its images for x86_64 only / "t2a-standard-1" (arm64)',
      'partitions[0].shapes[0].instanceTypes[0]: error: an x86_64 type: citc builds its images for x86_64 only / "t2a-standard-4" (arm64)',
    ]);
  });

  it('cpus and memory beyond the smallest type are errors; memory without room for the OS a warning', () => {
    expect(problemsOf(cluster({ instanceTypes: ['c5.4xlarge', 'c5.2xlarge'], cpus: 512, memoryMb: 20000 }))).toEqual([
      'partitions[0].shapes[0].cpus: error: at most 8, the vCPUs of c5.2xlarge (the smallest type of this shape) / 512',
      'partitions[0].shapes[0].memoryMb: error: at most 16384, the memory of c5.2xlarge in MiB (the smallest type of this shape) / 20000 (about 15052 leaves room for the OS)',
    ]);
    expect(problemsOf(cluster({ instanceTypes: ['c5.2xlarge'], cpus: 8, memoryMb: 16000 }))).toEqual([
      'partitions[0].shapes[0].memoryMb: warning: at most 15052 (c5.2xlarge has 16384 MiB; the OS needs some: a node with less than RealMemory is drained) / 16000',
    ]);
  });

  it('GPUs: more than a type has, a type without any, and n1 (attach only) ', () => {
    const gpus = (types: string[], count: number, provider: 'aws' | 'gcp' = 'aws') =>
      problemsOf(cluster({ instanceTypes: types, cpus: 4, memoryMb: 7000, gpus: { count } }, provider));
    expect(gpus(['g5.12xlarge', 'g5.xlarge'], 4)).toEqual([
      'partitions[0].shapes[0].gpus.count: error: at most 1: g5.xlarge (the type of this shape with the fewest) has 1 GPU / 4',
    ]);
    expect(gpus(['c5.xlarge'], 1)).toEqual([
      'partitions[0].shapes[0].gpus.count: error: at most 0: c5.xlarge (the type of this shape with the fewest) has no GPU / 1',
    ]);
    expect(gpus(['g4dn.12xlarge'], 4)).toEqual([]);
    const typed = (type: string) =>
      problemsOf(
        cluster({ instanceTypes: ['g2-standard-8'], cpus: 4, memoryMb: 7000, gpus: { count: 1, type } }, 'gcp'),
      );
    expect(typed('l4')).toEqual([]);
    expect(typed('a100')).toEqual([
      'partitions[0].shapes[0].gpus.type: warning: the GPU of the types (g2-standard-8 has l4) / "a100"',
    ]);
    expect(gpus(['n1-standard-8'], 1, 'gcp')).toEqual([
      'partitions[0].shapes[0].gpus: warning: a type that comes with its GPUs (g2 with L4, a2 with A100): n1-standard-8 has none until one is attached, and citc does not attach GPUs / gpus.count 1',
    ]);
  });

  it('fills cpus and memoryMb from the smallest type, and says so in the sources', () => {
    const { config, problems, sources } = validateClusterConfig(
      cluster({ instanceTypes: ['c6i.4xlarge', 'c6i.2xlarge'] }),
    );
    expect(problems).toEqual([]);
    expect(config?.partitions[0]?.shapes[0]).toMatchObject({ cpus: 8, memoryMb: schedulableMemoryMb(16384) });
    expect(schedulableMemoryMb(16384)).toBe(15052);
    expect(schedulableMemoryMb(512)).toBe(256);
    expect(sources.get('partitions[0].shapes[0].cpus')).toEqual({
      kind: 'catalog',
      origin: 'catalogue: c6i.2xlarge has 8 vCPUs',
    });
  });

  it('cannot fill from a type it does not know', () => {
    expect(problemsOf(cluster({ instanceTypes: ['x9.large'] }))).toEqual([
      `partitions[0].shapes[0].instanceTypes[0]: warning: a type in citc's catalogue, to check its CPUs and memory / "x9.large" (citc cannot check it; make sure cpus and memoryMb fit it)`,
      "partitions[0].shapes[0].cpus: error: an integer from 1 to 1024 (required: no type of this shape is in citc's catalogue to take it from) / nothing",
      "partitions[0].shapes[0].memoryMb: error: an integer ≥ 1 (required: no type of this shape is in citc's catalogue to take it from) / nothing",
    ]);
  });

  it('a name of the other cloud is one error (its form), not also a catalogue warning', () => {
    expect(problemsOf(cluster({ instanceTypes: ['n2-standard-4'], cpus: 2, memoryMb: 3000 }))).toEqual([
      'partitions[0].shapes[0].instanceTypes[0]: error: an aws type such as c5.large / "n2-standard-4" (that is a gcp type)',
    ]);
  });

  it('checks the management node type too', () => {
    const raw = { ...cluster({ instanceTypes: ['c5.large'] }), management: { machineType: 't3.meduim' } };
    expect(problemsOf(raw)).toEqual([
      'management.machineType: error: a t3 type (EC2 has no t3.meduim) / "t3.meduim" (did you mean t3.medium?)',
    ]);
  });
});

describe('admin CIDRs, users and placeholders', () => {
  it('a duplicate admin CIDR is an error, one inside another a warning', () => {
    const raw = cluster({ instanceTypes: ['c5.large'] });
    raw.network = { adminCidrs: ['10.1.0.0/16', '10.1.2.0/24', '10.1.0.0/16'] };
    expect(problemsOf(raw)).toEqual([
      'network.adminCidrs[1]: warning: ranges that do not overlap / 10.1.2.0/24 is inside 10.1.0.0/16 (adminCidrs[0])',
      'network.adminCidrs[2]: error: each CIDR once / 10.1.0.0/16 again (adminCidrs[0])',
    ]);
  });

  it('no users is a warning', () => {
    const raw = cluster({ instanceTypes: ['c5.large'] });
    raw.users = [];
    expect(problemsOf(raw)).toEqual([
      'users: warning: at least one user with an SSH key / an empty list: only the image’s admin user can log in',
    ]);
  });

  it.each([
    ['aws', ['network.adminCidrs[0]', 'users[0].sshKeys[0]']],
    ['gcp', ['provider.project', 'network.adminCidrs[0]', 'users[0].sshKeys[0]']],
  ])('findPlaceholders finds the %s example’s placeholders; validate warns about each', (provider, paths) => {
    const raw = parse(readFileSync(new URL(`../../../examples/${provider}.yaml`, import.meta.url), 'utf8'));
    expect(findPlaceholders(raw as LooseConfig).map((p) => formatPath(p.path))).toEqual(paths);
    const warned = validateClusterConfig(raw)
      .problems.filter((p) => p.found.startsWith("the example's placeholder"))
      .map((p) => [formatPath(p.path), p.severity]);
    expect(warned).toEqual(expect.arrayContaining(paths.map((p) => [p, 'warning'])));
    expect(warned).toHaveLength(paths.length);
    // Deploy's preflight calls it with the validated config.
    const { config } = validateClusterConfig(raw);
    expect(config && findPlaceholders(config).map((p) => formatPath(p.path))).toEqual(paths);
  });

  it('a real address range is no placeholder, nor is 0.0.0.0/0', () => {
    expect(findPlaceholders({ network: { adminCidrs: ['0.0.0.0/0', '192.168.10.0/24', '203.0.113.64/26'] } })).toEqual([
      expect.objectContaining({ path: ['network', 'adminCidrs', 2], value: '203.0.113.64/26' }),
    ]);
  });
});
