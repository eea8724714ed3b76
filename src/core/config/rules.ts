import { userUid } from '../users.js';
import { formatCidr, isPrivate, networkOf, parseCidr } from './cidr.js';
import type { ConfigProblem, FieldPath } from './problem.js';
import { describeValue } from './problem.js';
import type { ClusterConfig, ProviderKind } from './types.js';

type DeepPartial<T> = T extends (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
/** The schema-checked value: every field present is well typed, but some may be missing. */
export type LooseConfig = DeepPartial<ClusterConfig>;

/** Most compute nodes one cluster may define: beyond this Slurm's own limits and the clouds' quotas bite. */
export const MAX_TOTAL_NODES = 20_000;

const REGION: Record<ProviderKind, { pattern: RegExp; example: string }> = {
  aws: { pattern: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, example: 'us-east-1' },
  gcp: { pattern: /^[a-z]+-[a-z]+\d+$/, example: 'europe-west4' },
};
const MACHINE_TYPE: Record<ProviderKind, { pattern: RegExp; example: string }> = {
  aws: { pattern: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, example: 'c5.large' },
  gcp: { pattern: /^[a-z][a-z0-9]*-[a-z0-9-]+$/, example: 'n2-standard-4' },
};

/** Checks that need more than one field: provider-specific formats, uniqueness, names that must fit. */
export function checkRules(c: LooseConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (path: FieldPath, expected: string, found: string, hint?: string) =>
    problems.push({ path, expected, found, hint, severity: 'error' });
  const warn = (path: FieldPath, expected: string, found: string, hint?: string) =>
    problems.push({ path, expected, found, hint, severity: 'warning' });
  const kind = c.provider?.kind;
  const other: ProviderKind | undefined = kind === 'aws' ? 'gcp' : kind === 'gcp' ? 'aws' : undefined;

  if (kind && c.provider) {
    const { region, zones, project } = c.provider;
    const fmt = REGION[kind];
    if (region !== undefined && !fmt.pattern.test(region)) {
      error(
        ['provider', 'region'],
        `${kind === 'aws' ? 'an' : 'a'} ${kind} region such as ${fmt.example}`,
        describeValue(region),
      );
    }
    zones?.forEach((zone, i) => {
      if (zone === undefined || region === undefined) return;
      const ok = kind === 'aws' ? zone.startsWith(region) && /[a-z]$/.test(zone) : /^.+-[a-z]$/.test(zone);
      const inRegion = kind === 'aws' ? zone.startsWith(region) : zone.replace(/-[a-z]$/, '') === region;
      if (!ok || !inRegion) {
        const example = kind === 'aws' ? `${region}a` : `${region}-a`;
        error(['provider', 'zones', i], `a zone of region ${region} such as ${example}`, describeValue(zone));
      }
      if (zones.indexOf(zone) !== i) error(['provider', 'zones', i], 'each zone once', `"${zone}" again`);
    });
    if (kind === 'gcp' && project === undefined) {
      error(['provider', 'project'], 'the gcp project id (required for gcp)', 'nothing');
    } else if (kind === 'gcp' && project !== undefined && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
      error(
        ['provider', 'project'],
        'a gcp project id: 6 to 30 lowercase letters, digits, "-"',
        describeValue(project),
      );
    } else if (kind === 'aws' && project !== undefined) {
      warn(['provider', 'project'], 'no project for aws (the account comes from the AWS credentials)', 'a project');
    }
  }

  const network = c.network?.cidr !== undefined ? parseCidr(c.network.cidr) : undefined;
  if (c.network?.cidr !== undefined) {
    if (!network) {
      error(['network', 'cidr'], 'an IPv4 CIDR such as 10.0.0.0/16', describeValue(c.network.cidr));
    } else if (!isPrivate(network) || network.prefix < 16 || network.prefix > 24) {
      error(['network', 'cidr'], 'a private range (10/8, 172.16/12, 192.168/16) from /16 to /24', c.network.cidr);
    } else if (networkOf(network).address !== network.address) {
      error(
        ['network', 'cidr'],
        'a network address',
        c.network.cidr,
        `did you mean ${formatCidr(networkOf(network))}?`,
      );
    }
  }
  c.network?.adminCidrs?.forEach((text, i) => {
    if (text === undefined) return;
    const cidr = parseCidr(text);
    if (!cidr) {
      error(['network', 'adminCidrs', i], 'an IPv4 CIDR such as 203.0.113.0/24', describeValue(text));
    } else if (networkOf(cidr).address !== cidr.address) {
      error(['network', 'adminCidrs', i], 'a network address', text, `did you mean ${formatCidr(networkOf(cidr))}?`);
    } else if (cidr.prefix === 0) {
      warn(['network', 'adminCidrs', i], 'a narrow range', '0.0.0.0/0: SSH open to the whole internet');
    }
  });

  if (kind && c.management?.machineType !== undefined) {
    checkMachineType(kind, c.management.machineType, ['management', 'machineType'], error);
  }

  if (c.storage?.kind === 'efs' && kind === 'gcp') {
    error(['storage', 'kind'], 'nfs or filestore on gcp', '"efs"', 'did you mean filestore?');
  }
  if (c.storage?.kind === 'filestore' && kind === 'aws') {
    error(['storage', 'kind'], 'nfs or efs on aws', '"filestore"', 'did you mean efs?');
  }
  if (c.storage?.kind === 'filestore' && c.storage.sizeGb !== undefined && c.storage.sizeGb < 1024) {
    error(['storage', 'sizeGb'], 'at least 1024 for filestore (its smallest tier)', String(c.storage.sizeGb));
  }
  duplicates(c.storage?.mounts ?? [], (i, m) => error(['storage', 'mounts', i], 'each mount once', `"${m}" again`));

  if (kind === 'aws' && c.image?.id !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(c.image.id)) {
    error(['image', 'id'], 'an AMI id such as ami-0123456789abcdef0', describeValue(c.image.id));
  }

  const partitions = c.partitions ?? [];
  duplicates(
    partitions.map((p) => p?.name),
    (i, n) => error(['partitions', i, 'name'], 'a name no other partition has', `"${n}" again`),
  );
  const defaults = partitions.flatMap((p, i) => (p?.default ? [i] : []));
  for (const i of defaults.slice(1)) {
    error(
      ['partitions', i, 'default'],
      'one default partition',
      `a second one (partitions[${defaults[0]}] is default)`,
    );
  }
  let total = 0;
  partitions.forEach((p, pi) => {
    const shapes = p?.shapes ?? [];
    duplicates(
      shapes.map((s) => s?.name),
      (si, n) => error(['partitions', pi, 'shapes', si, 'name'], 'a name no other shape here has', `"${n}" again`),
    );
    shapes.forEach((s, si) => {
      if (!s) return;
      total += s.maxNodes ?? 0;
      const at = ['partitions', pi, 'shapes', si];
      s.instanceTypes?.forEach((t, ti) => {
        if (kind && t !== undefined) checkMachineType(kind, t, [...at, 'instanceTypes', ti], error, other);
      });
    });
  });
  if (total > MAX_TOTAL_NODES) {
    error(['partitions'], `at most ${MAX_TOTAL_NODES} nodes in all (sum of maxNodes)`, String(total));
  }

  duplicates(
    (c.users ?? []).map((u) => u?.name),
    (i, n) => error(['users', i, 'name'], 'each user once', `"${n}" again`),
  );
  const uids = (c.users ?? []).map((u) => (u?.name === undefined ? undefined : userUid({ name: u.name, uid: u.uid })));
  uids.forEach((uid, i) => {
    const first = uid === undefined ? -1 : uids.indexOf(uid);
    if (first === -1 || first === i) return;
    const u = c.users?.[i];
    error(
      u?.uid === undefined ? ['users', i, 'name'] : ['users', i, 'uid'],
      `a uid no other user has (users[${first}] "${c.users?.[first]?.name}" has ${uid})`,
      u?.uid === undefined ? `uid ${uid}, derived from "${u?.name}"` : String(uid),
      'set users[].uid of one of them to a free uid (2000–65533)',
    );
  });
  for (const [key, value] of Object.entries(c.tags ?? {})) {
    if (kind) checkTag(kind, key, value ?? '', error);
  }
  return problems;
}

type Report = (path: FieldPath, expected: string, found: string, hint?: string) => void;

function checkMachineType(kind: ProviderKind, type: string, path: FieldPath, error: Report, other?: ProviderKind) {
  const fmt = MACHINE_TYPE[kind];
  if (fmt.pattern.test(type)) return;
  const looksOther = other && MACHINE_TYPE[other].pattern.test(type);
  error(
    path,
    `${kind === 'aws' ? 'an' : 'a'} ${kind} type such as ${fmt.example}`,
    `"${type}"`,
    looksOther ? `that is a ${other} type` : undefined,
  );
}

function checkTag(kind: ProviderKind, key: string, value: string, error: Report) {
  const path = ['tags', key];
  if (kind === 'aws') {
    if (/^(aws|citc):/i.test(key)) error(path, 'a key not starting with aws: or citc: (reserved)', `"${key}"`);
    else if (key.length > 128 || value.length > 256) error(path, 'a key ≤ 128 and a value ≤ 256 characters', 'longer');
    return;
  }
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(key) || key.startsWith('citc-')) {
    error(path, 'a gcp label key: lowercase letter, then lowercase letters, digits, _ or -; not citc-', `"${key}"`);
  } else if (!/^[a-z0-9_-]{0,63}$/.test(value)) {
    error(path, 'a gcp label value: up to 63 lowercase letters, digits, _ or -', `"${value}"`);
  }
}

function duplicates(names: readonly (string | undefined)[], report: (i: number, name: string) => void) {
  names.forEach((n, i) => {
    if (n !== undefined && names.indexOf(n) !== i) report(i, n);
  });
}
