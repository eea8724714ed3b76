import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../core/plan/fixture.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { HOOK_SOURCES, readLog, writeRuntime } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs the resume hook as Slurm does (only SLURM_CONF), its argv optionally wrapped (unshare + mount). */
function resume(
  runtimePath: string,
  hostlist: string,
  env: Record<string, string>,
  wrap: (argv: string[]) => string[] = (a) => a,
) {
  const [cmd, ...args] = wrap([
    process.execPath,
    '--import',
    'tsx',
    HOOK_SOURCES.resume,
    '--runtime',
    runtimePath,
    hostlist,
  ]);
  return new Promise<{ code: number; stderr: string }>((done, reject) => {
    const child = spawn(cmd as string, args, { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => done({ code: code ?? -1, stderr }));
  });
}

/**
 * The resume hook's safety net, with the real slurmctld: a resume that fails before it can tell Slurm
 * about its nodes sets them DOWN with a `citc:` reason naming the real cause and powers them down, so
 * their jobs requeue at once (reconcile returns them later: reconcile-pass.test.ts).
 */
describe('resume safety net (real slurmctld)', () => {
  let ctld: Slurmctld;
  const nodes = ['compute-c5-1', 'compute-c5-2', 'compute-c5-3', 'compute-c5-4'];
  beforeAll(async () => {
    ctld = await startSlurmctld({ nodes: nodes.map((name) => ({ name })), resumeTimeout: 300 });
  }, 60_000);
  afterAll(async () => ctld?.stop());

  const powerUp = async (list: string[]) => {
    await ctld.scontrol('update', `nodename=${list.join(',')}`, 'state=power_up');
    await ctld.waitForState(list, /POWERING_UP/);
  };

  it('lock directory on a read-only file system: EROFS named (not ENOENT), nodes down and powered down', async () => {
    const files = writeRuntime(clusterConfig('aws'));
    const ro = join(files.dir, 'ro');
    mkdirSync(ro);
    const runtime = { ...files.runtime, paths: { ...files.runtime.paths, lockDir: join(ro, 'citc', 'locks') } };
    writeFileSync(files.runtimePath, JSON.stringify(runtime));
    await powerUp(['compute-c5-1', 'compute-c5-2']);
    // A private mount namespace with a read-only tmpfs on `ro`: nothing outside this process sees it.
    const run = await resume(files.runtimePath, 'compute-c5-[1-2]', { SLURM_CONF: ctld.conf }, (argv) => [
      '/usr/bin/unshare',
      '-m',
      '/bin/sh',
      '-c',
      `/bin/mount -t tmpfs -o ro none '${ro}' && exec "$@"`,
      'sh',
      ...argv,
    ]);
    expect(run.code, run.stderr).toBe(1);
    const error = readLog(files).find((r) => r.event === 'error');
    expect(error).toMatchObject({ code: 'LOCK_DIR_UNUSABLE', subject: runtime.paths.lockDir });
    expect(String(error?.message)).toMatch(/EROFS/);
    const view = await ctld.showNodes();
    for (const n of ['compute-c5-1', 'compute-c5-2']) {
      expect(view.get(n)?.Reason).toMatch(/^citc: resume failed: LOCK_DIR_UNUSABLE \(EROFS\) \[root@/);
      expect(view.get(n)?.State).toMatch(/^DOWN\+/);
      expect(view.get(n)?.State).not.toMatch(/POWERING_UP/);
    }
    expect(readLog(files).find((r) => r.event === 'safety-net')).toMatchObject({ nodes: 2 });
  }, 40_000);

  it("malformed runtime: the error goes to the cluster's own log, the nodes down naming it", async () => {
    const files = writeRuntime(clusterConfig('aws'));
    writeFileSync(files.runtimePath, JSON.stringify({ ...files.runtime, version: 7 }));
    await powerUp(['compute-c5-3', 'compute-c5-4']);
    const run = await resume(files.runtimePath, 'compute-c5-[3-4]', { SLURM_CONF: ctld.conf });
    expect(run.code).toBe(2);
    expect(readLog(files).find((r) => r.event === 'error')).toMatchObject({ code: 'RUNTIME_INVALID' });
    const view = await ctld.showNodes();
    for (const n of ['compute-c5-3', 'compute-c5-4']) {
      expect(view.get(n)?.Reason).toMatch(/^citc: resume failed: RUNTIME_INVALID \[root@/);
      expect(view.get(n)?.State).not.toMatch(/POWERING_UP/);
    }
    expect(readFileSync(files.logFile, 'utf8')).toContain('"event":"safety-net"');
  }, 40_000);
});
