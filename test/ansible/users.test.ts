import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { awsCluster } from '../support/cluster.js';
import { renderRoleTemplate } from './ansible-local.js';

/** What the users role gets and renders (real template module); creating the accounts is proven by the lab. */
let dir: string;
let vars: { citc_users: { name: string; uid: number; admin: boolean; ssh_keys: string[] }[] };
let groupVars: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-users-'));
  const config = awsCluster();
  config.users = [
    { name: 'alice', admin: true, sshKeys: ['ssh-ed25519 AAAAC3A alice@x'] },
    { name: 'bob', uid: 4242, sshKeys: ['ssh-ed25519 AAAAC3B bob@x', 'ssh-rsa AAAAB3C bob@y'] },
    { name: 'carol', admin: false, sshKeys: [] },
  ];
  groupVars = (await writeAnsibleInputs({ workDir: dir, config, state: undefined, inventory: false })).groupVars;
  vars = parse(await readFile(groupVars, 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cluster users', () => {
  it('get uids from the file or their name, and admin only when marked', () => {
    expect(vars.citc_users).toEqual([
      { name: 'alice', uid: 17479, admin: true, ssh_keys: ['ssh-ed25519 AAAAC3A alice@x'] },
      { name: 'bob', uid: 4242, admin: false, ssh_keys: ['ssh-ed25519 AAAAC3B bob@x', 'ssh-rsa AAAAB3C bob@y'] },
      { name: 'carol', uid: 24162, admin: false, ssh_keys: [] },
    ]);
  });

  it('sudo: only the admins, without a password (users have none)', async () => {
    const file = await renderRoleTemplate('users', 'sudoers.j2', join(dir, 'citc-admins'), [groupVars]);
    const rules = (await readFile(file, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules).toEqual(['alice ALL=(ALL) NOPASSWD:ALL']);
  });
});
