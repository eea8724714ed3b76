import { LAB_NET, type Lab, type LabHost } from './lab.js';
import type { ManagementUserData } from './terraform.js';

/**
 * What differs between the rehearsal on AWS's code path and on Google Compute Engine's (provider-aws.ts,
 * provider-gcp.ts); the phases in scripts/rehearse.ts are the same for both. Only the cloud's APIs and
 * terraform are stood in: each provider says what its cloud does that the lab has to do.
 */
export type LabProviderKind = 'aws' | 'gcp';

/** The management node as the stand-in terraform creates it from the synthesized stack. */
export interface LabManagement {
  /** What its first boot does (cloud-init / the guest agent): host name, the sudo user and its keys. */
  firstBoot: ManagementUserData;
  /** The shared disk's id as terraform outputs it (the role finds the disk by it). */
  sharedDiskId: string;
  /** Its instance id / name (terraform output management_instance). */
  instance: string;
}

export interface LabProviderContext {
  lab: Lab;
  /** Sends one command to the lab cloud (its stdin); resolves once it is written. */
  toCloud(command: object): Promise<void>;
  /** Where the lab cloud reads the serial consoles of hosts it did not boot (aws). */
  consolesDir: string;
}

export interface LabProvider {
  kind: LabProviderKind;
  /** The rehearsal's citc.yaml. */
  clusterYaml(userPub: string): string;
  /** Arguments of test/lab/cloud.ts. */
  cloudArgs(consolesDir: string): string[];
  /** The admin machine's credentials for the API (written under `dir`), as environment variables. */
  adminEnv(dir: string): Record<string, string>;
  /** Reads what terraform would create from the synthesized stack. */
  management(stackDir: string): LabManagement;
  /**
   * After the management host booted and its first boot ran: what the cloud then knows of it (its
   * console with the host keys on AWS; on GCE the instance, and the host keys the guest agent publishes).
   */
  managementBooted(ctx: LabProviderContext, host: LabHost, mgmt: LabManagement): Promise<void>;
  /** terraform destroy of the management node, as the cloud sees it. */
  managementDestroyed(ctx: LabProviderContext, mgmt: LabManagement): Promise<void>;
  /** The outputs a real apply records (infra/<provider>/stack.ts), with the lab's addresses. */
  outputs(mgmt: LabManagement, extra: Record<string, unknown>): Record<string, unknown>;
  /** A shell command, run on a host, that prints the metadata service's HTTP status for an ordinary request. */
  metadataProbe: string;
  /** Lines every host of this cloud has in /etc/hosts (GCE's images name the metadata server). */
  hostsLines: string[];
  /** The host name an instance boots with (the lab host's name too). */
  instanceHostName(e: { id: string; name: string; node: string }): string;
}

/** The lab's addresses of the hosts the stand-in terraform creates. */
export const MANAGEMENT_IP = `${LAB_NET}.10`;
export const BUILD_IP = `${LAB_NET}.20`;
export const PROBE_IP = `${LAB_NET}.30`;
export const CLUSTER = 'rehearsal';

/** What a provider's rehearsal cluster has of its own; the rest of citc.yaml is the same on both. */
export interface LabClusterParts {
  /** The file's first comment line. */
  comment: string;
  /** The `provider:` mapping's lines, indented. */
  provider: string[];
  management: { machineType: string; zone?: string };
  /** The compute shape's one instance type. */
  instanceType: string;
}

/** The rehearsal's citc.yaml: one small partition, short power-save times, alice with her own key. */
export function labClusterYaml(parts: LabClusterParts, userPub: string): string {
  return `# ${parts.comment}
name: ${CLUSTER}
provider:
${parts.provider.join('\n')}
  endpoint: http://${LAB_NET}.1:8773
network:
  cidr: ${LAB_NET}.0/24
  adminCidrs: [${LAB_NET}.0/24]
management:
  machineType: ${parts.management.machineType}
${parts.management.zone ? `  zone: ${parts.management.zone}\n` : ''}storage:
  kind: nfs
  sizeGb: 20
  mounts: [/home]
image:
  os: debian12
partitions:
  - name: compute
    default: true
    shapes:
      - name: small
        instanceTypes: [${parts.instanceType}]
        cpus: 1
        memoryMb: 900
        maxNodes: 2
slurm:
  suspendTime: 30
  resumeTimeout: 300
  suspendTimeout: 30
users:
  - name: alice
    sshKeys:
      - ${userPub}
`;
}
