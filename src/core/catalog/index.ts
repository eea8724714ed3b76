import type { ProviderKind } from '../config/types.js';
import { AWS_TYPES } from './aws.js';
import { GCP_TYPES } from './gcp.js';
import type { MachineType } from './types.js';

export type { Architecture, MachineType } from './types.js';

const BY_NAME: Record<ProviderKind, Map<string, MachineType>> = {
  aws: new Map(AWS_TYPES.map((t) => [t.name, t])),
  gcp: new Map(GCP_TYPES.map((t) => [t.name, t])),
};
const FAMILIES: Record<ProviderKind, Set<string>> = {
  aws: new Set(AWS_TYPES.map((t) => t.family)),
  gcp: new Set(GCP_TYPES.map((t) => t.family)),
};

/** Every catalogued type of a cloud. */
export function machineTypes(provider: ProviderKind): readonly MachineType[] {
  return provider === 'aws' ? AWS_TYPES : GCP_TYPES;
}

/**
 * What citc knows of a type, or undefined. On gcp a custom type (`n2-custom-8-32768`, n1's
 * `custom-8-32768`) is read from its name, and a local-SSD variant (`c3-standard-8-lssd`) is its base type.
 */
export function machineType(provider: ProviderKind, name: string): MachineType | undefined {
  const known = BY_NAME[provider].get(name);
  if (known || provider === 'aws') return known;
  const custom = /^(?:([a-z][a-z0-9]*)-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(name);
  if (custom) {
    const series = custom[1] ?? 'n1';
    const base = GCP_TYPES.find((t) => t.family === series);
    if (!base) return undefined;
    const { architecture, gpusAttachable } = base;
    return {
      name,
      provider,
      family: series,
      architecture,
      vcpus: Number(custom[2]),
      memoryMib: Number(custom[3]),
      ...(gpusAttachable && { gpusAttachable }),
    };
  }
  const lssd = /^(.+)-lssd$/.exec(name);
  return lssd?.[1] ? BY_NAME.gcp.get(lssd[1]) : undefined;
}

/** The family (`c5`) or series (`n2`) a type name claims, whether or not the type exists. */
export function familyOf(provider: ProviderKind, name: string): string {
  return provider === 'aws' ? (name.split('.')[0] ?? name) : (name.split('-')[0] ?? name);
}

/** True when citc catalogues the whole family, so a type of it that is not here does not exist. */
export function isCataloguedFamily(provider: ProviderKind, family: string): boolean {
  return FAMILIES[provider].has(family);
}
