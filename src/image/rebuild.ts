import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeAnsibleInputs } from '../ansible/inputs.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import { type ClusterState, emptyState } from '../core/state.js';
import type { StepSink } from '../deploy/steps.js';
import { packerBuilder } from '../render/packer.js';
import { readState, statePath, writeState } from '../state/file.js';
import { findBinary } from '../tools/find-binary.js';
import { recordImage } from './history.js';
import { artifactIds, type PackerEvent, packerErrors, packerProgress, parsePackerLine } from './machine-readable.js';
import { writePackerTemplate } from './packer-inputs.js';
import { needsInit, packerVersion } from './packer-version.js';

export const PACKER_INSTALL_HINT =
  'Install packer: apt-get install packer (Debian/Ubuntu), or https://developer.hashicorp.com/packer/install.';

export interface RebuildImageOptions {
  config: ClusterConfig;
  workDir: string;
  /** progress lines from packer (its ui output) and from citc */
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** For tests: the build time to record. */
  now?: () => Date;
  /** Told where packer init and packer build begin and end (the CLI shows their elapsed time). */
  steps?: StepSink;
}

export interface RebuildImageResult {
  id: string;
  builtAt: string;
  /** The image that was current before, now the first roll-back target. */
  previousId?: string;
  packerVersion: string;
  template: string;
  ms: number;
}

/** The image id the resume hook launches: the AMI of the cluster's region, or the GCP image path. */
export function imageIdFromArtifact(config: ClusterConfig, artifact: string): string | undefined {
  if (config.provider.kind === 'aws') {
    const perRegion = artifact.split(',').map((s) => s.trim().split(':') as [string, string?]);
    const hit =
      perRegion.find(([region, ami]) => ami && region === config.provider.region) ?? perRegion.find(([, ami]) => ami);
    return hit?.[1];
  }
  return `projects/${config.provider.project}/global/images/${artifact}`;
}

/**
 * Renders the Packer template, runs packer (init for ≥ 1.7, then build), and records the new image in
 * the state file. Any failure leaves the recorded image as it was.
 */
export async function rebuildImage(opts: RebuildImageOptions): Promise<RebuildImageResult> {
  const { config, workDir } = opts;
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const started = Date.now();
  const binary = await findBinary('packer', PACKER_INSTALL_HINT, env);
  const version = await packerVersion(binary, env);
  const path = statePath(workDir);
  const state: ClusterState = (await readState(path)) ?? emptyState(config.name, config.provider.kind);

  const inputs = await writeAnsibleInputs({ workDir, config, state, inventory: false });
  if (!inputs.slurmVersion) {
    throw new CitcError('IMAGE_NO_SLURM_VERSION', "the management node's Slurm version is not recorded", {
      subject: config.name,
      remedy:
        'Run `citc deploy` first: it installs Slurm on the management node and records the version the image installs.',
      exitCode: ExitCode.usage,
    });
  }
  const { dir, options } = await writePackerTemplate(workDir, config, state, inputs.groupVars);
  const template = needsInit(version) ? dir : join(dir, 'compute.pkr.hcl');
  progress(
    `packer ${version.text}: building the ${config.image.os} compute image of ${config.name} (${packerBuilder(config, options)})`,
  );

  const run = async (args: string[], what: string): Promise<PackerEvent[]> => {
    opts.steps?.begin(`packer ${what}`);
    try {
      const events = await runPacker(args, what);
      opts.steps?.end(true);
      return events;
    } catch (err) {
      opts.steps?.end(false);
      throw err;
    }
  };
  const runPacker = async (args: string[], what: string): Promise<PackerEvent[]> => {
    progress(`$ packer ${args.join(' ')}`);
    const events: PackerEvent[] = [];
    const plain: string[] = [];
    const child = execa(binary, args, {
      env: { ...env, PACKER_NO_COLOR: '1', CHECKPOINT_DISABLE: '1' },
      extendEnv: false,
      reject: false,
      buffer: false,
      all: true,
    });
    for await (const line of child.iterable({ from: 'all' })) {
      const e = parsePackerLine(line);
      if (!e) {
        if (line.trim()) plain.push(line.trim());
        continue;
      }
      events.push(e);
      const p = packerProgress(e);
      if (p) progress(p);
    }
    const result = await child;
    if (result.exitCode !== 0) {
      const why = [...packerErrors(events), ...plain].slice(-5).join(' | ') || `exit ${result.exitCode}`;
      throw new CitcError('PACKER_FAILED', `packer ${what} failed (exit ${result.exitCode}): ${why}`, {
        subject: config.name,
        remedy: `The recorded image is unchanged. Fix the cause above and run \`citc image rebuild\` again; the template is ${template}.`,
      });
    }
    return events;
  };

  if (options.buildHost) await rm(options.buildHost.imageIdFile, { force: true });
  if (needsInit(version)) await run(['init', dir], 'init');
  const events = await run(['build', '-machine-readable', '-color=false', template], 'build');
  const artifact = artifactIds(events)[0];
  // The null builder's artifact is "Null": the build host's image command wrote the id.
  const id = options.buildHost
    ? (await readFile(options.buildHost.imageIdFile, 'utf8').catch(() => '')).trim() || undefined
    : artifact
      ? imageIdFromArtifact(config, artifact.id)
      : undefined;
  if (!id) {
    throw new CitcError('PACKER_NO_ARTIFACT', 'packer build succeeded but reported no image id', {
      subject: config.name,
      remedy: 'The recorded image is unchanged. Check the packer output above; run `citc image rebuild` again.',
    });
  }
  const builtAt = (opts.now?.() ?? new Date()).toISOString();
  // Read again: a deploy may have written the state during a build that took many minutes.
  const latest = (await readState(path)) ?? state;
  const previousId = latest.image?.current.id;
  await writeState(path, recordImage(latest, { id, builtAt }));
  const result: RebuildImageResult = { id, builtAt, packerVersion: version.text, template, ms: Date.now() - started };
  if (previousId) result.previousId = previousId;
  return result;
}
