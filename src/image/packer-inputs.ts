import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ANSIBLE_OUTPUTS, outputOf } from '../ansible/outputs.js';
import type { ClusterConfig } from '../core/config/types.js';
import type { ClusterState } from '../core/state.js';
import { AWS_BASE_IMAGES } from '../render/base-images.js';
import { ansibleDir } from '../render/package-root.js';
import { type PackerTemplateOptions, renderPackerTemplate } from '../render/packer.js';

/** Terraform outputs that let packer build inside the cluster's network (optional). */
export const PACKER_OUTPUTS = { awsSubnetId: 'packer_subnet_id', gcpSubnetwork: 'subnetwork' } as const;

/**
 * Optional outputs of an infrastructure that provides its own build host (the rehearsal lab; not made by
 * citc's stacks): the host packer's null builder provisions, and the command that makes the image from it.
 */
export const BUILD_HOST_OUTPUTS = { buildHost: 'packer_build_host', imageCommand: 'packer_image_command' } as const;

/** Where the image command of a build host writes the new image's id. */
export function imageIdFile(workDir: string): string {
  return join(packerDir(workDir), 'image-id');
}

export function packerDir(workDir: string): string {
  return join(workDir, 'packer');
}

/** Writes compute.pkr.hcl and plugins.pkr.hcl into <workDir>/packer; returns the directory. */
export async function writePackerTemplate(
  workDir: string,
  config: ClusterConfig,
  state: ClusterState | undefined,
  groupVars: string,
): Promise<{ dir: string; options: PackerTemplateOptions }> {
  const outputs = state?.deploy?.outputs;
  const opts: PackerTemplateOptions = { playbook: join(ansibleDir(), 'compute.yml'), extraVarsFile: groupVars };
  const subnetId = outputOf(outputs, PACKER_OUTPUTS.awsSubnetId);
  const subnetwork = outputOf(outputs, PACKER_OUTPUTS.gcpSubnetwork);
  if (config.provider.kind === 'aws' && subnetId) opts.subnetId = subnetId;
  if (config.provider.kind === 'gcp' && subnetwork) opts.subnetwork = subnetwork;
  const buildHost = outputOf(outputs, BUILD_HOST_OUTPUTS.buildHost);
  const imageCommand = outputOf(outputs, BUILD_HOST_OUTPUTS.imageCommand);
  if (buildHost && imageCommand) {
    const user = outputOf(outputs, ANSIBLE_OUTPUTS.managementSshUser) ?? AWS_BASE_IMAGES[config.image.os].sshUser;
    opts.buildHost = { host: buildHost, user, imageCommand, imageIdFile: imageIdFile(workDir) };
  }
  const dir = packerDir(workDir);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(renderPackerTemplate(config, opts))) await writeFile(join(dir, name), text);
  return { dir, options: opts };
}
