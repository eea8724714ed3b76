import type { ProviderKind } from '../config/types.js';

export type Architecture = 'x86_64' | 'arm64';

/** One instance (aws) or machine (gcp) type: what a node of it has. */
export interface MachineType {
  name: string;
  provider: ProviderKind;
  /** The instance family (`c5`) or machine series (`n2`) it belongs to. */
  family: string;
  architecture: Architecture;
  vcpus: number;
  /** Memory the cloud gives the instance, in MiB (DescribeInstanceTypes MemoryInfo.SizeInMiB / GCE memoryMb). */
  memoryMib: number;
  /** GPUs that come with the type; absent: none. `type` is the Slurm gres type citc suggests. */
  gpus?: { count: number; type: string };
  /** gcp n1: GPUs are attached to an instance on request (guestAccelerators); none come with the type. */
  gpusAttachable?: boolean;
}

/** [size, vCPUs, MiB] or, with GPUs, [size, vCPUs, MiB, GPU count, gres type]. */
export type Row = readonly [string, number, number] | readonly [string, number, number, number, string];

export function family(
  provider: ProviderKind,
  name: string,
  architecture: Architecture,
  rows: readonly Row[],
  extra: { gpusAttachable?: boolean } = {},
): MachineType[] {
  const sep = provider === 'aws' ? '.' : '-';
  return rows.map(([size, vcpus, memoryMib, count, type]) => ({
    name: `${name}${sep}${size}`,
    provider,
    family: name,
    architecture,
    vcpus,
    memoryMib,
    ...(count !== undefined && type !== undefined && { gpus: { count, type } }),
    ...extra,
  }));
}
