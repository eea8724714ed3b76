import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeAnsibleInputs } from '../../src/ansible/inputs.js';
import { ensureNodeRuntime, integrityHex, NODE_RUNTIME, nodeArchivePath } from '../../src/ansible/node-runtime.js';
import { CitcError } from '../../src/core/errors.js';
import { packageRoot } from '../../src/render/package-root.js';
import { awsCluster } from '../support/cluster.js';
import { runRoleTasks } from './ansible-local.js';

/**
 * The hooks' runtime: Node 24 from the npm registry, fetched with the real npm on this machine, verified
 * against the integrity citc holds, then copied, checked and unpacked by the real citc_hooks tasks
 * (connection local, into a scratch directory).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-node-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the hooks' runtime", () => {
  it('is the Node citc itself pins, with the integrity of the lockfile', async () => {
    const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(packageRoot(), 'package-lock.json'), 'utf8'));
    for (const arch of ['x64', 'arm64'] as const) {
      expect(pkg.optionalDependencies[`node-linux-${arch}`]).toBe(NODE_RUNTIME.version);
      expect(lock.packages[`node_modules/node-linux-${arch}`]).toMatchObject({
        version: NODE_RUNTIME.version,
        integrity: NODE_RUNTIME.integrity[arch],
      });
    }
    expect(NODE_RUNTIME.version.split('.')[0]).toBe('24');
  });

  it('is fetched with npm pack, verified, and kept: the next deploy needs no npm', async () => {
    const work = join(dir, 'work');
    const got = await ensureNodeRuntime(work, 'x64');
    expect(got.archive).toBe(nodeArchivePath(work, 'x64'));
    const sum = await execa('sha512sum', [got.archive]);
    expect(sum.stdout.split(' ')[0]).toBe(got.sha512);
    expect(got.sha512).toBe(integrityHex(NODE_RUNTIME.integrity.x64));
    const again = await ensureNodeRuntime(work, 'x64', { env: { PATH: join(dir, 'no-bin') } });
    expect(again).toEqual(got);
  });

  it('refuses an archive that does not match, and keeps none', async () => {
    const work = join(dir, 'bad');
    const wrong = NODE_RUNTIME.integrity.arm64;
    const err = await ensureNodeRuntime(work, 'x64', { integrity: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('NODE_RUNTIME_INTEGRITY');
    await expect(stat(nodeArchivePath(work, 'x64'))).rejects.toThrow(/ENOENT/);
  });

  it('is copied, checked and unpacked by the role, once; a tampered archive stops it', async () => {
    const work = join(dir, 'work');
    await ensureNodeRuntime(work, 'x64');
    const inputs = await writeAnsibleInputs({
      workDir: work,
      config: awsCluster(),
      state: undefined,
      inventory: false,
    });
    const vars = parse(await readFile(inputs.groupVars, 'utf8'));
    expect(vars).toMatchObject({
      citc_node_version: '24.22.3',
      citc_node_arch: 'x64',
      citc_node_archive: nodeArchivePath(work, 'x64'),
      citc_node_sha512: integrityHex(NODE_RUNTIME.integrity.x64),
    });
    const target = join(dir, 'target');
    await mkdir(target);
    const extra = {
      citc_node_dir: join(target, 'node-24.22.3'),
      citc_node_archive_dest: join(target, 'node.tgz'),
    };
    for (let i = 0; i < 2; i++) {
      const r = await runRoleTasks(dir, 'citc_hooks', 'node.yml', [inputs.groupVars], extra, true);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toMatch(i === 0 ? /changed=3/ : /changed=0/);
    }
    const v = await execa(join(target, 'node-24.22.3', 'bin', 'node'), ['--version']);
    expect(v.stdout).toBe('v24.22.3');

    // Another file under the archive's name: the check on the node stops before anything is unpacked.
    const tampered = join(dir, 'tampered.tgz');
    await copyFile(join(packageRoot(), 'package.json'), tampered);
    const bad = await runRoleTasks(
      dir,
      'citc_hooks',
      'node.yml',
      [inputs.groupVars],
      { ...extra, citc_node_archive: tampered, citc_node_dir: join(target, 'other') },
      true,
    );
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toContain('does not match the sha512 citc holds');
    await expect(stat(join(target, 'other'))).rejects.toThrow(/ENOENT/);
  }, 180_000);
});
