import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { ClusterConfig } from '../src/core/config/types.js';
import { CitcError } from '../src/core/errors.js';
import { type ClusterInfraModel, clusterInfraModel } from './model.js';

export interface SynthOptions {
  /** The cluster's work dir (absolute): the stack goes to <workDir>/infra, the Terraform state beside it. */
  workDir: string;
  /** The compute image recorded in the state, for the launch template (else image.id of the config). */
  imageId?: string;
  /** The public half of citc's deploy key: the only key the management node's sudo account accepts. */
  deployPublicKey?: string;
}

export interface SynthResult {
  model: ClusterInfraModel;
  /** Directory terraform/tofu runs in. */
  stackDir: string;
  /** The synthesized cdk.tf.json. */
  file: string;
  /** Its parsed content. */
  json: TerraformJson;
  /** Where the local backend keeps the Terraform state. */
  stateFile: string;
  ms: number;
}

export interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
}

/** Terraform stack dir of a cluster inside its work dir (cdktf's layout: <outdir>/stacks/<stack id>). */
export function stackDirOf(workDir: string, cluster: string): string {
  return join(workDir, 'infra', 'stacks', cluster);
}

export function terraformStateFile(workDir: string): string {
  return join(workDir, 'terraform.tfstate');
}

/**
 * Synthesizes the cluster's Terraform JSON. Needs no terraform binary and no network. Only the stack of
 * the cluster's cloud is imported: each provider's bindings take a while to load.
 */
export async function synthesizeCluster(config: ClusterConfig, opts: SynthOptions): Promise<SynthResult> {
  const started = performance.now();
  const model = clusterInfraModel(config, opts.imageId, opts.deployPublicKey);
  const stateFile = terraformStateFile(opts.workDir);
  await mkdir(join(opts.workDir, 'infra'), { recursive: true });
  const app = new App({ outdir: join(opts.workDir, 'infra'), skipValidation: false });
  if (model.provider === 'aws') {
    const { AwsClusterStack } = await import('./aws/stack.js');
    new AwsClusterStack(app, model.cluster, { model, stateFile });
  } else {
    const { GcpClusterStack } = await import('./gcp/stack.js');
    new GcpClusterStack(app, model.cluster, { model, stateFile });
  }
  try {
    app.synth();
  } catch (cause) {
    throw new CitcError('INFRA_SYNTH_FAILED', `synthesizing the Terraform stack failed: ${(cause as Error).message}`, {
      subject: config.name,
      remedy: 'This is a citc bug: report it with your citc.yaml (`citc config show`).',
      cause,
    });
  }
  const stackDir = stackDirOf(opts.workDir, model.cluster);
  const file = join(stackDir, 'cdk.tf.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as TerraformJson;
  return { model, stackDir, file, json, stateFile, ms: performance.now() - started };
}
