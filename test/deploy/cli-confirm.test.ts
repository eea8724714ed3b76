import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { repoRoot } from '../support/cli.js';
import { isolatedPath } from './stand-in-terraform.js';

let dir: string;
let config: string;
let fake: Ec2Fake;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-confirm-'));
  config = join(dir, 'citc.yaml');
  await copyFile(join(repoRoot, 'examples/aws.yaml'), config);
  fake = new Ec2Fake();
  await fake.start();
  const text = await readFile(config, 'utf8');
  await writeFile(config, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${fake.endpoint}`));
  fake.seed(2, { tags: { 'citc:cluster': 'hpc-aws', 'citc:nodes': 'compute-c5-[1-2]' } });
});
afterEach(() => fake.stop());

/** Runs `citc destroy` on a real pseudo-terminal (util-linux `script`), typing `answer`. */
function destroyOnTty(answer: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    isolatedPath(dir).then((PATH) => {
      const cmd = `'${process.execPath}' --import tsx '${repoRoot}bin/dev.js' destroy '${config}'`;
      const child = execFile(
        '/usr/bin/script',
        ['-qec', cmd, '/dev/null'],
        { cwd: repoRoot, env: { ...process.env, PATH }, timeout: 60_000 },
        (err, stdout) => resolve({ code: err ? Number(err.code) : 0, out: stdout }),
      );
      child.stdin?.end(`${answer}\n`);
    }, reject);
  });
}

describe('citc destroy asks on a terminal', () => {
  it('stops with exit 5 when the typed name is not the cluster, touching nothing', async () => {
    const r = await destroyOnTty('hpc');
    expect(r.out).toContain('Type the cluster name (hpc-aws) to go on:');
    expect(r.out).toContain('DESTROY_NOT_CONFIRMED');
    expect(r.code).toBe(5);
    expect(fake.live('hpc-aws')).toHaveLength(2);
  });

  it('goes on when the cluster name is typed', async () => {
    const r = await destroyOnTty('hpc-aws');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('hpc-aws: 2 compute instance(s) terminated');
    expect(fake.live('hpc-aws')).toHaveLength(0);
  });
});
