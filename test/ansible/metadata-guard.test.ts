import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleDir } from '../../src/render/package-root.js';

/**
 * The metadata_guard role, run by the real ansible-playbook on this machine with the boot unit left
 * out (it writes only the ruleset), then the ruleset loaded by the real nft in a private network
 * namespace where 169.254.169.254 is a loopback address with a stand-in metadata server and DNS port.
 * Nothing leaves this machine: the namespace has no link but lo.
 */
let dir: string;
let ruleset: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-metadata-guard-'));
  ruleset = join(dir, 'metadata-guard.nft');
  const playbook = join(dir, 'guard.yml');
  await writeFile(
    playbook,
    [
      '- hosts: localhost',
      '  gather_facts: false',
      '  roles:',
      '    - role: metadata_guard',
      '      vars:',
      '        citc_metadata_guard_at_boot: false',
      `        citc_metadata_guard_ruleset: ${ruleset}`,
      '',
    ].join('\n'),
  );
  const r = await execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', playbook], {
    reject: false,
    all: true,
    env: { ANSIBLE_ROLES_PATH: join(ansibleDir(), 'roles'), ANSIBLE_NOCOLOR: '1' },
  });
  if (r.exitCode !== 0) throw new Error(`the metadata_guard role failed:\n${r.all}`);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Probe {
  http: Record<string, string>;
  dns: string;
}

/** In a fresh network namespace: load `rules` (or none), serve the metadata address, ask as each user. */
async function probe(rules: string | undefined): Promise<Probe> {
  const server = [
    "require('http').createServer((q, s) => s.end('credentials')).listen(80, '169.254.169.254');",
    "require('net').createServer((c) => c.end('dns')).listen(53, '169.254.169.254');",
  ].join('');
  const as = (user: string, url: string) =>
    `setpriv --reuid=${user} --regid=$(id -g ${user}) --clear-groups curl -s -m 3 ${url} </dev/null || echo refused`;
  const script = [
    'set -u',
    'ip link set lo up',
    'ip addr add 169.254.169.254/32 dev lo',
    // Loaded twice: the second load must replace the table, not fail or double it.
    ...(rules ? [`nft -f ${rules}`, `nft -f ${rules}`] : []),
    `${process.execPath} -e "${server}" & server=$!`,
    'for i in $(seq 50); do curl -s -m 1 http://169.254.169.254/ >/dev/null && break; sleep 0.1; done',
    ...['root', 'slurm', 'nobody'].map((u) => `echo "http ${u} $(${as(u, 'http://169.254.169.254/')})"`),
    `echo "dns nobody $(${as('nobody', 'telnet://169.254.169.254:53')})"`,
    'kill $server',
  ].join('\n');
  const r = await execa('unshare', ['-n', 'sh', '-c', script], { reject: false, all: true });
  const lines = r.stdout.split('\n').map((l) => l.split(' '));
  const http = Object.fromEntries(lines.filter((l) => l[0] === 'http').map((l) => [l[1], l.slice(2).join(' ')]));
  const dns =
    lines
      .find((l) => l[0] === 'dns')
      ?.slice(2)
      .join(' ') ?? `no answer: ${r.all}`;
  return { http, dns };
}

describe('metadata_guard: only root and the hooks account reach the instance metadata service', () => {
  it('renders a ruleset the real nft accepts, allowing the uids of root and slurm only', async () => {
    const text = await readFile(ruleset, 'utf8');
    const slurmUid = (await execa('id', ['-u', 'slurm'])).stdout.trim();
    expect(text).toContain(`elements = { 0, ${slurmUid} }`);
    expect(text).toContain('ip daddr { 169.254.169.254 } jump metadata');
    const check = await execa('nft', ['-c', '-f', ruleset], { reject: false, all: true });
    expect(check.all).toBe('');
    expect(check.exitCode).toBe(0);
  });

  it('without the guard every local user gets the credentials (the probe can tell)', async () => {
    const open = await probe(undefined);
    expect(open.http).toEqual({ root: 'credentials', slurm: 'credentials', nobody: 'credentials' });
  }, 60_000);

  it('with it root and slurm get an answer, any other user is refused, DNS on the same address still answers', async () => {
    const guarded = await probe(ruleset);
    expect(guarded.http).toEqual({ root: 'credentials', slurm: 'credentials', nobody: 'refused' });
    expect(guarded.dns).toBe('dns');
  }, 60_000);
});
