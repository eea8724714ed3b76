import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';
import { isolatedPath, plannedChange, standInTerraform } from './stand-in-terraform.js';

const SKIP = ['--skip-check', 'placeholders', '--skip-check', 'credentials', '--skip-check', 'admin-address'];

let dir: string;
let config: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-plan-confirm-'));
  config = join(dir, 'citc.yaml');
  await copyFile(join(repoRoot, 'examples/aws.yaml'), config);
});

/** `citc deploy` on a real pseudo-terminal (util-linux `script`), typing `answer` at the prompt. */
function deployOnTty(PATH: string, answer: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const cmd = `'${process.execPath}' --import tsx '${repoRoot}bin/dev.js' deploy '${config}' --skip-configure ${SKIP.join(' ')}`;
    const child = execFile(
      '/usr/bin/script',
      ['-qec', cmd, '/dev/null'],
      { cwd: repoRoot, env: { ...process.env, PATH }, timeout: 120_000 },
      (err, stdout) => resolve({ code: err ? Number(err.code) : 0, out: stdout }),
    );
    // Answer once the prompt had time to come (the plan runs first).
    setTimeout(() => child.stdin?.write(`${answer}\n`), 12_000);
  });
}

describe('citc deploy asks on a terminal before replacing or deleting', () => {
  it('shows the plan, asks, and applies nothing when the answer is no', async () => {
    const first = await standInTerraform(dir);
    const ok = await runCli(['deploy', config, '--skip-configure', ...SKIP], {
      env: { PATH: await isolatedPath(dir, first.binDir) },
    });
    expect(ok.code, ok.stderr).toBe(0);
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace('zones: [us-east-1a, us-east-1b]', 'zones: [us-east-1a]'));
    const tf = await standInTerraform(join(dir, 'again'), {
      planLines: [plannedChange('aws_subnet.network_subnet-us-east-1b_3304E386', 'delete')],
    });
    const PATH = await isolatedPath(dir, tf.binDir, '/usr/bin');
    const r = await deployOnTty(PATH, 'n');
    expect(r.out).toContain('- aws_subnet.network_subnet-us-east-1b_3304E386: delete');
    expect(r.out).toContain('1 resource(s) will be replaced or deleted (see above). Apply? [y/N]');
    expect(r.out).toContain('DEPLOY_NOT_CONFIRMED');
    expect(r.code).toBe(5);
    expect((await tf.calls()).map((c) => c.args[0])).not.toContain('apply');
  }, 180_000);
});
