import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../infra/outputs.js';
import type { LabHost } from './lab.js';
import { type LabProvider, type LabProviderContext, labClusterYaml, MANAGEMENT_IP } from './provider.js';
import { managementUserData } from './terraform.js';

/** The management node's instance id, in terraform's outputs and the lab cloud's API and metadata. */
const MANAGEMENT_INSTANCE = 'i-0lab';
/** The shared disk's volume id, where the role finds it (its NVMe serial). */
const SHARED_DISK_ID = 'vol-0lab0000000000001';

/** AWS's code path: the fake EC2, IMDSv2, cloud-init's user data and console. */
export const awsProvider: LabProvider = {
  kind: 'aws',
  clusterYaml: (userPub) =>
    labClusterYaml(
      {
        comment: "The rehearsal's cluster (scripts/rehearse.ts): AWS with its API stood in by the fake EC2 in the lab.",
        provider: ['  kind: aws', '  region: us-east-1', '  zones: [us-east-1a]'],
        management: { machineType: 't3.medium' },
        instanceType: 't3.small',
      },
      userPub,
    ),
  cloudArgs: (consolesDir) => [
    '--provider',
    'aws',
    '--role-ip',
    MANAGEMENT_IP,
    '--role-instance',
    MANAGEMENT_INSTANCE,
    '--consoles',
    consolesDir,
  ],
  // The admin's machine: dummy AWS credentials for the fake.
  adminEnv: () => ({
    AWS_ACCESS_KEY_ID: 'AKIALAB0000000000000',
    AWS_SECRET_ACCESS_KEY: 'lab-secret',
    AWS_REGION: 'us-east-1',
  }),
  management: (stackDir) => ({
    firstBoot: { ...managementUserData(stackDir), home: '/var/lib/admin' },
    sharedDiskId: SHARED_DISK_ID,
    instance: MANAGEMENT_INSTANCE,
  }),
  managementBooted: async (ctx, host, mgmt) => consoleHostKeys(ctx, host, mgmt.instance),
  managementDestroyed: async () => {},
  outputs: (mgmt, extra) => {
    const O = STACK_OUTPUTS;
    return {
      [O.awsSubnetIds]: ['subnet-us-east-1a'],
      [O.awsSecurityGroupIds]: ['sg-0lab'],
      [O.awsLaunchTemplateId]: 'lt-0lab',
      [O.awsInstanceProfileArn]: 'arn:aws:iam::000000000000:instance-profile/rehearsal-compute',
      [O.managementPublicIp]: MANAGEMENT_IP,
      [O.managementPrivateIp]: MANAGEMENT_IP,
      [O.managementSshUser]: mgmt.firstBoot.user,
      [O.managementInstance]: mgmt.instance,
      [O.storageAddress]: MANAGEMENT_IP,
      [O.storageExportPrefix]: '',
      [O.storageDiskId]: mgmt.sharedDiskId,
      [O.awsSubnetId]: 'subnet-us-east-1a',
      ...extra,
    };
  },
  metadataProbe:
    "curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token",
  hostsLines: [],
  instanceHostName: (e) => e.node || e.id,
};

/**
 * What cloud-init prints on the serial console on first boot, and what GetConsoleOutput returns: the
 * host's public keys, which citc pins before its first ssh (src/deploy/known-hosts.ts).
 */
function consoleHostKeys(ctx: LabProviderContext, host: LabHost, instanceId: string): void {
  const sshDir = join(host.root, 'etc/ssh');
  const keys = readdirSync(sshDir)
    .filter((n) => /^ssh_host_\w+_key\.pub$/.test(n))
    .map((n) => readFileSync(join(sshDir, n), 'utf8').trim());
  mkdirSync(ctx.consolesDir, { recursive: true });
  writeFileSync(
    join(ctx.consolesDir, instanceId),
    `Cloud-init v. 22.4.2 running 'modules:final'\n-----BEGIN SSH HOST KEY KEYS-----\n${keys.join('\n')}\n-----END SSH HOST KEY KEYS-----\n`,
  );
}
