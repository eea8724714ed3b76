import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../core/plan/fixture.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { type HookFake, startHookFake } from './fake-cloud.js';
import { type HookRun, nodeOutcomes, type RuntimeFiles, readLog, runHook, writeRuntime } from './harness.js';

/** `names('c5', 3, 5)` → compute-c5-3, compute-c5-4, compute-c5-5; with the hostlist Slurm would pass. */
function names(shape: string, from: number, to = from): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `compute-${shape}-${from + i}`);
}
const hostlist = (...groups: string[][]) => groups.flat().join(',');

/**
 * Issue 3's list, against each cloud: the hooks as Slurm runs them (child processes, only SLURM_CONF
 * in the environment), the real SDK talking to the loopback fake, a real slurmctld holding the nodes.
 * Each test uses its own nodes, so instances of earlier tests do not interfere.
 */
describe.each(['aws', 'gcp'] as const)(
  '%s: resume / suspend / resume-fail against the fake and a real slurmctld',
  (kind) => {
    let ctld: Slurmctld;
    let fake: HookFake;
    let files: RuntimeFiles;
    let env: Record<string, string>;

    const powerUp = async (nodes: string[]) => {
      await ctld.scontrol('update', `nodename=${nodes.join(',')}`, 'state=power_up');
      await ctld.waitForState(nodes, /POWERING_UP/);
    };
    const resume = (nodes: string[], f = files) => runHook('resume', f, nodes.join(','), env);
    const expectOneEach = (nodes: string[]) => {
      const live = fake.live(nodes);
      expect(live.map((i) => i.node).sort()).toEqual([...nodes].sort());
    };

    beforeAll(async () => {
      // GCE operations take a while, as they do for real: the hooks must await them.
      fake = await startHookFake(kind, { gceOperationMs: 150 });
      const config = clusterConfig(kind);
      config.provider.endpoint = fake.endpoint;
      // These tests share one runtime and set capacity faults one after another: with the deny-list on,
      // a pair one test exhausted would be skipped by the next (capacity-deny.test.ts tests the list).
      config.reconcile = { intervalSeconds: 30, orphanGraceSeconds: 90, capacityDenySeconds: 0 };
      files = writeRuntime(config);
      ctld = await startSlurmctld({ nodes: [...names('c5', 1, 60), ...names('m5', 1, 6)].map((name) => ({ name })) });
      env = { SLURM_CONF: ctld.conf };
    }, 60_000);
    afterAll(async () => {
      await ctld?.stop();
      await fake?.stop();
    });

    it('launches two shapes across two zones, one launch call per shape and zone, and tells Slurm every address', async () => {
      // m5 has one instance type: no room for it in the first zone sends it to the second.
      fake.faults.capacity({ zone: kind === 'aws' ? 'us-east-1a' : 'europe-west4-a', instanceType: 'm5.large' });
      const nodes = [...names('c5', 1, 3), ...names('m5', 1, 2)];
      await powerUp(nodes);
      const run = await resume(nodes);
      fake.faults.clear();
      expect(run.code, run.stderr).toBe(0);
      const live = fake.live(nodes);
      expect(live.map((i) => `${i.node}@${i.zone}/${i.instanceType}`).sort()).toEqual(
        kind === 'aws'
          ? [
              'compute-c5-1@us-east-1a/c5.large',
              'compute-c5-2@us-east-1a/c5.large',
              'compute-c5-3@us-east-1a/c5.large',
              'compute-m5-1@us-east-1b/m5.large',
              'compute-m5-2@us-east-1b/m5.large',
            ]
          : [
              'compute-c5-1@europe-west4-a/c5.large',
              'compute-c5-2@europe-west4-a/c5.large',
              'compute-c5-3@europe-west4-a/c5.large',
              'compute-m5-1@europe-west4-b/m5.large',
              'compute-m5-2@europe-west4-b/m5.large',
            ],
      );
      // ceil(N / batch) = one launch call per shape, zone and type tried.
      const [zoneA, zoneB] = clusterConfig(kind).provider.zones as [string, string];
      expect(fake.launchKeys().sort()).toEqual([`c5.large@${zoneA}`, `m5.large@${zoneA}`, `m5.large@${zoneB}`]);
      const view = await ctld.showNodes();
      for (const i of live) expect(view.get(i.node)?.NodeAddr).toMatch(/^127\./);
      expect(new Set(nodes.map((n) => view.get(n)?.NodeAddr)).size).toBe(nodes.length);
    });

    it('is idempotent: a second run finds the instances and launches nothing', async () => {
      const nodes = [...names('c5', 1, 3), ...names('m5', 1, 2)];
      const before = fake.calls.filter((c) => c.operation === fake.launchOp).length;
      const run = await resume(nodes);
      expect(run.code).toBe(0);
      expect(fake.calls.filter((c) => c.operation === fake.launchOp)).toHaveLength(before);
      expectOneEach(nodes);
      const out = nodeOutcomes(files);
      expect(nodes.map((n) => out.get(n)?.outcome)).toEqual(nodes.map(() => 'running'));
    });

    it('overlapping runs started together (same and intersecting hostlists) launch each node once', async () => {
      const a = names('c5', 4, 9);
      const b = names('c5', 7, 12);
      await powerUp([...a, ...names('c5', 10, 12)]);
      const runs = await Promise.all([resume(a), resume(a), resume(b), resume(b)]);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expectOneEach(names('c5', 4, 12));
      // Locked nodes are skipped by the later runs, not launched again.
      const skipped = readLog(files).filter((r) => r.event === 'node' && r.outcome === 'skipped');
      const running = readLog(files).filter(
        (r) => r.event === 'node' && r.outcome === 'running' && a.concat(b).includes(String(r.node)),
      );
      expect(skipped.length + running.length).toBeGreaterThan(0);
    });

    it('recovers from throttling', async () => {
      const nodes = names('c5', 13);
      await powerUp(nodes);
      fake.faults.throttle(3, fake.launchOp);
      const run = await resume(nodes);
      fake.faults.clear();
      expect(run.code).toBe(0);
      expectOneEach(nodes);
      expect(fake.calls.filter((c) => c.operation === fake.launchOp && c.errorCode === fake.throttleCode)).toHaveLength(
        3,
      );
    });

    it('fails over on capacity: next type in the zone, then the next zone', async () => {
      const [zoneA, zoneB] = clusterConfig(kind).provider.zones as [string, string];
      fake.faults.capacity({ zone: zoneA, instanceType: 'c5.large' });
      const first = names('c5', 14, 15);
      await powerUp(first);
      expect((await resume(first)).code).toBe(0);
      expect(fake.live(first).map((i) => `${i.zone}/${i.instanceType}`)).toEqual([
        `${zoneA}/c5a.large`,
        `${zoneA}/c5a.large`,
      ]);
      fake.faults.capacity({ zone: zoneA });
      const second = names('c5', 16);
      await powerUp(second);
      expect((await resume(second)).code).toBe(0);
      expect(fake.live(second).map((i) => `${i.zone}/${i.instanceType}`)).toEqual([`${zoneB}/c5.large`]);
      fake.faults.clear();
    });

    it('with every option exhausted: exit 4, nodes DOWN with the cloud code, powered down, nothing left running', async () => {
      const zoneB = clusterConfig(kind).provider.zones[1] as string;
      fake.faults.capacity({});
      const nodes = names('c5', 17, 18);
      await powerUp(nodes);
      const run = await resume(nodes);
      fake.faults.clear();
      expect(run.code).toBe(4);
      const view = await ctld.showNodes();
      for (const n of nodes) {
        expect(view.get(n)?.Reason).toMatch(
          new RegExp(`^citc: ${fake.capacityCode} in ${zoneB} for c5a\\.large \\[root@`),
        );
        expect(view.get(n)?.State).toMatch(/DOWN/);
        expect(view.get(n)?.State).not.toMatch(/POWERING_UP/);
      }
      expect(fake.live(nodes)).toHaveLength(0);
      const failed = nodes.map((n) => nodeOutcomes(files).get(n));
      expect(failed.map((r) => [r?.outcome, r?.code])).toEqual(nodes.map(() => ['failed', fake.capacityCode]));
    });

    it('a partial launch keeps what came up and fails the rest', async () => {
      const [zoneA, zoneB] = clusterConfig(kind).provider.zones as [string, string];
      fake.faults.partial(1);
      fake.faults.capacity({ zone: zoneA, instanceType: 'c5a.large' });
      fake.faults.capacity({ zone: zoneB });
      const nodes = names('c5', 19, 21);
      await powerUp(nodes);
      const run = await resume(nodes);
      fake.faults.clear();
      expect(run.code).toBe(4);
      const live = fake.live(nodes);
      expect(live).toHaveLength(1);
      const kept = live[0]?.node as string;
      const view = await ctld.showNodes();
      expect(view.get(kept)?.NodeAddr).toMatch(/^127\./);
      expect(view.get(kept)?.State).not.toMatch(/DOWN/);
      for (const n of nodes.filter((x) => x !== kept)) {
        expect(view.get(n)?.State).toMatch(/DOWN/);
        expect(view.get(n)?.Reason).toMatch(new RegExp(`^citc: ${fake.capacityCode} in ${zoneB} for c5a\\.large`));
      }
    });

    it('suspend terminates present nodes, treats absent ones as done, and a second suspend finds all absent', async () => {
      // c5-1..3 are present (first test), c5-40 never launched: a half-present hostlist.
      const present = names('c5', 1, 3);
      const nodes = [...present, ...names('c5', 40)];
      const run = await runHook('suspend', files, hostlist(nodes), env);
      expect(run.code, run.stderr).toBe(0);
      // GCE delete operations take 150 ms here: the hook returns only once they are done.
      expect(fake.live(nodes)).toHaveLength(0);
      const out = nodeOutcomes(files);
      expect(out.get('compute-c5-40')?.outcome).toBe('absent');
      for (const n of present) expect(out.get(n)?.outcome).toBe('terminated');
      const again = await runHook('suspend', files, hostlist(present), env);
      expect(again.code).toBe(0);
      for (const n of present) expect(nodeOutcomes(files).get(n)?.outcome).toBe('absent');
    });

    it('resume-fail terminates what was started for the nodes', async () => {
      const nodes = names('c5', 4, 12);
      expect(fake.live(nodes)).toHaveLength(9);
      const run = await runHook('resume-fail', files, hostlist(nodes), env);
      expect(run.code).toBe(0);
      expect(fake.live(nodes)).toHaveLength(0);
    });

    it('a hook killed after the launch and before scontrol leaves nothing a second run cannot finish', async () => {
      const nodes = names('c5', 22, 24);
      await powerUp(nodes);
      let pid: number | undefined;
      const killed: HookRun = await runHook('resume', files, hostlist(nodes), env, {
        onSpawn: (child) => {
          pid = child.pid;
          fake.onInstance((e) => {
            if (e.type === 'created' && nodes.includes(e.node)) child.kill('SIGKILL');
          });
        },
      });
      expect(killed.signal).toBe('SIGKILL');
      // The precondition: instances exist, Slurm was never told, the dead run's locks are still on disk.
      expectOneEach(nodes);
      expect(readLog(files).some((r) => r.pid === pid && r.event === 'scontrol')).toBe(false);
      const view = await ctld.showNodes();
      for (const n of nodes) expect(view.get(n)?.State).toMatch(/POWERING_UP/);
      const launches = fake.calls.filter((c) => c.operation === fake.launchOp).length;

      const second = await resume(nodes);
      expect(second.code, second.stderr).toBe(0);
      expectOneEach(nodes);
      expect(fake.calls.filter((c) => c.operation === fake.launchOp)).toHaveLength(launches);
      const after = await ctld.showNodes();
      const ips = new Map(fake.live(nodes).map((i) => [i.node, i]));
      for (const n of nodes) {
        expect(after.get(n)?.NodeAddr).toMatch(/^127\./);
        expect(ips.has(n)).toBe(true);
      }
      const out = nodeOutcomes(files);
      expect(nodes.map((n) => out.get(n)?.outcome)).toEqual(nodes.map(() => 'running'));
      expect(readLog(files).some((r) => r.event === 'lock' && r.outcome === 'stale-lock-taken')).toBe(true);
    });

    // ResumeTimeout 10 s: the hook keeps 5 s (its minimum) for the cloud, the rest for telling Slurm.
    const tight = () => {
      const config = clusterConfig(kind, {
        slurm: {
          suspendTime: 300,
          resumeTimeout: 10,
          suspendTimeout: 10,
          resumeRate: 0,
          suspendRate: 0,
          hookLogFormat: 'text',
        },
      });
      config.provider.endpoint = fake.endpoint;
      return writeRuntime(config);
    };

    it('throttled on every call: the run gives up within its budget, fails the nodes in Slurm, nothing left running', async () => {
      const t = tight();
      const nodes = names('c5', 25, 26);
      await powerUp(nodes);
      fake.faults.throttle(1_000_000_000);
      const run = await resume(nodes, t);
      fake.faults.clear();
      expect(run.code).toBe(1);
      // The whole invocation, not each call, is bounded: it ends inside ResumeTimeout.
      expect(run.ms).toBeLessThan(10_000);
      const view = await ctld.showNodes();
      for (const n of nodes) {
        expect(view.get(n)?.Reason).toMatch(new RegExp(`^citc: ${fake.throttleCode} \\(cloud unavailable\\) \\[root@`));
        expect(view.get(n)?.State).toMatch(/DOWN/);
        expect(view.get(n)?.State).not.toMatch(/POWERING_UP/);
      }
      expect(fake.live(nodes)).toHaveLength(0);
      expect(readLog(t).filter((r) => r.event === 'api' && r.error === fake.throttleCode).length).toBeGreaterThan(3);
    });

    it('launches throttled past the budget: the nodes fail with the throttle code and the option tried', async () => {
      const t = tight();
      const zoneA = clusterConfig(kind).provider.zones[0] as string;
      const nodes = names('c5', 27, 28);
      await powerUp(nodes);
      fake.faults.throttle(1_000_000_000, fake.launchOp);
      const run = await resume(nodes, t);
      fake.faults.clear();
      expect(run.code).toBe(4);
      expect(run.ms).toBeLessThan(10_000);
      const view = await ctld.showNodes();
      for (const n of nodes) {
        expect(view.get(n)?.Reason).toMatch(
          new RegExp(`^citc: ${fake.throttleCode} in ${zoneA} for c5\\.large \\[root@`),
        );
        expect(view.get(n)?.State).not.toMatch(/POWERING_UP/);
      }
      expect(fake.live(nodes)).toHaveLength(0);
      expect(nodes.map((n) => nodeOutcomes(t).get(n)?.kind)).toEqual(['throttled', 'throttled']);
    });

    it('logs one line per API call with operation, count and ms, and an exit line with start-up time', () => {
      const log = readLog(files);
      const api = log.filter((r) => r.event === 'api');
      expect(api.length).toBeGreaterThan(0);
      for (const r of api)
        expect(r).toMatchObject({ op: expect.any(String), count: expect.any(Number), ms: expect.any(Number) });
      expect(log.some((r) => r.event === 'exit' && typeof r.firstApiMs === 'number')).toBe(true);
    });
  },
);
