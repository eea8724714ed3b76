import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { clusterConfig } from '../core/plan/fixture.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { runCli } from '../support/cli.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { type RuntimeFiles, readLog, writeRuntime } from './harness.js';

/**
 * `citc nodes` and `citc reconcile` as a person runs them on the management node: the real CLI, the
 * real slurmctld, the EC2 fake through the SDK. An instance runs for a node Slurm has powered down.
 */
describe('citc nodes / citc reconcile', () => {
  let ctld: Slurmctld;
  let fake: Ec2Fake;
  let files: RuntimeFiles;
  let env: Record<string, string>;
  let orphan: string;
  beforeAll(async () => {
    fake = new Ec2Fake();
    await fake.start();
    ctld = await startSlurmctld({ nodes: ['compute-c5-1', 'compute-c5-2'].map((name) => ({ name })) });
    const config: ClusterConfig = {
      ...clusterConfig('aws'),
      reconcile: { intervalSeconds: 10, orphanGraceSeconds: 0, capacityDenySeconds: 600 },
    };
    config.provider.endpoint = fake.endpoint;
    files = writeRuntime(config);
    env = { SLURM_CONF: ctld.conf };
    orphan = fake.seed(1, { tags: { 'citc:cluster': 'demo', 'citc:node': 'compute-c5-2' } })[0]?.id as string;
  }, 60_000);
  afterAll(async () => {
    await ctld?.stop();
    await fake?.stop();
  });

  it('nodes --json: one row per node, the orphan flagged, a summary', async () => {
    const r = await runCli(['nodes', '--runtime', files.runtimePath, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.nodes.map((n: { node: string }) => n.node)).toEqual(['compute-c5-1', 'compute-c5-2']);
    expect(t.nodes[1]).toMatchObject({
      state: 'IDLE+CLOUD+POWERED_DOWN',
      instance: orphan,
      type: 't3.micro',
      zone: 'us-east-1a',
      flags: { orphan: true, unbacked: false, stuck: false, duplicate: false, denied: false },
    });
    expect(t.summary).toMatchObject({ nodes: 2, instances: 1, flags: { orphan: 1 } });
  }, 60_000);

  it('nodes: a table for people', async () => {
    const r = await runCli(['nodes', '--runtime', files.runtimePath], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NODE\s+STATE\s+INSTANCE\s+TYPE\s+ZONE\s+ADDRESS\s+AGE\s+FLAGS\s+REASON$/);
    expect(r.stdout).toMatch(
      new RegExp(`compute-c5-2\\s+IDLE\\+CLOUD\\+POWERED_DOWN\\s+${orphan}\\s+t3\\.micro.*orphan`),
    );
  }, 60_000);

  it('reconcile --dry-run changes nothing; reconcile terminates the orphan and logs it like the hooks', async () => {
    const dry = await runCli(['reconcile', '--runtime', files.runtimePath, '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`planned terminate compute-c5-2 instance="${orphan}" why="orphan"`);
    expect(dry.stdout).toContain('1 action(s) planned (dry run: nothing changed)');
    expect(fake.live('demo').map((i) => i.id)).toEqual([orphan]);
    const r = await runCli(['reconcile', '--runtime', files.runtimePath, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).actions).toEqual([
      { action: { kind: 'terminate', node: 'compute-c5-2', instanceId: orphan, why: 'orphan' }, result: 'done' },
    ]);
    expect(fake.live('demo').filter((i) => i.state !== 'shutting-down')).toEqual([]);
    const line = readLog(files).find((l) => l.event === 'action');
    expect(line).toMatchObject({ hook: 'reconcile', action: 'terminate', node: 'compute-c5-2', result: 'done' });
  }, 90_000);

  it('a runtime that cannot be read: exit 2 and the cause on stderr', async () => {
    const r = await runCli(['reconcile', '--runtime', `${files.dir}/nope.json`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/RUNTIME_UNREADABLE.*ENOENT/);
  }, 60_000);
});
