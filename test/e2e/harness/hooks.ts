import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../../../src/core/config/types.js';
import { buildHookRuntime, RUNTIME_OUTPUTS } from '../../../src/core/runtime.js';
import { emptyState } from '../../../src/core/state.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface HookFiles {
  resume: string;
  suspend: string;
  resumeFail: string;
  runtime: string;
  logFile: string;
  /** 'bundle' (dist-style esbuild output) or 'source' (tsx), for the report. */
  mode: 'bundle' | 'source';
}

/**
 * runtime.json from citc's buildHookRuntime and the three wrapper scripts slurm.conf names. The hooks
 * are the product's bundles (scripts/bundle-hooks.mjs) when they build, else the sources under tsx.
 */
export async function writeHooks(dir: string, config: ClusterConfig): Promise<HookFiles> {
  const state = emptyState(config.name, 'aws');
  state.deploy = {
    stackDir: join(dir, 'stack'),
    synthesizedAt: new Date().toISOString(),
    outputs: {
      // The fake EC2 maps subnet-<zone> to its zone.
      [RUNTIME_OUTPUTS.awsSubnetIds]: config.provider.zones.map((z) => `subnet-${z}`),
      [RUNTIME_OUTPUTS.awsSecurityGroupIds]: ['sg-0e2e'],
    },
  };
  const logFile = join(dir, 'log', 'hooks.log');
  // JSON lines (slurm.hookLogFormat): the timeline reads the hooks' start and exit records from this log.
  const runtime = buildHookRuntime({ ...config, slurm: { ...config.slurm, hookLogFormat: 'json' } }, state, {
    scontrol: '/usr/bin/scontrol',
    logFile,
    lockDir: join(dir, 'locks'),
  });
  const runtimePath = join(dir, 'runtime.json');
  await writeFile(runtimePath, JSON.stringify(runtime, null, 2));
  const bundleDir = join(dir, 'hooks');
  let mode: HookFiles['mode'] = 'bundle';
  try {
    await run(process.execPath, [join(ROOT, 'scripts/bundle-hooks.mjs'), '--outdir', bundleDir], { cwd: ROOT });
  } catch {
    mode = 'source';
  }
  const entry = (bundle: string, source: string) =>
    mode === 'bundle'
      ? `"${join(bundleDir, `${bundle}.mjs`)}"`
      : `--import "file://${join(ROOT, 'node_modules/tsx/dist/loader.mjs')}" "${join(ROOT, source)}"`;
  // Slurm passes no PATH and no working directory: every path here is absolute.
  const wrapper = async (name: string, bundle: string, source: string) => {
    const file = join(dir, 'bin', name);
    await writeFile(
      file,
      `#!/bin/sh\ncd "${ROOT}"\nexec "${process.execPath}" ${entry(bundle, source)} --runtime "${runtimePath}" "$@"\n`,
    );
    await chmod(file, 0o755);
    return file;
  };
  await mkdir(join(dir, 'bin'), { recursive: true });
  return {
    resume: await wrapper('resume', 'resume', 'src/hooks/bin/resume.ts'),
    suspend: await wrapper('suspend', 'suspend', 'src/hooks/bin/suspend.ts'),
    resumeFail: await wrapper('resume-fail', 'resume-fail', 'src/hooks/bin/resume-fail.ts'),
    runtime: runtimePath,
    logFile,
    mode,
  };
}
