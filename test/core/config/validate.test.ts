import { describe, expect, it } from 'vitest';
import { overridesFromEnv, overridesFromFlags, parsePath } from '../../../src/core/config/overrides.js';
import { formatPath } from '../../../src/core/config/problem.js';
import { validateClusterConfig } from '../../../src/core/config/validate.js';

function minimal(): Record<string, unknown> {
  return {
    name: 'demo',
    provider: { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a'] },
    network: { adminCidrs: ['192.168.10.0/24'] },
    partitions: [
      { name: 'compute', shapes: [{ name: 'c5', instanceTypes: ['c5.large'], cpus: 2, memoryMb: 3000, maxNodes: 4 }] },
    ],
    users: [
      {
        name: 'alice',
        sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@lab'],
      },
    ],
  };
}

const errorsOf = (raw: unknown) =>
  validateClusterConfig(raw)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => `${formatPath(p.path)}: ${p.expected} / ${p.found}${p.hint ? ` / ${p.hint}` : ''}`);

describe('validateClusterConfig', () => {
  it('fills every default of a minimal aws cluster', () => {
    const { config, problems, sources } = validateClusterConfig(minimal());
    expect(problems).toEqual([]);
    expect(config?.management).toEqual({ machineType: 't3.medium', diskGb: 50 });
    expect(config?.storage).toEqual({ kind: 'nfs', sizeGb: 100, mounts: ['/home', '/shared'] });
    expect(config?.slurm).toEqual({
      suspendTime: 300,
      resumeTimeout: 600,
      suspendTimeout: 120,
      resumeRate: 0,
      suspendRate: 0,
      hookLogFormat: 'text',
    });
    expect(config?.partitions[0]?.default).toBe(true);
    expect(config?.partitions[0]?.shapes[0]).toMatchObject({ spot: false, features: [] });
    expect(config?.network.cidr).toBe('10.0.0.0/16');
    expect(sources.get('slurm.suspendTime')).toEqual({ kind: 'default' });
    expect(sources.get('partitions[0].default')).toEqual({ kind: 'default' });
    expect(sources.get('name')).toEqual({ kind: 'file' });
  });

  it('uses the gcp default machine type and requires a project', () => {
    const raw = minimal();
    raw.provider = { kind: 'gcp', region: 'europe-west4', zones: ['europe-west4-a'] };
    (raw.partitions as { shapes: { instanceTypes: string[] }[] }[])[0]!.shapes[0]!.instanceTypes = ['n2-standard-4'];
    expect(errorsOf(raw)).toEqual(['provider.project: the gcp project id (required for gcp) / nothing']);
    (raw.provider as Record<string, unknown>).project = 'my-project-1';
    expect(validateClusterConfig(raw).config?.management.machineType).toBe('e2-standard-2');
  });

  it('defaults network.computeEgress per cloud and refuses public addresses on gcp', () => {
    expect(validateClusterConfig(minimal()).config?.network.computeEgress).toBe('public');
    const raw = minimal();
    raw.provider = { kind: 'gcp', region: 'europe-west4', zones: ['europe-west4-a'], project: 'my-project-1' };
    (raw.partitions as { shapes: { instanceTypes: string[] }[] }[])[0]!.shapes[0]!.instanceTypes = ['n2-standard-4'];
    expect(validateClusterConfig(raw).config?.network.computeEgress).toBe('nat');
    raw.network = { adminCidrs: ['192.0.2.0/24'], computeEgress: 'public' };
    expect(errorsOf(raw)).toEqual([
      'network.computeEgress: nat on gcp (compute nodes have no external address) / "public"',
    ]);
  });

  it('reports every problem at once', () => {
    const raw = minimal();
    raw.name = 'Not_DNS';
    raw.extra = 1;
    const shape = (raw.partitions as { shapes: Record<string, unknown>[] }[])[0]!.shapes[0]!;
    shape.maxNodes = -1;
    shape.cpus = 'two';
    shape.spots = true;
    const errors = errorsOf(raw);
    expect(errors).toHaveLength(5);
    expect(errors.join('\n')).toMatch(/^name: a DNS-safe name/m);
    expect(errors.join('\n')).toMatch(/^extra: one of the keys .* \/ unknown key "extra"$/m);
    expect(errors.join('\n')).toMatch(/^partitions\[0\]\.shapes\[0\]\.maxNodes: an integer from 1 to 10000 \/ -1$/m);
    expect(errors.join('\n')).toMatch(/^partitions\[0\]\.shapes\[0\]\.cpus: an integer from 1 to 1024 \/ "two"$/m);
    expect(errors.join('\n')).toMatch(/shapes\[0\]\.spots: .* \/ did you mean spot\?$/m);
  });

  it('reports missing required fields and empty lists', () => {
    const errors = errorsOf({ name: 'x', provider: { kind: 'aws', region: 'us-east-1', zones: [] } });
    expect(errors).toEqual([
      'provider.zones: a list of at least 1 / an empty list',
      'network: a mapping (required) / nothing',
      'partitions: a list of at least 1 (required) / nothing',
    ]);
  });

  it('checks provider formats, zones in the region and types of the right cloud', () => {
    const raw = minimal();
    raw.provider = { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a', 'us-west-2a', 'us-east-1a'] };
    (raw.partitions as { shapes: { instanceTypes: string[] }[] }[])[0]!.shapes[0]!.instanceTypes = [
      'c5.large',
      'n2-standard-4',
    ];
    expect(errorsOf(raw)).toEqual([
      'provider.zones[1]: a zone of region us-east-1 such as us-east-1a / "us-west-2a"',
      'provider.zones[2]: each zone once / "us-east-1a" again',
      'partitions[0].shapes[0].instanceTypes[1]: an aws type such as c5.large / "n2-standard-4" / that is a gcp type',
    ]);
  });

  it('checks CIDRs and warns about SSH open to the world', () => {
    const raw = minimal();
    raw.network = { cidr: '10.0.3.0/16', adminCidrs: ['0.0.0.0/0', '300.1.1.1/32', '192.0.2.7/24'] };
    const result = validateClusterConfig(raw);
    expect(errorsOf(raw)).toEqual([
      'network.cidr: a network address / 10.0.3.0/16 / did you mean 10.0.0.0/16?',
      'network.adminCidrs[1]: an IPv4 CIDR such as 203.0.113.0/24 / "300.1.1.1/32"',
      'network.adminCidrs[2]: a network address / 192.0.2.7/24 / did you mean 192.0.2.0/24?',
    ]);
    expect(result.problems.filter((p) => p.severity === 'warning').map((p) => formatPath(p.path))).toEqual([
      'network.adminCidrs[0]',
    ]);
    raw.network = { cidr: '8.8.0.0/16', adminCidrs: ['0.0.0.0/0'] };
    expect(errorsOf(raw)).toEqual([
      'network.cidr: a private range (10/8, 172.16/12, 192.168/16) from /16 to /24 / 8.8.0.0/16',
    ]);
    // A warning alone does not fail validation.
    raw.network = { adminCidrs: ['0.0.0.0/0'] };
    expect(validateClusterConfig(raw).config).toBeDefined();
  });

  it('rejects duplicate names, two defaults and storage of the other cloud', () => {
    const raw = minimal();
    const p0 = (raw.partitions as Record<string, unknown>[])[0]!;
    raw.partitions = [
      { ...p0, default: true },
      { ...p0, default: true },
      {
        name: 'longpartition',
        shapes: [{ name: 'longshapenameab', instanceTypes: ['c5.large'], cpus: 1, memoryMb: 1, maxNodes: 10000 }],
      },
    ];
    raw.name = 'a-very-long-cluster-name';
    raw.storage = { kind: 'filestore', sizeGb: 100 };
    expect(errorsOf(raw)).toEqual([
      'storage.kind: nfs or efs on aws / "filestore" / did you mean efs?',
      'storage.sizeGb: at least 1024 for filestore (its smallest tier) / 100',
      'partitions[1].name: a name no other partition has / "compute" again',
      'partitions[1].default: one default partition / a second one (partitions[0] is default)',
    ]);
  });

  it('checks gcp label rules and reserved aws tag keys', () => {
    const raw = minimal();
    raw.tags = { 'citc:cluster': 'x', team: 42 };
    expect(errorsOf(raw)).toEqual([
      'tags.citc:cluster: a key not starting with aws: or citc: (reserved) / "citc:cluster"',
    ]);
    expect(validateClusterConfig({ ...raw, tags: { team: 42 } }).config?.tags).toEqual({ team: '42' });
    raw.provider = { kind: 'gcp', region: 'europe-west4', zones: ['europe-west4-a'], project: 'proj-123' };
    (raw.partitions as { shapes: { instanceTypes: string[] }[] }[])[0]!.shapes[0]!.instanceTypes = ['n2-standard-4'];
    raw.tags = { Team: 'hpc', cost: 'A B' };
    expect(errorsOf(raw)).toHaveLength(2);
  });
});

describe('overrides', () => {
  it('maps CITC_* variables onto fields, typed by the schema', () => {
    const overrides = overridesFromEnv({
      CITC_SLURM_SUSPEND_TIME: '900',
      CITC_PROVIDER_ZONES: 'us-east-1b, us-east-1c',
      CITC_IMAGE_ID: 'ami-0123456789abcdef0',
      CITC_CONFIG: 'ignored.yaml',
      HOME: '/root',
    });
    expect(overrides.map((o) => [formatPath(o.path), o.value])).toEqual([
      ['provider.zones', ['us-east-1b', 'us-east-1c']],
      ['image.id', 'ami-0123456789abcdef0'],
      ['slurm.suspendTime', 900],
    ]);
  });

  it('applies flags over env over the file, and records where each value came from', () => {
    const env = overridesFromEnv({ CITC_SLURM_SUSPEND_TIME: '900', CITC_SLURM_RESUME_TIMEOUT: '1200' });
    const flags = overridesFromFlags(['slurm.suspendTime=60', 'partitions[0].shapes[0].maxNodes=8']);
    expect(flags.problems).toEqual([]);
    const raw = { ...minimal(), slurm: { suspendTime: 30 } };
    const { config, sources } = validateClusterConfig(raw, [...env, ...flags.overrides]);
    expect(config?.slurm.suspendTime).toBe(60);
    expect(config?.slurm.resumeTimeout).toBe(1200);
    expect(config?.partitions[0]?.shapes[0]?.maxNodes).toBe(8);
    expect(sources.get('slurm.suspendTime')).toEqual({ kind: 'flag', origin: '--set slurm.suspendTime=60' });
    expect(sources.get('slurm.resumeTimeout')).toEqual({ kind: 'env', origin: 'env CITC_SLURM_RESUME_TIMEOUT' });
    expect(sources.get('slurm.suspendTimeout')).toEqual({ kind: 'default' });
  });

  it('reports a bad override by its origin, not a file line', () => {
    const { problems } = validateClusterConfig(minimal(), overridesFromEnv({ CITC_SLURM_SUSPEND_TIME: 'soon' }));
    expect(problems).toMatchObject([
      { path: ['slurm', 'suspendTime'], found: '"soon"', origin: 'env CITC_SLURM_SUSPEND_TIME' },
    ]);
    const flags = overridesFromFlags(['slurm.suspendTme=5', 'nonsense']);
    expect(flags.problems.map((p) => p.hint ?? p.found)).toEqual(['did you mean slurm.suspendTime?', '"nonsense"']);
  });

  it('parses both path spellings', () => {
    expect(parsePath('partitions[1].shapes[0].maxNodes')).toEqual(['partitions', 1, 'shapes', 0, 'maxNodes']);
    expect(parsePath('partitions.1.shapes.0.maxNodes')).toEqual(['partitions', 1, 'shapes', 0, 'maxNodes']);
    expect(parsePath('a..b')).toBeUndefined();
  });
});
