import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outputOf } from '../ansible/outputs.js';
import type { ClusterConfig } from '../core/config/types.js';
import type { ClusterState } from '../core/state.js';
import { ansibleDir } from '../render/package-root.js';
import { type PackerTemplateOptions, renderPackerTemplate } from '../render/packer.js';

/** Terraform outputs that let packer build inside the cluster's network (optional). */
export const PACKER_OUTPUTS = { awsSubnetId: 'packer_subnet_id', gcpSubnetwork: 'subnetwork' } as const;

export function packerDir(workDir: string): string {
  return join(workDir, 'packer');
}

/** Writes compute.pkr.hcl and plugins.pkr.hcl into <workDir>/packer; returns the directory. */
export async function writePackerTemplate(
  workDir: string,
  config: ClusterConfig,
  state: ClusterState | undefined,
  groupVars: string,
): Promise<string> {
  const outputs = state?.deploy?.outputs;
  const opts: PackerTemplateOptions = { playbook: join(ansibleDir(), 'compute.yml'), extraVarsFile: groupVars };
  const subnetId = outputOf(outputs, PACKER_OUTPUTS.awsSubnetId);
  const subnetwork = outputOf(outputs, PACKER_OUTPUTS.gcpSubnetwork);
  if (config.provider.kind === 'aws' && subnetId) opts.subnetId = subnetId;
  if (config.provider.kind === 'gcp' && subnetwork) opts.subnetwork = subnetwork;
  const dir = packerDir(workDir);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(renderPackerTemplate(config, opts))) await writeFile(join(dir, name), text);
  return dir;
}
