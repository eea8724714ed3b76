import { execa } from 'execa';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import type { ClusterState } from '../core/state.js';
import { ansibleDir } from '../render/package-root.js';
import { findBinary } from '../tools/find-binary.js';
import { type WriteAnsibleInputsOptions, writeAnsibleInputs } from './inputs.js';
import { ensureNodeRuntime, managementArch } from './node-runtime.js';
import { playbookProgress } from './progress.js';

export const ANSIBLE_INSTALL_HINT =
  'Install Ansible (Debian/Ubuntu: apt-get install ansible; elsewhere: pipx install ansible-core).';

export interface RunManagementPlaybookOptions extends Omit<WriteAnsibleInputsOptions, 'workDir' | 'config' | 'state'> {
  workDir: string;
  config: ClusterConfig;
  state: ClusterState;
  /** One line per play, task and recap line, as ansible-playbook runs. */
  onProgress?: (line: string) => void;
  /** Only the roles with these tags (e.g. ['hooks'] to push a new runtime.json). */
  tags?: string[];
  /** --syntax-check: parse the playbook with the rendered inputs, connect to nothing. */
  syntaxCheckOnly?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface PlaybookResult {
  ms: number;
  /** The PLAY RECAP lines. */
  recap: string[];
  runtimeSkipped?: string;
}

/**
 * Renders the inputs and runs ansible/site.yml against the management node. Called by `citc deploy`
 * after terraform apply; an admin can run the same command by hand (it is printed at start).
 */
export async function runManagementPlaybook(opts: RunManagementPlaybookOptions): Promise<PlaybookResult> {
  const env = opts.env ?? process.env;
  const binary = await findBinary('ansible-playbook', ANSIBLE_INSTALL_HINT, env);
  // The hooks' runtime goes from here to the management node: fetched and verified before Ansible starts.
  if (!opts.syntaxCheckOnly) await ensureNodeRuntime(opts.workDir, managementArch(opts.config), { env });
  const inputs = await writeAnsibleInputs(opts);
  const dir = ansibleDir();
  const args = ['-i', inputs.inventory as string, '-e', `@${inputs.groupVars}`, `${dir}/site.yml`];
  if (opts.tags && opts.tags.length > 0) args.push('--tags', opts.tags.join(','));
  if (opts.syntaxCheckOnly) args.push('--syntax-check');
  const progress = opts.onProgress ?? (() => {});
  if (inputs.runtimeSkipped) progress(`runtime.json not installed: ${inputs.runtimeSkipped}`);
  progress(`$ ansible-playbook ${args.join(' ')}`);
  const started = Date.now();
  const tail: string[] = [];
  const recap: string[] = [];
  let inRecap = false;
  const child = execa(binary, args, {
    env: {
      ...env,
      ANSIBLE_CONFIG: `${dir}/ansible.cfg`,
      ANSIBLE_FORCE_COLOR: '0',
      ANSIBLE_NOCOLOR: '1',
      PYTHONUNBUFFERED: '1',
    },
    extendEnv: false,
    reject: false,
    all: true,
    lines: false,
    buffer: false,
  });
  child.all?.setEncoding('utf8');
  let pending = '';
  child.all?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (line.startsWith('PLAY RECAP')) inRecap = true;
      else if (inRecap && line.trim()) recap.push(line.trim());
      const p = playbookProgress(line);
      if (p) progress(p);
    }
  });
  const result = await child;
  if (pending) tail.push(pending);
  const ms = Date.now() - started;
  if (result.exitCode !== 0) {
    const reasons = tail.filter((l) => /^(fatal|ERROR!|failed:)|UNREACHABLE/.test(l.trim()));
    throw new CitcError(
      'PLAYBOOK_FAILED',
      `ansible-playbook failed (exit ${result.exitCode}): ${(reasons.length ? reasons : tail.slice(-5)).join(' | ')}`,
      {
        subject: opts.config.name,
        remedy: `Fix the cause above, then run \`citc deploy\` again (or by hand: ansible-playbook ${args.join(' ')}).`,
      },
    );
  }
  const out: PlaybookResult = { ms, recap };
  if (inputs.runtimeSkipped) out.runtimeSkipped = inputs.runtimeSkipped;
  return out;
}
