import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeCluster } from '../../infra/synth.js';
import type { InventoryOptions } from '../ansible/inventory.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import { type ClusterState, emptyState } from '../core/state.js';
import { readState, statePath, writeState } from '../state/file.js';
import { readApplied, recordApplied } from './applied.js';
import { ensureDeployKey } from './deploy-key.js';
import { pinManagementZone } from './management-zone.js';
import {
  type DeployPlan,
  destructive,
  diffTerraform,
  guardPlan,
  parsePlanLines,
  protectedLosses,
  withTerraformPlan,
} from './plan.js';
import {
  assertPreflight,
  type CheckName,
  type PreflightOptions,
  type PreflightReport,
  runPreflight,
} from './preflight/preflight.js';
import type { StepSink } from './steps.js';
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
  /** Go on when the plan replaces or deletes the management node or the shared disk (else refused). */
  allowReplace?: boolean;
  /** Apply a plan that replaces or deletes resources without asking (--yes). */
  yes?: boolean;
  /** Shown the plan before anything changes (the CLI prints it). */
  onPlan?: (plan: DeployPlan) => void;
  /** Asked when the plan replaces or deletes something and `yes` is not set; absent: no one to ask, refused. */
  confirm?: (plan: DeployPlan) => Promise<boolean>;
  /** Checks to skip (--skip-check), this machine's address (--my-address). */
  preflight?: { skip?: CheckName[]; myAddress?: string; interfaces?: PreflightOptions['interfaces'] };
  /** Shown the checks' results before anything is created. */
  onPreflight?: (report: PreflightReport) => void;
  /** Told where each long step begins and ends (the CLI shows their elapsed time). */
  steps?: StepSink;
}

export interface DeployResult {
  summary: DeploySummary;
  /** What was (or, with --dry-run, would be) created, updated, replaced and deleted. */
  plan: DeployPlan;
  /** --dry-run: why a real deploy would refuse this plan, if it would. */
  wouldRefuse?: string;
  /** The checks run before anything was created (--dry-run: without calling the cloud, and not stopping). */
  preflight: PreflightReport;
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
  const { workDir } = opts;
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const now = opts.now ?? (() => new Date());
  // A corrupt state file stops a real deploy before anything runs; a dry run goes on without it.
  const prior = opts.dryRun
    ? await loadClusterState(opts.config, workDir).catch((err: Error) => {
        progress(`Not using the state file: ${err instanceof CitcError ? err.toLine() : err.message}`);
        return undefined;
      })
    : await loadClusterState(opts.config, workDir);
  const config = pinManagementZone(opts.config, prior);
  const myAddress = opts.preflight?.myAddress ?? prior?.deploy?.adminAddress;
  const steps = opts.steps;
  // Each step's end, failed or not, is reported before the error leaves.
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    steps?.begin(name);
    try {
      const r = await fn();
      steps?.end(true);
      return r;
    } catch (err) {
      steps?.end(false);
      throw err;
    }
  };
  const preflight = await runPreflight({
    config,
    env,
    ...(opts.tool && { tool: opts.tool }),
    ...(opts.preflight?.skip && { skip: opts.preflight.skip }),
    ...(myAddress && { myAddress }),
    ...(opts.preflight?.interfaces && { interfaces: opts.preflight.interfaces }),
    ...(opts.skipConfigure && { skipConfigure: true }),
    offline: opts.dryRun === true,
  });
  opts.onPreflight?.(preflight);
  if (!opts.dryRun) assertPreflight(preflight, config.name);
  const tool = opts.dryRun ? undefined : (preflight.terraform ?? (await findTerraformTool(opts.tool, env)));

  const imageId = prior?.image?.current.id;
  const deployKey = opts.dryRun ? undefined : await ensureDeployKey(workDir, config.name);
  const synth = await synthesizeCluster(config, {
    workDir,
    allowStorageDestroy: opts.allowReplace === true,
    ...(imageId && { imageId }),
    ...(deployKey && { deployPublicKey: deployKey.publicKey }),
  });
  const summary = summarize(synth);
  const applied = await readApplied(workDir);
  const compared = diffTerraform(applied, synth.json);
  if (opts.dryRun || !tool) {
    const plan = await dryRunPlan(compared, applied, synth, opts.tool, env, config.name, progress);
    const result: DeployResult = { summary, plan, preflight, dryRun: true, configured: false };
    try {
      guardPlan(plan, { subject: config.name, ...(opts.allowReplace && { allowReplace: true }) });
    } catch (err) {
      if (!(err instanceof CitcError)) throw err;
      result.wouldRefuse = err.toLine();
    }
    return result;
  }
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
  await step(`${tool.name} init`, () => runTerraform(['init', '-input=false', '-no-color'], run));
  const planLines: string[] = [];
  await step(`${tool.name} plan`, () =>
    runTerraform(['plan', '-input=false', '-json', `-out=${PLAN_FILE}`], {
      ...run,
      onLine: (l) => planLines.push(l),
    }),
  );
  const plan = withTerraformPlan(compared, parsePlanLines(planLines), applied, synth.json);
  opts.onPlan?.(plan);
  guardPlan(plan, { subject: config.name, ...(opts.allowReplace && { allowReplace: true }) });
  await confirmPlan(plan, opts, config.name);
  // The saved plan: what is applied is exactly what was shown.
  await step(`${tool.name} apply`, () => runTerraform(['apply', '-input=false', '-json', PLAN_FILE], run));
  const outputs = await readTerraformOutputs(run);
  await recordApplied(workDir, synth.file);
  const deploy = {
    ...(state.deploy as NonNullable<ClusterState['deploy']>),
    appliedAt: now().toISOString(),
    outputs,
    ...(config.management.zone && { managementZone: config.management.zone }),
    ...(myAddress && { adminAddress: myAddress }),
  };
  // Read again: `citc image rebuild` may have recorded an image while apply ran.
  const latest = (await readState(path)) ?? state;
  state = { ...latest, deploy };
  await writeState(path, state);
  progress(`Recorded ${Object.keys(outputs).length} outputs in ${path}`);

  const result: DeployResult = {
    summary,
    plan,
    preflight,
    dryRun: false,
    tool: { name: tool.name, version: tool.version },
    outputs,
    configured: false,
    stateFile: path,
  };
  if (opts.skipConfigure) return result;
  const { runManagementPlaybook } = await import('../ansible/run-playbook.js');
  await step('ansible-playbook (management node)', () =>
    runManagementPlaybook({
      workDir,
      config,
      state,
      env,
      onProgress: progress,
      pinHostKey: true,
      ...(opts.inventory && { inventory: opts.inventory }),
    }),
  );
  return { ...result, configured: true };
}

/** The saved plan file in the stack dir that apply runs. */
export const PLAN_FILE = 'citc.tfplan';

/**
 * --dry-run: the comparison with the last applied configuration, and terraform's own plan when terraform
 * is on PATH and the stack was initialized by an earlier deploy (a dry run downloads no providers).
 */
async function dryRunPlan(
  compared: DeployPlan,
  applied: Awaited<ReturnType<typeof readApplied>>,
  synth: Awaited<ReturnType<typeof synthesizeCluster>>,
  prefer: TerraformToolName | undefined,
  env: NodeJS.ProcessEnv,
  subject: string,
  progress: (line: string) => void,
): Promise<DeployPlan> {
  if (!existsSync(join(synth.stackDir, '.terraform'))) return compared;
  const tool = await findTerraformTool(prefer, env).catch(() => undefined);
  if (!tool) return compared;
  const lines: string[] = [];
  await runTerraform(['plan', '-input=false', '-json', '-lock=false'], {
    tool,
    cwd: synth.stackDir,
    env,
    onProgress: progress,
    onLine: (l) => lines.push(l),
    subject,
    remedy: 'The dry run changed nothing. Fix the cause above, or check the stack with `citc deploy`.',
  });
  return withTerraformPlan(compared, parsePlanLines(lines), applied, synth.json);
}

/** Replacing or deleting anything needs a yes: --yes, or the person at the terminal. */
async function confirmPlan(plan: DeployPlan, opts: DeployOptions, cluster: string): Promise<void> {
  const risky = destructive(plan);
  if (risky.length === 0 || opts.yes) return;
  const what = `${risky.length} resource(s) to replace or delete${protectedLosses(plan).length > 0 ? ', the management node or shared disk among them' : ''}`;
  if (!opts.confirm) {
    throw new CitcError('DEPLOY_NOT_CONFIRMED', `the plan has ${what} and there is no terminal to ask on`, {
      subject: cluster,
      remedy: 'Nothing was changed. Read the plan above; pass --yes to apply it without asking.',
      exitCode: ExitCode.aborted,
    });
  }
  if (!(await opts.confirm(plan))) {
    throw new CitcError('DEPLOY_NOT_CONFIRMED', `the plan (${what}) was not confirmed`, {
      subject: cluster,
      remedy: 'Nothing was changed. Run it again and answer y, or pass --yes.',
      exitCode: ExitCode.aborted,
    });
  }
}
