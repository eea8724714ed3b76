import type { ClusterConfig } from '../core/config/types.js';
import { TAG } from '../core/naming.js';
import { AWS_BASE_IMAGES, BUILD_MACHINE, GCP_BASE_IMAGES } from './base-images.js';
import { gcpLabel, hclString } from './hcl.js';
import { renderTemplate } from './template-dir.js';

export interface PackerTemplateOptions {
  /** Absolute path of the compute playbook (ansible/compute.yml). */
  playbook: string;
  /** Absolute path of the rendered group_vars.yml passed to it as --extra-vars. */
  extraVarsFile: string;
  /** aws: a public subnet of the cluster to build in (else the default VPC). */
  subnetId?: string;
  /** gcp: the cluster's subnetwork (else the default network). */
  subnetwork?: string;
  /**
   * An existing build host the infrastructure provides (terraform outputs `packer_build_host`,
   * `packer_image_command`): packer's `null` builder provisions it over SSH with the same playbook, then
   * `imageCommand` (run on this machine) makes the image from it and prints the image id into `imageIdFile`.
   * The rehearsal lab builds this way (Debian's Packer 1.6.6 has the null builder).
   */
  buildHost?: { host: string; user: string; imageCommand: string; imageIdFile: string };
}

/** The two files packer needs; see the header of compute.pkr.hcl for why they are apart. */
export interface RenderedPackerFiles {
  'compute.pkr.hcl': string;
  'plugins.pkr.hcl': string;
}

/** The builder name packer prints in its machine-readable output for this cluster's cloud. */
export function packerBuilder(
  config: ClusterConfig,
  opts: Pick<PackerTemplateOptions, 'buildHost'> = {},
): 'amazon-ebs' | 'googlecompute' | 'null' {
  if (opts.buildHost) return 'null';
  return config.provider.kind === 'aws' ? 'amazon-ebs' : 'googlecompute';
}

/** Image names start with this; the build appends a timestamp. */
export function imagePrefix(config: ClusterConfig): string {
  return `citc-${config.name}-compute`;
}

/** Pure: the Packer template that builds the compute image of `config`. */
export function renderPackerTemplate(config: ClusterConfig, opts: PackerTemplateOptions): RenderedPackerFiles {
  const kind = config.provider.kind;
  const userTags = Object.entries(config.tags);
  const tags =
    kind === 'aws'
      ? [...userTags, [TAG.aws.cluster, config.name], [TAG.aws.role, 'compute-image']]
      : [
          ...userTags.map(([k, v]) => [gcpLabel(k), gcpLabel(v)]),
          [TAG.gcp.cluster, config.name],
          [TAG.gcp.role, 'compute-image'],
        ];
  const build = opts.buildHost;
  const view = {
    cluster: config.name,
    builder: packerBuilder(config, opts),
    buildHost: build
      ? {
          host: hclString(build.host),
          user: hclString(build.user),
          imageCommand: hclString(`${build.imageCommand} > ${build.imageIdFile}`),
        }
      : null,
    playbook: hclString(opts.playbook),
    extraVars: hclString(`@${opts.extraVarsFile}`),
    tags: tags.map(([k, v]) => ({ key: hclString(k as string), value: hclString(v as string) })),
    aws:
      kind === 'aws' && !build
        ? {
            region: hclString(config.provider.region),
            instanceType: hclString(BUILD_MACHINE.aws),
            imagePrefix: imagePrefix(config),
            sshUser: hclString(AWS_BASE_IMAGES[config.image.os].sshUser),
            sourceName: hclString(AWS_BASE_IMAGES[config.image.os].name),
            sourceOwner: hclString(AWS_BASE_IMAGES[config.image.os].owner),
            subnetId: opts.subnetId ? hclString(opts.subnetId) : null,
            sshFrom: config.network.adminCidrs.map(hclString).join(', '),
          }
        : null,
    gcp:
      kind === 'gcp' && !build
        ? {
            project: hclString(config.provider.project ?? ''),
            zone: hclString(config.provider.zones[0] ?? ''),
            machineType: hclString(BUILD_MACHINE.gcp),
            sourceFamily: hclString(GCP_BASE_IMAGES[config.image.os].family),
            sourceProject: hclString(GCP_BASE_IMAGES[config.image.os].project),
            imagePrefix: imagePrefix(config),
            subnetwork: opts.subnetwork ? hclString(opts.subnetwork) : null,
          }
        : null,
  };
  return {
    'compute.pkr.hcl': renderTemplate('compute.pkr.hcl.hbs', view),
    'plugins.pkr.hcl': renderTemplate('plugins.pkr.hcl.hbs', view),
  };
}
