import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandHostlist } from '../../src/core/hostlist.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { freePort, type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { HOOK_SOURCES, type RuntimeFiles, readLog, writeRuntime } from './harness.js';

const TSX = resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs');

/**
 * slurmctld itself starts our ResumeProgram (no PATH, SLURM_RESUME_FILE set). The cloud endpoint is a
 * closed loopback port, so the hook must read the resume file, fail to reach the cloud, and fail the
 * nodes at once: DOWN with a citc reason and powered down, the job requeued rather than stuck in
 * CONFIGURING until ResumeTimeout.
 */
describe('ResumeProgram started by the real slurmctld, cloud unreachable', () => {
  let ctld: Slurmctld;
  let files: RuntimeFiles;
  beforeAll(async () => {
    const port = await freePort(); // nothing listens here once freePort returns
    const config = clusterConfig('aws', {
      slurm: {
        suspendTime: 300,
        resumeTimeout: 10,
        suspendTimeout: 10,
        resumeRate: 0,
        suspendRate: 0,
        hookLogFormat: 'text',
      },
    });
    config.provider.endpoint = `http://127.0.0.1:${port}`;
    files = writeRuntime(config);
    const wrap = (kind: 'resume' | 'suspend') => {
      const wrapper = join(files.dir, kind);
      writeFileSync(
        wrapper,
        `#!/bin/sh\nexec ${process.execPath} --import ${TSX} ${HOOK_SOURCES[kind]} --runtime ${files.runtimePath} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      return wrapper;
    };
    ctld = await startSlurmctld({
      nodes: ['compute-c5-1', 'compute-c5-2'].map((name) => ({ name })),
      resumeProgram: wrap('resume'),
      suspendProgram: wrap('suspend'),
      resumeTimeout: 30,
    });
  });
  afterAll(async () => ctld?.stop());

  it('reads SLURM_RESUME_FILE, fails the nodes with a citc reason and requeues the job', async () => {
    execFileSync('/usr/bin/sbatch', ['-N', '2', '--wrap', 'true', '-o', '/dev/null'], { env: ctld.env });
    const names = ['compute-c5-1', 'compute-c5-2'];
    const nodes = await ctld.waitForNodes(
      'both nodes failed by the hook',
      (v) => names.every((n) => v.get(n)?.Reason?.startsWith('citc:') && !/POWERING_UP/.test(v.get(n)?.State ?? '')),
      25_000,
    );
    for (const n of names) {
      expect(nodes.get(n)?.Reason).toMatch(/^citc: \S+ \(cloud unavailable\) \[root@/);
      expect(nodes.get(n)?.State).not.toMatch(/POWERING_UP/);
    }
    const log = readLog(files);
    expect(log.find((r) => r.event === 'resume-file')).toMatchObject({ jobs: '1', allNodes: 'compute-c5-[1-2]' });
    expect(log.find((r) => r.event === 'start')).toMatchObject({ hostlist: 'compute-c5-[1-2]', slurmConf: ctld.conf });
    expect(log.find((r) => r.event === 'exit')).toMatchObject({ code: 1 });
    const squeue = execFileSync('/usr/bin/squeue', ['-h', '-o', '%i %T'], { env: ctld.env }).toString().trim();
    expect(squeue).toBe('1 PENDING');
    expect(await ctld.log()).toMatch(/requeue job JobId=1 due to failure of node compute-c5-[12]/);
  }, 40_000);

  it('POWER_DOWN_FORCE makes slurmctld start our SuspendProgram for the failed nodes at once', async () => {
    const suspendLines = (event: string) => readLog(files).filter((r) => r.hook === 'suspend' && r.event === event);
    // Slurm may split the nodes across power-save cycles; wait until both have been handed over.
    const handedOver = () => new Set(suspendLines('start').flatMap((r) => expandHostlist(String(r.hostlist))));
    await expect
      .poll(() => [...handedOver()].sort(), { timeout: 15_000, interval: 200 })
      .toEqual(['compute-c5-1', 'compute-c5-2']);
    await expect.poll(() => suspendLines('exit').length, { timeout: 10_000 }).toBe(suspendLines('start').length);
  }, 30_000);
});
