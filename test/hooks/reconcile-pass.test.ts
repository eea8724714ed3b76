import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { stateDirOf } from '../../src/core/runtime.js';
import { openHookLog } from '../../src/hooks/log.js';
import type { RunContext } from '../../src/hooks/main.js';
import { nodesOnce, reconcileOnce } from '../../src/hooks/pass.js';
import { RETURNS_FILE } from '../../src/hooks/state-file.js';
import { Scontrol } from '../../src/slurm/scontrol.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { SCONTROL, type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { type RuntimeFiles, readLog, writeRuntime } from './harness.js';

/**
 * One reconcile pass, in this process, against the real slurmctld and the fake clouds through the real
 * SDKs: every status the pass can reach without a slurmd (orphan, unusable, no address, duplicate, a node
 * citc set down returned to service), a dry run that changes nothing, and a second pass with nothing to do.
 */
const NODES = ['compute-c5-1', 'compute-c5-2', 'compute-c5-3', 'compute-c5-4', 'compute-c5-5', 'compute-c5-6'];

interface Cloud {
  endpoint: string;
  /** Live (not terminated) instances as node -> ids. */
  live(): Map<string, string[]>;
  ipOf(id: string): string;
  seed(node: string, state?: 'running' | 'stopped'): string;
  stop(): Promise<void>;
}

async function startCloud(kind: 'aws' | 'gcp'): Promise<Cloud> {
  if (kind === 'aws') {
    const fake = new Ec2Fake();
    await fake.start();
    const group = (list: ReturnType<Ec2Fake['live']>) => {
      const m = new Map<string, string[]>();
      for (const i of list) m.set(fake.nodeOf(i), [...(m.get(fake.nodeOf(i)) ?? []), i.id]);
      return m;
    };
    return {
      endpoint: fake.endpoint,
      live: () => group(fake.live('demo').filter((i) => i.state !== 'shutting-down')),
      ipOf: (id) => fake.live('demo').find((i) => i.id === id)?.privateIp ?? '',
      seed: (node, state = 'running') =>
        fake.seed(1, { tags: { 'citc:cluster': 'demo', 'citc:node': node, Name: `demo-${node}` }, state })[0]
          ?.id as string,
      stop: () => fake.stop(),
    };
  }
  const fake = new GceFake();
  await fake.start();
  let n = 0;
  return {
    endpoint: fake.endpoint,
    live: () => {
      const m = new Map<string, string[]>();
      for (const i of fake.live('demo')) {
        const node = i.name.replace(/^demo-/, '').replace(/-dup\d+$/, '');
        m.set(node, [...(m.get(node) ?? []), i.name]);
      }
      return m;
    },
    ipOf: (id) => fake.live('demo').find((i) => i.name === id)?.networkIP ?? '',
    seed: (node, state = 'running') => {
      // A second instance of a node needs another name on GCE (names are unique): the label names the node.
      const name =
        n++ === 0 || !fake.live('demo').some((i) => i.name === `demo-${node}`)
          ? `demo-${node}`
          : `demo-${node}-dup${n}`;
      fake.seed(
        'p',
        'europe-west4-a',
        [name],
        { 'citc-cluster': 'demo', 'citc-node': node },
        state === 'running' ? 'RUNNING' : 'TERMINATED',
      );
      return name;
    },
    stop: () => fake.stop(),
  };
}

describe.each(['aws', 'gcp'] as const)('%s: one reconcile pass on the real slurmctld', (kind) => {
  let ctld: Slurmctld;
  let cloud: Cloud;
  let files: RuntimeFiles;
  let ctx: RunContext;
  const ids: Record<string, string> = {};
  const run = async (argv: string[]) => {
    const res = await reconcileOnce(ctx, { dryRun: argv.includes('--dry-run') });
    const out = JSON.stringify('busy' in res ? { busy: true, pid: res.busy.pid } : res.report);
    return { code: res.code, out };
  };

  beforeAll(async () => {
    cloud = await startCloud(kind);
    ctld = await startSlurmctld({ nodes: NODES.map((name) => ({ name })), resumeTimeout: 300 });
    const config: ClusterConfig = {
      ...clusterConfig(kind),
      reconcile: { intervalSeconds: 10, orphanGraceSeconds: 0, capacityDenySeconds: 600 },
    };
    config.provider.endpoint = cloud.endpoint;
    files = writeRuntime(config);
    const log = openHookLog({ hook: 'reconcile', file: files.logFile, format: 'json' });
    ctx = { runtime: files.runtime, log, scontrol: new Scontrol({ path: SCONTROL, slurmConf: ctld.conf }) };

    ids.orphan = cloud.seed('compute-c5-1');
    await ctld.scontrol(
      'update',
      'nodename=compute-c5-2',
      'state=down',
      'reason=citc: ECONNREFUSED (cloud unavailable)',
    );
    await ctld.scontrol('update', 'nodename=compute-c5-[3-4]', 'state=power_up');
    await ctld.waitForState(['compute-c5-3', 'compute-c5-4'], /POWERING_UP/);
    ids.noAddress = cloud.seed('compute-c5-3');
    ids.kept = cloud.seed('compute-c5-4');
    // GCE names an instance after its node and names are unique per zone: a duplicate there is the same
    // name in another zone, with the same id; the duplicate case runs on EC2.
    if (kind === 'aws') ids.dup = cloud.seed('compute-c5-4');
    // Slurm uses the first one: the other is the duplicate, whatever their ages.
    await ctld.scontrol('update', 'nodename=compute-c5-4', `nodeaddr=${cloud.ipOf(ids.kept)}`);
    ids.stopped = cloud.seed('compute-c5-5', 'stopped');
  }, 60_000);
  afterAll(async () => {
    ctx?.log.close();
    await ctld?.stop();
    await cloud?.stop();
  });

  it('--dry-run prints what it would do and changes nothing', async () => {
    const before = [...cloud.live()].sort();
    const slurmView = async () =>
      [...(await ctld.showNodes())].map(([n, r]) => `${n} ${r.State} ${r.NodeAddr} ${r.Reason ?? '-'}`);
    const slurmBefore = await slurmView();
    const { code, out } = await run(['--dry-run', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      dryRun: boolean;
      actions: { action: { kind: string; node: string }; result: string }[];
    };
    expect(report.dryRun).toBe(true);
    expect(report.actions.map((r) => `${r.action.kind} ${r.action.node} ${r.result}`).sort()).toEqual([
      'resume compute-c5-2 planned',
      'set-address compute-c5-3 planned',
      'terminate compute-c5-1 planned',
      ...(kind === 'aws' ? ['terminate compute-c5-4 planned'] : []),
      'terminate compute-c5-5 planned',
    ]);
    expect([...cloud.live()].sort()).toEqual(before);
    expect(await slurmView()).toEqual(slurmBefore);
    expect(existsSync(join(stateDirOf(files.runtime.paths), RETURNS_FILE))).toBe(false);
  }, 30_000);

  it('a pass terminates the orphan, the duplicate and the stopped instance, sets the address and returns the node citc set down', async () => {
    const { code } = await run([]);
    expect(code).toBe(0);
    const live = cloud.live();
    expect(live.get('compute-c5-1')).toBeUndefined();
    expect(live.get('compute-c5-4')).toEqual([ids.kept]);
    expect(live.get('compute-c5-5')).toBeUndefined();
    expect(live.get('compute-c5-3')).toEqual([ids.noAddress]);
    const nodes = await ctld.showNodes();
    expect(nodes.get('compute-c5-3')?.NodeAddr).toBe(cloud.ipOf(ids.noAddress as string));
    // Back in service: no longer DOWN, still powered down (no slurmd here, so also not responding).
    expect(nodes.get('compute-c5-2')?.State).toMatch(/^IDLE\+CLOUD\+POWERED_DOWN/);
    expect(nodes.get('compute-c5-2')?.Reason).toBeUndefined();
    const returns = JSON.parse(readFileSync(join(stateDirOf(files.runtime.paths), RETURNS_FILE), 'utf8'));
    expect(Object.keys(returns)).toEqual(['compute-c5-2']);
    const actions = readLog(files).filter((r) => r.event === 'action');
    expect(actions.every((r) => r.result === 'done')).toBe(true);
    if (kind === 'aws') {
      expect(actions.find((r) => r.action === 'terminate' && r.node === 'compute-c5-4')).toMatchObject({
        instance: ids.dup,
        why: `duplicate of ${ids.kept}`,
      });
    }
  }, 30_000);

  it('the next pass finds nothing to do, and `nodes --json` joins Slurm and the cloud', async () => {
    const { code, out } = await run(['--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out).actions).toEqual([]);
    const table = (await nodesOnce(ctx)) as {
      nodes: { node: string; state: string; instance: string | null; address: string | null }[];
      summary: { nodes: number; instances: number };
    };
    expect(table.nodes.map((n) => n.node)).toEqual(NODES);
    expect(table.nodes.find((n) => n.node === 'compute-c5-3')).toMatchObject({
      state: expect.stringMatching(/^IDLE\+CLOUD\+.*POWERING_UP/),
      instance: ids.noAddress,
      address: cloud.ipOf(ids.noAddress as string),
    });
    expect(table.summary).toMatchObject({ nodes: 6, instances: 2 });
  }, 30_000);

  it('one pass at a time: a pass that finds the pass lock held ends at once with exit 0', async () => {
    const { openNodeLocks } = await import('../../src/hooks/lock.js');
    const other = openNodeLocks(files.runtime.paths.lockDir, 'reconcile');
    // Held by a live process that is not this one: a child that sleeps.
    const { spawn } = await import('node:child_process');
    const child = spawn('/bin/sleep', ['30']);
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        join(files.runtime.paths.lockDir, 'reconcile-pass.lock'),
        `${child.pid} ${Date.now()} reconcile -\n`,
      );
      const { code, out } = await run(['--json']);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual({ busy: true, pid: child.pid });
    } finally {
      child.kill();
      other.release();
    }
  }, 30_000);
});
