import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudAdapter } from '../../src/cloud/factory.js';
import { batch, cloudRuntime } from '../support/runtime.js';

/** The fakes as separate processes (as the e2e test runs them), driven over their HTTP control paths. */
let child: ResultPromise | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  await child?.catch(() => undefined);
  child = undefined;
});

async function serve(cloud: 'aws' | 'gcp', stateFile: string) {
  const proc = execa('node', ['--import', 'tsx', 'test/fakes/serve.ts', '--cloud', cloud, '--state-file', stateFile], {
    env: { NODE_NO_WARNINGS: '1' },
    buffer: false,
  });
  child = proc;
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const events: Record<string, string>[] = [];
  const first = await new Promise<{ port: number; endpoint: string }>((resolve) => {
    lines.once('line', (l) => resolve(JSON.parse(l)));
  });
  lines.on('line', (l) => events.push(JSON.parse(l)));
  return { ...first, events };
}

for (const cloud of ['aws', 'gcp'] as const) {
  describe(`serve.ts --cloud ${cloud}`, () => {
    it('prints its port, takes faults over HTTP, streams instance events and writes its state file', async () => {
      const stateFile = join(await mkdtemp(join(tmpdir(), 'citc-fake-')), 'state.json');
      const { endpoint, events } = await serve(cloud, stateFile);
      const zone = cloud === 'aws' ? 'us-east-1a' : 'europe-west4-a';
      const fault = await fetch(`${endpoint}/__fake/faults`, {
        method: 'POST',
        body: JSON.stringify({ capacity: [{ zone, times: 1 }], throttle: { count: 2 } }),
      });
      expect(fault.status).toBe(200);
      const rt = cloudRuntime(cloud, endpoint);
      const adapter = await createCloudAdapter(rt, { budgetMs: 10_000 });
      const refused = await adapter.launch(batch(rt, 'small', [1, 2], zone));
      expect(refused.failed.map((f) => f.kind)).toEqual(['capacity', 'capacity']);
      const ok = await adapter.launch(batch(rt, 'small', [1, 2], zone));
      expect(ok.launched).toHaveLength(2);
      await adapter.terminate(ok.launched);
      expect(await adapter.waitGone(ok.launched, Date.now() + 5000)).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect(events.map((e) => `${e.type}:${e.node}`).sort()).toEqual([
        'created:compute-small-1',
        'created:compute-small-2',
        'terminated:compute-small-1',
        'terminated:compute-small-2',
      ]);
      const ips = events.map((e) => e.ip);
      expect(ips.every((ip) => ip?.startsWith('127.'))).toBe(true);
      const state = (await (await fetch(`${endpoint}/__fake/state`)).json()) as { instances: { state?: string }[] };
      const file = JSON.parse(await readFile(stateFile, 'utf8')) as { instances: unknown[] };
      // Nothing leaked: EC2 keeps terminated instances visible, GCE drops deleted ones.
      if (cloud === 'aws') expect(state.instances.every((i) => i.state === 'terminated')).toBe(true);
      else expect(state.instances).toEqual([]);
      expect(file.instances).toHaveLength(state.instances.length);
      const calls = (await (await fetch(`${endpoint}/__fake/calls`)).json()) as { errorCode?: string }[];
      expect(
        calls.filter((c) => c.errorCode === (cloud === 'aws' ? 'RequestLimitExceeded' : 'rateLimitExceeded')),
      ).toHaveLength(2);
    }, 60_000);
  });
}
