import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ansibleDir } from '../../src/render/package-root.js';

const env = () => ({ ANSIBLE_CONFIG: join(ansibleDir(), 'ansible.cfg') });

/** Renders a role's template with the real template module on this machine: the role's defaults, then the given vars files. */
export async function renderRoleTemplate(
  role: string,
  template: string,
  dest: string,
  varFiles: string[],
  extra: string[] = [],
): Promise<string> {
  const src = join(ansibleDir(), 'roles', role, 'templates', template);
  const defaults = join(ansibleDir(), 'roles', role, 'defaults', 'main.yml');
  const files = existsSync(defaults) ? [defaults, ...varFiles] : varFiles;
  await execa(
    'ansible',
    [
      'localhost',
      '-c',
      'local',
      '-i',
      'localhost,',
      '-m',
      'ansible.builtin.template',
      '-a',
      `src=${src} dest=${dest} mode=0755`,
      ...files.flatMap((f) => ['-e', `@${f}`]),
      ...extra.flatMap((e) => ['-e', e]),
    ],
    { env: env() },
  );
  return dest;
}

/**
 * Runs one task file of a role against this machine (connection local), as the role itself would.
 * Only for task files that touch nothing but the paths the test passes in.
 */
export async function runRoleTasks(
  dir: string,
  role: string,
  tasksFrom: string,
  varFiles: string[],
  extra: Record<string, unknown> = {},
  gatherFacts = false,
) {
  const playbook = join(dir, `${role}-${tasksFrom}.yml`);
  const play = [
    '- hosts: localhost',
    `  gather_facts: ${gatherFacts}`,
    '  tasks:',
    '    - ansible.builtin.include_role:',
    `        name: ${role}`,
    `        tasks_from: ${tasksFrom}`,
  ].join('\n');
  await writeFile(playbook, `${play}\n`);
  const extraFile = join(dir, `${role}-${tasksFrom}.vars.json`);
  await writeFile(extraFile, JSON.stringify(extra));
  return execa(
    'ansible-playbook',
    ['-c', 'local', '-i', 'localhost,', ...varFiles.flatMap((f) => ['-e', `@${f}`]), '-e', `@${extraFile}`, playbook],
    { env: { ...env(), ANSIBLE_ROLES_PATH: join(ansibleDir(), 'roles') }, reject: false, all: true },
  );
}
