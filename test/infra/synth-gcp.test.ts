import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_PERMISSIONS, HOOK_READ_PERMISSIONS } from '../../infra/gcp/identity.js';
import type { TerraformJson } from '../../infra/synth.js';
import { RUNTIME_OUTPUTS } from '../../src/core/runtime.js';
import { only, resources, synthExample } from '../support/synth.js';

let json: TerraformJson;
beforeAll(async () => {
  json = (await synthExample('gcp')).json;
});

describe('Google Cloud stack synthesized from examples/gcp.yaml', () => {
  it('makes a custom-mode network, one regional subnetwork with Private Google Access, and Cloud NAT', () => {
    expect(only(json, 'google_compute_network')).toMatchObject({ name: 'hpc-gcp', auto_create_subnetworks: false });
    expect(only(json, 'google_compute_subnetwork')).toMatchObject({
      name: 'hpc-gcp',
      region: 'europe-west4',
      ip_cidr_range: '10.30.0.0/17',
      private_ip_google_access: true,
    });
    expect(only(json, 'google_compute_router')).toMatchObject({ region: 'europe-west4' });
    expect(only(json, 'google_compute_router_nat')).toMatchObject({
      nat_ip_allocate_option: 'AUTO_ONLY',
      source_subnetwork_ip_ranges_to_nat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    });
  });

  it('allows SSH from adminCidrs only and everything else only from the cluster range', () => {
    const rules = resources(json, 'google_compute_firewall');
    const ssh = rules.find((r) => r.name === 'hpc-gcp-ssh');
    expect(ssh).toMatchObject({
      direction: 'INGRESS',
      source_ranges: ['198.51.100.0/24'],
      allow: [{ protocol: 'tcp', ports: ['22'] }],
    });
    const internal = rules.find((r) => r.name === 'hpc-gcp-internal');
    expect(internal?.source_ranges).toEqual(['10.30.0.0/16']);
    expect(rules).toHaveLength(2);
  });

  it('runs a shielded management node as the hooks account, with none of the users keys in its metadata', () => {
    const node = only(json, 'google_compute_instance');
    expect(node).toMatchObject({
      name: 'hpc-gcp-mgmt',
      machine_type: 'e2-standard-4',
      zone: 'europe-west4-a',
      shielded_instance_config: { enable_secure_boot: true, enable_vtpm: true, enable_integrity_monitoring: true },
      boot_disk: {
        initialize_params: { image: 'projects/rocky-linux-cloud/global/images/family/rocky-linux-9', size: 50 },
      },
    });
    const metadata = node.metadata as Record<string, string>;
    expect(metadata['block-project-ssh-keys']).toBe('TRUE');
    expect(metadata['ssh-keys']).toBe('');
    expect(String((node.service_account as { email: string }).email)).toMatch(/google_service_account\.identity_hooks/);
    expect((node.labels as Record<string, string>)['citc-role']).toBe('management');
  });

  it('attaches a persistent disk of storage.sizeGb to the management node for nfs', () => {
    expect(only(json, 'google_compute_disk')).toMatchObject({
      name: 'hpc-gcp-shared',
      size: 200,
      zone: 'europe-west4-a',
    });
    expect(only(json, 'google_compute_attached_disk')).toMatchObject({ device_name: 'citc-shared' });
    expect(resources(json, 'google_filestore_instance')).toHaveLength(0);
  });

  it('uses a Filestore instance on a reserved /29 outside the subnetwork for storage kind filestore', async () => {
    const { json: fs } = await synthExample('gcp', (c) => {
      c.storage = { ...c.storage, kind: 'filestore', sizeGb: 1024 };
    });
    expect(only(fs, 'google_filestore_instance')).toMatchObject({
      tier: 'BASIC_HDD',
      location: 'europe-west4-a',
      file_shares: { name: 'share', capacity_gb: 1024 },
      networks: [{ modes: ['MODE_IPV4'], reserved_ip_range: '10.30.255.248/29' }],
    });
    expect(fs.output?.storage_export_prefix?.value).toBe('/share');
    expect(resources(fs, 'google_compute_disk')).toHaveLength(0);
  });

  it('grants the hooks a custom role with exactly the calls they make, and actAs on the compute account only', () => {
    const roles = resources(json, 'google_project_iam_custom_role').sort((a, b) =>
      String(a.role_id).localeCompare(String(b.role_id)),
    );
    expect(roles.map((r) => r.permissions)).toEqual([[...HOOK_PERMISSIONS], [...HOOK_READ_PERMISSIONS]]);
    expect(roles.map((r) => r.role_id)).toEqual(['citc_hooks_hpc_gcp', 'citc_hooks_hpc_gcp_read']);
    for (const member of resources(json, 'google_project_iam_member')) {
      expect(String(member.role)).toMatch(/google_project_iam_custom_role\./);
      expect(String(member.member)).toMatch(/^serviceAccount:\$\{google_service_account\.identity_hooks/);
    }
    const actAs = only(json, 'google_service_account_iam_member');
    expect(actAs.role).toBe('roles/iam.serviceAccountUser');
    expect(String(actAs.service_account_id)).toMatch(/google_service_account\.identity_compute/);
    const accounts = resources(json, 'google_service_account').map((a) => a.account_id);
    expect(accounts.sort()).toEqual(['hpc-gcp-mgmt', 'hpc-gcp-node']);
  });

  it('labels every resource through the provider (keys kept as written) and pins hashicorp/google', () => {
    const google = (json.provider as { google: { default_labels: Record<string, string>; project: string }[] })
      .google[0];
    expect(google?.default_labels).toEqual({ 'citc-cluster': 'hpc-gcp', project: 'climate-model' });
    expect(google?.project).toBe('my-research-project');
    expect((json.terraform as { required_providers: unknown }).required_providers).toEqual({
      google: { source: 'hashicorp/google', version: '6.50.0' },
    });
  });

  it('outputs every name the hooks, Ansible and Packer read', () => {
    const names = Object.keys(json.output ?? {});
    for (const n of [
      RUNTIME_OUTPUTS.gcpNetwork,
      RUNTIME_OUTPUTS.gcpSubnetwork,
      RUNTIME_OUTPUTS.gcpServiceAccountEmail,
      'management_public_ip',
      'management_private_ip',
      'management_ssh_user',
      'storage_address',
      'storage_export_prefix',
    ]) {
      expect(names).toContain(n);
    }
    expect(String(json.output?.compute_service_account_email?.value)).toMatch(/identity_compute.*\.email/);
  });
});
