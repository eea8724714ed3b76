import { readFile } from 'node:fs/promises';
import { synthesizeCluster, terraformStateFile } from '../../infra/synth.js';
import type { CloudAdapterOptions } from '../cloud/types.js';
import type { ClusterConfig } from '../core/config/types.js';
import { loadClusterState } from '../deploy/deploy.js';
import { runTerraform } from '../deploy/terraform-run.js';
import { findTerraformTool, type TerraformToolName } from '../deploy/terraform-tool.js';
import { statePath, writeState } from '../state/file.js';
import { type TerminateAllResult, terminateClusterInstances } from './terminate.js';

export interface DestroyOptions {
  config: ClusterConfig;
  workDir: string;
  tool?: TerraformToolName;
  /** How long to wait for compute instances to be gone, all rounds together, ms (default 10 minutes). */
  waitMs?: number;
  adapter?: CloudAdapterOptions;
  env?: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
}

export interface DestroyResult {
  cluster: string;
  instances: TerminateAllResult;
  /** 'destroyed': terraform destroy ran; 'none': neither the state file nor Terraform's state records any. */
  infrastructure: 'destroyed' | 'none';
  tool?: { name: string; version: string };
}

/** True when Terraform's local state lists resources (or cannot be read: then terraform must decide). */
async function terraformStateHasResources(file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return false;
  }
  try {
    const resources = (JSON.parse(text) as { resources?: unknown[] }).resources;
    return Array.isArray(resources) && resources.length > 0;
  } catch {
    return true;
  }
}

/**
 * Terminates every compute instance of the cluster, waits until they are gone (and again for any
 * that slurmctld launched meanwhile, until none is left), then runs terraform destroy. Safe to repeat
 * and after a half-finished deploy: instances are looked up by tag, not from the state, and with no
 * infrastructure recorded it stops after the instances.
 */
export async function destroyCluster(opts: DestroyOptions): Promise<DestroyResult> {
  const { config, workDir } = opts;
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const state = await loadClusterState(config, workDir);
  const tfState = terraformStateFile(workDir);
  const recorded = state?.deploy !== undefined || (await terraformStateHasResources(tfState));
  // Checked first: a missing terraform must not leave the cluster half destroyed.
  const tool = recorded ? await findTerraformTool(opts.tool, env) : undefined;

  const instances = await terminateClusterInstances({
    config,
    waitMs: opts.waitMs ?? 600_000,
    onProgress: progress,
    ...(opts.adapter && { adapter: opts.adapter }),
  });
  if (!tool) {
    progress(`No infrastructure is recorded for ${config.name} in ${workDir}: nothing more to destroy.`);
    return { cluster: config.name, instances, infrastructure: 'none' };
  }

  // Synthesized again so the stack dir exists even if it was deleted; destroy plans from the state.
  const imageId = state?.image?.current.id;
  // The shared disk's prevent_destroy would stop terraform destroy: the person typed the cluster name (or --yes).
  const synth = await synthesizeCluster(config, { workDir, allowStorageDestroy: true, ...(imageId && { imageId }) });
  const run = {
    tool,
    cwd: synth.stackDir,
    env,
    onProgress: progress,
    subject: config.name,
    remedy: `Fix the cause above and run \`citc destroy\` again; ${tool.name}'s state is ${tfState}.`,
  };
  await runTerraform(['init', '-input=false', '-no-color'], run);
  await runTerraform(['destroy', '-auto-approve', '-input=false', '-json'], run);
  if (state) {
    const { deploy: _gone, ...rest } = state;
    await writeState(statePath(workDir), rest);
  }
  progress(`Destroyed the infrastructure of ${config.name}.`);
  return {
    cluster: config.name,
    instances,
    infrastructure: 'destroyed',
    tool: { name: tool.name, version: tool.version },
  };
}
