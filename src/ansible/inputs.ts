import { access, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import { buildHookRuntime, type HookPaths } from '../core/runtime.js';
import type { ClusterState } from '../core/state.js';
import { deployKeyPath } from '../deploy/deploy-key.js';
import { knownHostsPath } from '../deploy/known-hosts.js';
import { packageRoot } from '../render/package-root.js';
import { renderSlurmFiles, type SlurmConfOverrides, slurmConfOptions } from '../render/slurm-conf.js';
import { type AnsibleInputPaths, buildGroupVars, renderGroupVars } from './group-vars.js';
import { type HooksBundle, writeHooksBundle } from './hooks-bundle.js';
import { type InventoryOptions, renderInventory } from './inventory.js';
import { managementArch, nodeArchivePath } from './node-runtime.js';
import { ANSIBLE_OUTPUTS, outputOf } from './outputs.js';

/** The files citc renders for Ansible and Packer inside a cluster's work dir. */
export function ansibleInputLayout(workDir: string) {
  return {
    inventory: join(workDir, 'ansible', 'inventory.ini'),
    groupVars: join(workDir, 'ansible', 'group_vars.yml'),
    renderedDir: join(workDir, 'rendered'),
    secretsDir: join(workDir, 'secrets'),
    mungeKey: join(workDir, 'secrets', 'munge.key'),
    slurmVersion: join(workDir, 'ansible', 'slurm-version'),
  };
}

export interface WriteAnsibleInputsOptions {
  workDir: string;
  config: ClusterConfig;
  state: ClusterState | undefined;
  /** Slurm settings beyond the defaults of the real management node. */
  slurm?: SlurmConfOverrides;
  hookPaths?: Partial<HookPaths>;
  /** Where the bundled hooks are; default dist/hooks of this installation. Packed into one archive. */
  hooksDist?: string;
  /** How long the management playbook waits for SSH (default 600 s). */
  sshWaitSeconds?: number;
  /** Needed only for the management playbook (the image build reaches its instance through packer). */
  inventory?: InventoryOptions | false;
}

export interface WrittenAnsibleInputs {
  inventory?: string;
  groupVars: string;
  renderedDir: string;
  mungeKey: string;
  /** The management node's Slurm version as deploy recorded it; absent before the first deploy. */
  slurmVersion?: string;
  /** Why runtime.json was not rendered (no image built yet, outputs missing), if it was not. */
  runtimeSkipped?: string;
  /** The hooks' archive in the rendered dir, which role citc_hooks installs. */
  hooksBundle?: HooksBundle;
  /** Why there is no hooks archive (citc not built), if there is none. */
  hooksSkipped?: string;
}

/** Renders slurm.conf & co, runtime.json, group_vars.yml and inventory.ini into the work dir. */
export async function writeAnsibleInputs(opts: WriteAnsibleInputsOptions): Promise<WrittenAnsibleInputs> {
  const { workDir, config, state } = opts;
  const layout = ansibleInputLayout(workDir);
  await mkdir(layout.renderedDir, { recursive: true });
  await mkdir(join(workDir, 'ansible'), { recursive: true });
  await mkdir(layout.secretsDir, { recursive: true, mode: 0o700 });
  await chmod(layout.secretsDir, 0o700);

  const mgmtIp = outputOf(state?.deploy?.outputs, ANSIBLE_OUTPUTS.managementPrivateIp);
  const slurmOpts = slurmConfOptions(config, {
    ...opts.slurm,
    controller: { ...(mgmtIp ? { addr: mgmtIp } : {}), ...opts.slurm?.controller },
  });
  const files = renderSlurmFiles(config, slurmOpts);
  for (const [name, text] of Object.entries(files)) await writeFile(join(layout.renderedDir, name), text as string);
  if (!files['gres.conf']) await rm(join(layout.renderedDir, 'gres.conf'), { force: true });

  let runtimeSkipped: string | undefined;
  const runtimeFile = join(layout.renderedDir, 'runtime.json');
  try {
    const runtime = state ? buildHookRuntime(config, state, opts.hookPaths) : undefined;
    if (!runtime) throw new CitcError('RUNTIME_NO_STATE', 'the cluster has no state file yet');
    await writeFile(runtimeFile, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    if (!(err instanceof CitcError)) throw err;
    runtimeSkipped = err.toLine();
    await rm(runtimeFile, { force: true });
  }

  // The hooks travel as one archive: the role's assert names what is missing when they were not built.
  const hooksDist = opts.hooksDist ?? join(packageRoot(), 'dist', 'hooks');
  let hooksBundle: HooksBundle | undefined;
  let hooksSkipped: string | undefined;
  if ((await stat(hooksDist).catch(() => undefined))?.isDirectory()) {
    hooksBundle = await writeHooksBundle(hooksDist, layout.renderedDir);
  } else {
    hooksSkipped = new CitcError('HOOKS_NOT_BUILT', 'the bundled hooks are missing', {
      subject: hooksDist,
      remedy: 'Build citc (npm run build).',
    }).toLine();
  }

  const paths: AnsibleInputPaths = {
    renderedDir: layout.renderedDir,
    mungeKey: layout.mungeKey,
    nodeArchive: nodeArchivePath(workDir, managementArch(config)),
    slurmVersionFile: layout.slurmVersion,
  };
  const slurmVersion = (await readFile(layout.slurmVersion, 'utf8').catch(() => '')).trim() || undefined;
  const vars = buildGroupVars(config, state, paths, {
    slurmctldPort: slurmOpts.slurmctldPort,
    runtimeRendered: runtimeSkipped === undefined,
    ...(slurmVersion && { slurmVersion }),
    ...(opts.sshWaitSeconds !== undefined && { sshWaitSeconds: opts.sshWaitSeconds }),
    ...(hooksBundle && { hooksBundle }),
  });
  await writeFile(layout.groupVars, renderGroupVars(vars));

  const written: WrittenAnsibleInputs = {
    groupVars: layout.groupVars,
    renderedDir: layout.renderedDir,
    mungeKey: layout.mungeKey,
  };
  if (runtimeSkipped !== undefined) written.runtimeSkipped = runtimeSkipped;
  if (hooksBundle) written.hooksBundle = hooksBundle;
  if (hooksSkipped !== undefined) written.hooksSkipped = hooksSkipped;
  if (slurmVersion) written.slurmVersion = slurmVersion;
  if (opts.inventory !== false) {
    // citc's deploy key, the only key the sudo account accepts, unless --ssh-key names another.
    const deployKey = await access(deployKeyPath(workDir)).then(
      () => ({ sshKeyFile: deployKeyPath(workDir) }),
      () => ({}),
    );
    const knownHosts = await access(knownHostsPath(workDir)).then(
      () => ({ knownHostsFile: knownHostsPath(workDir) }),
      () => ({}),
    );
    await writeFile(
      layout.inventory,
      renderInventory(config, state, { ...deployKey, ...knownHosts, ...opts.inventory }),
    );
    written.inventory = layout.inventory;
  }
  return written;
}
