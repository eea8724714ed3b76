import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SynthOptions, type SynthResult, synthesizeCluster, type TerraformJson } from '../../infra/synth.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { loadExample } from './cluster.js';

/** Synthesizes the shipped example, changed by `edit`, into a fresh temporary work dir. */
export async function synthExample(
  kind: 'aws' | 'gcp',
  edit?: (c: ClusterConfig) => void,
  opts: Omit<SynthOptions, 'workDir'> = {},
): Promise<SynthResult> {
  const config = await loadExample(kind);
  edit?.(config);
  const workDir = await mkdtemp(join(tmpdir(), `citc-infra-${kind}-`));
  return synthesizeCluster(config, { workDir, ...opts });
}

/** Every resource of one Terraform type, without cdktf's metadata. */
export function resources(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource?.[type] ?? {}).map(({ '//': _meta, ...r }) => r);
}

export function dataSources(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.data?.[type] ?? {}).map(({ '//': _meta, ...r }) => r);
}

export function only(json: TerraformJson, type: string): Record<string, unknown> {
  const all = resources(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0] as Record<string, unknown>;
}
