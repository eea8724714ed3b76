import { synthesizeCluster } from '../../infra/synth.js';
import type { InventoryOptions } from '../ansible/inventory.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import { type ClusterState, emptyState } from '../core/state.js';
import { readState, statePath, writeState } from '../state/file.js';
import { ensureDeployKey } from './deploy-key.js';
import { type DeploySummary, summarize } from './summary.js';
import { readTerraformOutputs, runTerraform, type TerraformRunOptions } from './terraform-run.js';
import { findTerraformTool, type TerraformToolName } from './terraform-tool.js';

export interface DeployOptions {
  config: ClusterConfig;
  workDir: string;
  /** Stop after synthesis: needs no terraform, no cloud account. */
  dryRun?: boolean;
  tool?: TerraformToolName;
  /** Do not run the Ansible playbook after apply. */
  skipConfigure?: boolean;
  /** SSH key Ansible logs in with (default: the ssh agent's). */
  inventory?: InventoryOptions;
  env?: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
  now?: () => Date;
}

export interface DeployResult {
  summary: DeploySummary;
  dryRun: boolean;
  tool?: { name: string; version: string };
  outputs?: Record<string, string | string[]>;
  /** The management playbook ran (false with --skip-configure or --dry-run). */
  configured: boolean;
  stateFile?: string;
}

/** Reads the cluster's state, refusing one that belongs to another cluster or cloud. */
export async function loadClusterState(config: ClusterConfig, workDir: string): Promise<ClusterState | undefined> {
  const path = statePath(workDir);
  const state = await readState(path);
  if (state && (state.cluster !== config.name || state.provider !== config.provider.kind)) {
    throw new CitcError(
      'STATE_MISMATCH',
      `the state file is for cluster ${state.cluster} on ${state.provider}, not ${config.name} on ${config.provider.kind}`,
      {
        subject: path,
        remedy: 'Use the work dir of this cluster (--work-dir), or move the file away if the cluster was renamed.',
        exitCode: ExitCode.usage,
      },
    );
  }
  return state;
}

/**
 * synthesize → (dry run stops here) → terraform/tofu init + apply → outputs into the state file →
 * the management playbook. Every step can be run again: terraform continues from its own state.
 */
export async function deployCluster(opts: DeployOptions): Promise<DeployResult> {
  const { config, workDir } = opts;
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const now = opts.now ?? (() => new Date());
  // A corrupt state file stops a real deploy before anything runs; a dry run never reads it.
  const prior = opts.dryRun ? undefined : await loadClusterState(config, workDir);
  const tool = opts.dryRun ? undefined : await findTerraformTool(opts.tool, env);

  const imageId = prior?.image?.current.id;
  const deployKey = opts.dryRun ? undefined : await ensureDeployKey(workDir, config.name);
  const synth = await synthesizeCluster(config, {
    workDir,
    ...(imageId && { imageId }),
    ...(deployKey && { deployPublicKey: deployKey.publicKey }),
  });
  const summary = summarize(synth);
  if (opts.dryRun || !tool) return { summary, dryRun: true, configured: false };
  progress(`Synthesized ${summary.totalResources} resources into ${synth.file} (${summary.synthMs} ms)`);

  const path = statePath(workDir);
  let state: ClusterState = prior ?? emptyState(config.name, config.provider.kind);
  state = {
    ...state,
    deploy: {
      ...state.deploy,
      stackDir: synth.stackDir,
      synthesizedAt: now().toISOString(),
      outputs: state.deploy?.outputs ?? {},
    },
  };
  await writeState(path, state);

  const run: TerraformRunOptions = {
    tool,
    cwd: synth.stackDir,
    env,
    onProgress: progress,
    subject: config.name,
    remedy: `Fix the cause above and run \`citc deploy\` again: ${tool.name} continues from its state in ${synth.stateFile}.`,
  };
  progress(`Using ${tool.name} ${tool.version} (${tool.binary})`);
  await runTerraform(['init', '-input=false', '-no-color'], run);
  await runTerraform(['apply', '-auto-approve', '-input=false', '-json'], run);
  const outputs = await readTerraformOutputs(run);
  const deploy = { ...(state.deploy as NonNullable<ClusterState['deploy']>), appliedAt: now().toISOString(), outputs };
  // Read again: `citc image rebuild` may have recorded an image while apply ran.
  const latest = (await readState(path)) ?? state;
  state = { ...latest, deploy };
  await writeState(path, state);
  progress(`Recorded ${Object.keys(outputs).length} outputs in ${path}`);

  const result: DeployResult = {
    summary,
    dryRun: false,
    tool: { name: tool.name, version: tool.version },
    outputs,
    configured: false,
    stateFile: path,
  };
  if (opts.skipConfigure) return result;
  const { runManagementPlaybook } = await import('../ansible/run-playbook.js');
  await runManagementPlaybook({
    workDir,
    config,
    state,
    env,
    onProgress: progress,
    ...(opts.inventory && { inventory: opts.inventory }),
  });
  return { ...result, configured: true };
}
