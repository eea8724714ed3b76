import { describe, expect, it } from 'vitest';
import type { TerraformJson } from '../../infra/synth.js';
import { buildGroupVars } from '../../src/ansible/group-vars.js';
import { renderInventory } from '../../src/ansible/inventory.js';
import { buildHookRuntime } from '../../src/core/runtime.js';
import { emptyState } from '../../src/core/state.js';
import { parseTerraformOutputs } from '../../src/deploy/terraform-run.js';
import { loadExample } from '../support/cluster.js';
import { synthExample } from '../support/synth.js';

/** What `terraform output -json` would print for this stack: a made-up value per output, lists kept lists. */
function fakeOutputJson(json: TerraformJson): string {
  const out: Record<string, { value: unknown; type: unknown }> = {};
  for (const [name, { value }] of Object.entries(json.output ?? {})) {
    const v = Array.isArray(value)
      ? value.map((_, i) => `${name}-${i}`)
      : typeof value === 'string' && value.includes('${')
        ? `${name}-value`
        : value;
    out[name] = { value: v, type: Array.isArray(v) ? ['tuple', v.map(() => 'string')] : 'string' };
  }
  return JSON.stringify(out);
}

describe('the stack outputs are the ones their readers look for', () => {
  it.each(['aws', 'gcp'] as const)(
    '%s: buildHookRuntime, the inventory and group vars accept the recorded outputs',
    async (kind) => {
      const config = await loadExample(kind);
      config.image.id = kind === 'aws' ? 'ami-0123456789abcdef0' : 'projects/p/global/images/i';
      const { json } = await synthExample(kind);
      const outputs = parseTerraformOutputs(fakeOutputJson(json));
      const state = { ...emptyState(config.name, kind), deploy: { stackDir: '/x', synthesizedAt: 'now', outputs } };
      const runtime = buildHookRuntime(config, state);
      if (kind === 'aws') {
        expect(runtime.aws).toEqual({
          subnetIdsByZone: { 'us-east-1a': 'compute_subnet_ids-0', 'us-east-1b': 'compute_subnet_ids-1' },
          securityGroupIds: ['compute_security_group_ids-0'],
          launchTemplateId: 'compute_launch_template_id-value',
          instanceProfileArn: 'compute_instance_profile_arn-value',
        });
      } else {
        expect(runtime.gcp).toMatchObject({
          network: 'network-value',
          subnetwork: 'subnetwork-value',
          serviceAccountEmail: 'compute_service_account_email-value',
        });
      }
      expect(renderInventory(config, state)).toContain(
        `ansible_host=management_public_ip-value ansible_user=${kind === 'aws' ? 'rocky' : 'citc'}`,
      );
      const vars = buildGroupVars(
        config,
        state,
        { renderedDir: '/r', mungeKey: '/m', nodeArchive: '/n', slurmVersionFile: '/s' },
        { runtimeRendered: true },
      );
      expect(vars.citc_management_address).toBe('management_private_ip-value');
    },
  );
});
