import { type ChildProcess, spawn } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookBudgetMs } from '../../src/hooks/budget.js';
import { openRunCloud } from '../../src/hooks/cloud.js';
import { type HookDeps, lazy } from '../../src/hooks/deps.js';
import { nodeLocks } from '../../src/hooks/lock.js';
import { openHookLog } from '../../src/hooks/log.js';
import { runTerminate, TERMINATE_RESERVE_MS } from '../../src/hooks/suspend.js';
import { Scontrol } from '../../src/slurm/scontrol.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { nodeOutcomes, type RuntimeFiles, readLog, writeRuntime } from './harness.js';

/**
 * A resume that failed a node keeps its lock while it tells Slurm (each scontrol call may take 20 s),
 * and slurmctld starts the suspend for that node at once. The suspend runs here in-process with the
 * real lock files, the real EC2 adapter against the fake, and a clock that moves only when it sleeps,
 * so waiting tens of seconds costs none.
 */
const NODE = 'compute-c5-1';
const SUSPEND_TIMEOUT = 120;

describe('suspend waits for a lock a resume still holds', () => {
  let fake: Ec2Fake;
  let files: RuntimeFiles;
  let holder: ChildProcess;
  let lockFile: string;

  beforeEach(async () => {
    fake = new Ec2Fake();
    await fake.start();
    const config = clusterConfig('aws');
    config.provider.endpoint = fake.endpoint;
    config.slurm.suspendTimeout = SUSPEND_TIMEOUT;
    files = writeRuntime(config);
    fake.seed(1, { tags: { 'citc:cluster': 'demo', 'citc:node': NODE, Name: `demo-${NODE}` } });
    // The resume: a live process other than this one, named in the lock file as its owner.
    holder = spawn('sleep', ['300'], { stdio: 'ignore' });
    lockFile = join(files.runtime.paths.lockDir, `${NODE}.lock`);
  });
  afterEach(async () => {
    holder.kill();
    await fake.stop();
  });

  /** Runs the suspend with a virtual clock; the resume lets go of the lock `releaseAfterMs` into the run. */
  async function suspend(releaseAfterMs: number): Promise<{ code: number; waitedMs: number }> {
    const log = openHookLog({ hook: 'suspend', file: files.logFile, format: 'json' });
    const locks = nodeLocks(files.runtime.paths.lockDir, 'suspend');
    writeFileSync(lockFile, `${holder.pid} ${Date.now()} resume\n`);
    const start = Date.now();
    let t = start;
    let released = false;
    const deps: HookDeps = {
      runtime: files.runtime,
      cloud: lazy(() => openRunCloud(files.runtime, log, Date.now() + 60_000)),
      scontrol: new Scontrol({ path: files.runtime.paths.scontrol }),
      log,
      locks,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        if (!released && t - start >= releaseAfterMs) {
          unlinkSync(lockFile);
          released = true;
        }
        await new Promise((r) => setImmediate(r));
      },
    };
    try {
      const code = await runTerminate(deps, NODE, SUSPEND_TIMEOUT);
      return { code, waitedMs: t - start };
    } finally {
      log.close();
    }
  }

  it('released after 20 s (longer than the old fixed 10 s): the suspend terminates the instance', async () => {
    const r = await suspend(20_000);
    expect(r.code).toBe(0);
    expect(fake.live('demo')).toHaveLength(0);
    expect(nodeOutcomes(files).get(NODE)?.outcome).toBe('terminated');
    expect(r.waitedMs).toBeGreaterThanOrEqual(20_000);
  });

  it('never released: gives up only when the time kept for the terminate is all that is left', async () => {
    const budget = hookBudgetMs(SUSPEND_TIMEOUT);
    const r = await suspend(Number.POSITIVE_INFINITY);
    expect(r.code).toBe(4);
    expect(nodeOutcomes(files).get(NODE)).toMatchObject({ outcome: 'skipped', reason: `locked by pid ${holder.pid}` });
    // The lock holder is handling the node: its instance is not touched.
    expect(fake.live('demo')).toHaveLength(1);
    expect(readLog(files).some((r) => r.event === 'api' && r.op === 'terminate')).toBe(false);
    expect(r.waitedMs).toBeGreaterThanOrEqual(budget - TERMINATE_RESERVE_MS);
    expect(r.waitedMs).toBeLessThan(budget - TERMINATE_RESERVE_MS + 1_000);
  });
});
