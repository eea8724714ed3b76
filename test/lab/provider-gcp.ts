import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../infra/outputs.js';
import { PROJECT_NUMBER, STS_PORT } from './cloud-gce.js';
import { LAB_NET } from './lab.js';
import { CLUSTER, type LabManagement, type LabProvider, labClusterYaml, MANAGEMENT_IP } from './provider.js';
import { type GceManagementInstance, gceManagementInstance } from './terraform.js';

const PROJECT = 'citc-rehearsal';
const REGION = 'europe-west4';
/** The management node in the second zone (management.zone): citc must look for it there, not in zones[0]. */
const ZONES = ['europe-west4-a', 'europe-west4-b'];
const MANAGEMENT_ZONE = 'europe-west4-b';
const METADATA = 'http://169.254.169.254/computeMetadata/v1';

type GceLabManagement = LabManagement & { gce: GceManagementInstance };

/**
 * Google Compute Engine's code path: the fake Compute Engine (REST, batch endpoint), GCE's metadata server
 * (Metadata-Flavor: Google; instance/name, attributes, the service account's token, guest attributes), the
 * management instance's metadata (`ssh-keys`, read by the guest agent) and the host keys the guest agent
 * publishes as guest attributes.
 */
export const gcpProvider: LabProvider = {
  kind: 'gcp',
  clusterYaml: (userPub) =>
    labClusterYaml(
      {
        comment: "The rehearsal's cluster (scripts/rehearse.ts): Google Cloud, its API stood in by the lab's fake.",
        provider: ['  kind: gcp', `  region: ${REGION}`, `  zones: [${ZONES.join(', ')}]`, `  project: ${PROJECT}`],
        management: { machineType: 'e2-standard-2', zone: MANAGEMENT_ZONE },
        instanceType: 'e2-small',
      },
      userPub,
    ),
  cloudArgs: () => ['--provider', 'gcp', '--project', PROJECT],
  adminEnv: (dir) => {
    // The admin's machine: workload identity federation (an external account) whose token exchange is the
    // lab's STS; google-auth-library trades the subject token there for an access token. A service account
    // key would not do: with provider.endpoint set, the client asks for scopes, and a key's JWT is then
    // exchanged at oauth2.googleapis.com, which the lab does not reach.
    const subject = join(dir, 'gcp-subject-token');
    writeFileSync(subject, `lab-subject-${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
    const file = join(dir, 'gcp-admin-credentials.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: `//iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/lab/providers/lab`,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `http://${LAB_NET}.1:${STS_PORT}/v1/token`,
        credential_source: { file: subject },
      }),
      { mode: 0o600 },
    );
    return { GOOGLE_APPLICATION_CREDENTIALS: file, CLOUDSDK_CORE_PROJECT: PROJECT };
  },
  management: (stackDir) => {
    const gce = gceManagementInstance(stackDir);
    const m: GceLabManagement = {
      firstBoot: gce.firstBoot,
      sharedDiskId: gce.sharedDiskDevice ?? '',
      instance: gce.name,
      gce,
    };
    return m;
  },
  managementBooted: async (ctx, host, mgmt) => {
    const { gce } = mgmt as GceLabManagement;
    // terraform's instance, as the API and the metadata server know it.
    await ctx.toCloud({
      adopt: {
        zone: gce.zone,
        name: gce.name,
        machineType: gce.machineType,
        networkIP: MANAGEMENT_IP,
        natIP: MANAGEMENT_IP,
        labels: gce.labels,
        metadata: gce.metadata,
        ...(gce.serviceAccount && { serviceAccount: gce.serviceAccount }),
      },
    });
    // The guest agent: publishes the host's public keys as guest attributes hostkeys/<type> through the
    // metadata server (with enable-guest-attributes), where citc reads them with instances.getGuestAttributes.
    ctx.lab.exec(host, [
      'sh',
      '-c',
      `set -e
for f in /etc/ssh/ssh_host_*_key.pub; do
  read -r type key _ < "$f"
  curl -sf --retry 20 --retry-delay 1 --retry-all-errors -X PUT -H 'Metadata-Flavor: Google' \\
    --data "$key" "${METADATA}/instance/guest-attributes/hostkeys/$type"
done`,
    ]);
  },
  managementDestroyed: async (ctx, mgmt) => {
    const { gce } = mgmt as GceLabManagement;
    await ctx.toCloud({ forget: { zone: gce.zone, name: gce.name } });
  },
  outputs: (mgmt, extra) => {
    const { gce } = mgmt as GceLabManagement;
    const O = STACK_OUTPUTS;
    const api = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;
    return {
      [O.gcpNetwork]: `${api}/global/networks/${CLUSTER}-vpc`,
      [O.gcpSubnetwork]: `${api}/regions/${REGION}/subnetworks/${CLUSTER}-subnet`,
      [O.gcpServiceAccountEmail]: `${CLUSTER}-node@${PROJECT}.iam.gserviceaccount.com`,
      [O.hookServiceAccountEmail]: gce.serviceAccount ?? '',
      [O.managementPublicIp]: MANAGEMENT_IP,
      [O.managementPrivateIp]: MANAGEMENT_IP,
      [O.managementSshUser]: mgmt.firstBoot.user,
      [O.managementInstance]: gce.name,
      [O.storageAddress]: MANAGEMENT_IP,
      [O.storageDiskId]: mgmt.sharedDiskId,
      [O.storageExportPrefix]: '',
      ...extra,
    };
  },
  metadataProbe: `curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Metadata-Flavor: Google' ${METADATA}/project/project-id`,
  // What Google's images have in /etc/hosts: the metadata server by name (the lab has no DNS server).
  hostsLines: ['169.254.169.254 metadata.google.internal metadata'],
  // GCE names the host after the instance.
  instanceHostName: (e) => e.name || e.id,
};
