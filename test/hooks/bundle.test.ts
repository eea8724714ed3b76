import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../core/plan/fixture.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { type Slurmctld, startSlurmctld } from '../support/slurmctld.js';
import { nodeOutcomes, readLog, runHook, writeRuntime } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The esbuild bundles (what the management node runs, without node_modules) against both fakes:
 * the GCE SDK's JSON protos and fallback REST path must survive bundling.
 */
describe('bundled hooks (scripts/bundle-hooks.mjs)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'citc-bundle-'));
  let ctld: Slurmctld;
  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-hooks.mjs'), '--outdir', outdir], { cwd: ROOT });
    ctld = await startSlurmctld({ nodes: ['compute-c5-1', 'compute-c5-2', 'compute-m5-1'].map((name) => ({ name })) });
  }, 120_000);
  afterAll(async () => ctld?.stop());

  it('ships only the Compute protos the hooks use (not the 11 MB of every API)', () => {
    const chunks = readdirSync(join(outdir, 'chunks')).filter((f) => f.endsWith('.mjs'));
    const text = chunks.map((f) => readFileSync(join(outdir, 'chunks', f), 'utf8'));
    expect(text.some((t) => t.includes('BulkInsertInstanceResource'))).toBe(true);
    expect(text.some((t) => t.includes('BackendBucket'))).toBe(false);
  });

  for (const kind of ['aws', 'gcp'] as const) {
    it(`${kind}: resume launches and suspend terminates, from the bundle`, async () => {
      const fake = kind === 'aws' ? new Ec2Fake() : new GceFake();
      await fake.start();
      try {
        const config = clusterConfig(kind);
        config.provider.endpoint = fake.endpoint;
        const files = writeRuntime(config);
        const env = { SLURM_CONF: ctld.conf };
        const resume = await runHook('resume', files, 'compute-c5-[1-2],compute-m5-1', env, { bundleDir: outdir });
        expect(resume.code, JSON.stringify(readLog(files).filter((r) => r.level !== 'info'))).toBe(0);
        const out = nodeOutcomes(files);
        expect(['compute-c5-1', 'compute-c5-2', 'compute-m5-1'].map((n) => out.get(n)?.outcome)).toEqual([
          'launched',
          'launched',
          'launched',
        ]);
        const nodes = await ctld.showNodes();
        expect(nodes.get('compute-c5-1')?.NodeAddr).toMatch(/^127\./);
        const suspend = await runHook('suspend', files, 'compute-c5-[1-2],compute-m5-1', env, { bundleDir: outdir });
        expect(suspend.code, suspend.stderr).toBe(0);
        const live = kind === 'aws' ? (fake as Ec2Fake).live('demo') : (fake as GceFake).live('demo');
        expect(live).toHaveLength(0);
        const exit = readLog(files).find((r) => r.hook === 'resume' && r.event === 'exit');
        expect(exit?.firstApiMs).toEqual(expect.any(Number));
        // The reconcile pass and the node table, from the bundle, as the timer and `citc status` run them
        // (asynchronously: the fake answers from this process).
        const bundled = async (name: string, ...args: string[]) =>
          (
            await promisify(execFile)(
              process.execPath,
              [join(outdir, `${name}.mjs`), '--runtime', files.runtimePath, ...args],
              { env },
            )
          ).stdout;
        const table = JSON.parse(await bundled('nodes', '--json'));
        expect(table.nodes.map((n: { node: string }) => n.node)).toEqual([
          'compute-c5-1',
          'compute-c5-2',
          'compute-m5-1',
        ]);
        expect(table.summary).toMatchObject({ nodes: 3 });
        const pass = JSON.parse(await bundled('reconcile', '--json'));
        expect(pass).toMatchObject({ dryRun: false, actions: expect.any(Array) });
        expect(readLog(files).find((r) => r.hook === 'reconcile' && r.event === 'exit')).toMatchObject({ code: 0 });
      } finally {
        await fake.stop();
      }
    }, 60_000);
  }
});
