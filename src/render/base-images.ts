import type { ImageOs, ProviderKind } from '../core/config/types.js';

/**
 * The public images the compute image is built from, per cloud and OS: the vendors' own accounts and
 * image families, newest image at build time. x86_64 only.
 */
export interface AwsBaseImage {
  /** AMI name pattern for source_ami_filter. */
  name: string;
  /** The publisher's AWS account. */
  owner: string;
  sshUser: string;
}

export interface GcpBaseImage {
  family: string;
  project: string;
}

export const AWS_BASE_IMAGES: Record<ImageOs, AwsBaseImage> = {
  // Rocky Enterprise Software Foundation
  rocky9: { name: 'Rocky-9-EC2-Base-9.*x86_64', owner: '792107900819', sshUser: 'rocky' },
  // Debian cloud team
  debian12: { name: 'debian-12-amd64-*', owner: '136693071363', sshUser: 'admin' },
  // Canonical
  ubuntu2204: {
    name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*',
    owner: '099720109477',
    sshUser: 'ubuntu',
  },
};

export const GCP_BASE_IMAGES: Record<ImageOs, GcpBaseImage> = {
  rocky9: { family: 'rocky-linux-9', project: 'rocky-linux-cloud' },
  debian12: { family: 'debian-12', project: 'debian-cloud' },
  ubuntu2204: { family: 'ubuntu-2204-lts', project: 'ubuntu-os-cloud' },
};

/** The machine packer boots to provision the image: small, the image runs on every shape. */
export const BUILD_MACHINE: Record<ProviderKind, string> = { aws: 't3.medium', gcp: 'e2-standard-2' };
