import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  /** The reconcile pass as its systemd timer starts it; only with the bundles (it has no tsx entry). */
  reconcile?: string;
  /** Where the bundles are: a killed hook is found by its bundle's path in its command line. */
  bundleDir: string;
  runtime: string;
  logFile: string;
  /** The node locks' directory (runtime paths.lockDir). */
  lockDir: string;
  /** 'bundle' (dist-style esbuild output) or 'source' (tsx), for the report. */
  mode: 'bundle' | 'source';
}

/**
 * runtime.json from citc's buildHookRuntime, the three wrapper scripts slurm.conf names and the reconcile
 * pass's (as its systemd unit runs it). The hooks
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
  // A directory of its own, which a test can make read-only without touching Slurm's logs.
  const logFile = join(dir, 'log', 'citc', 'hooks.log');
  const lockDir = join(dir, 'locks');
  await mkdir(join(dir, 'log', 'citc'), { recursive: true });
  // JSON lines (slurm.hookLogFormat): the timeline reads the hooks' start and exit records from this log.
  const runtime = buildHookRuntime({ ...config, slurm: { ...config.slurm, hookLogFormat: 'json' } }, state, {
    scontrol: '/usr/bin/scontrol',
    logFile,
    lockDir,
    // citc's own state (deny-list, return counts) beside, never in Slurm's StateSaveLocation or the machine's.
    stateDir: join(dir, 'citc-state'),
  });
  const runtimePath = join(dir, 'runtime.json');
  await writeFile(runtimePath, JSON.stringify(runtime, null, 2));
  const bundleDir = join(dir, 'hooks');
  let mode: HookFiles['mode'] = 'bundle';
  try {
    await cp(await bundled(), bundleDir, { recursive: true });
  } catch {
    mode = 'source';
  }
  const bundle = (name: string) => `"${join(bundleDir, `${name}.mjs`)}"`;
  const source = (path: string) =>
    `--import "file://${join(ROOT, 'node_modules/tsx/dist/loader.mjs')}" "${join(ROOT, path)}"`;
  // Slurm passes no PATH and no working directory: every path here is absolute.
  const wrapper = async (name: string, entry: string) => {
    const file = join(dir, 'bin', name);
    await writeFile(
      file,
      `#!/bin/sh\ncd "${ROOT}"\nexec "${process.execPath}" ${entry} --runtime "${runtimePath}" "$@"\n`,
    );
    await chmod(file, 0o755);
    return file;
  };
  const hook = (name: string, path: string) => wrapper(name, mode === 'bundle' ? bundle(name) : source(path));
  await mkdir(join(dir, 'bin'), { recursive: true });
  const reconcile = mode === 'bundle' && existsSync(join(bundleDir, 'reconcile.mjs'));
  return {
    resume: await hook('resume', 'src/hooks/bin/resume.ts'),
    suspend: await hook('suspend', 'src/hooks/bin/suspend.ts'),
    resumeFail: await hook('resume-fail', 'src/hooks/bin/resume-fail.ts'),
    ...(reconcile && { reconcile: await wrapper('reconcile', bundle('reconcile')) }),
    bundleDir,
    runtime: runtimePath,
    logFile,
    lockDir,
    mode,
  };
}

/** What the bundles are made of: every source file and the bundler scripts, with the locked dependencies. */
async function bundleInputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(join(ROOT, 'src'), { recursive: true })).map((f) => join('src', f)).sort();
  for (const f of [...files, 'scripts/bundle-hooks.mjs', 'scripts/prune-gce-protos.mjs', 'package-lock.json']) {
    const text = await readFile(join(ROOT, f)).catch(() => undefined);
    if (text) hash.update(f).update(text);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The product's bundles (scripts/bundle-hooks.mjs) for the sources as they are, built once and reused by
 * every harness until a source changes (esbuild takes seconds on a shared machine; a test file many).
 */
async function bundled(): Promise<string> {
  const cached = join(tmpdir(), `citc-e2e-bundle-${await bundleInputsHash()}`);
  if (existsSync(cached)) return cached;
  const building = `${cached}.${process.pid}`;
  await run(process.execPath, [join(ROOT, 'scripts/bundle-hooks.mjs'), '--outdir', building], { cwd: ROOT });
  // Another harness may have finished the same build meanwhile: either copy is the same.
  await rename(building, cached).catch(() => rm(building, { recursive: true, force: true }));
  return cached;
}
