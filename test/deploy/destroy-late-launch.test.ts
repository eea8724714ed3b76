import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { destroyCluster } from '../../src/destroy/destroy.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { repoRoot, runCli } from '../support/cli.js';
import { loadExample } from '../support/cluster.js';
import { isolatedPath, standInTerraform } from './stand-in-terraform.js';

// slurmctld keeps running on the management node while destroy works, and resumes nodes for pending
// jobs: instances can appear after destroy listed them. Each test stands in for slurmctld by creating
// an instance of the cluster when the cloud reports one of the listed instances gone.
const FAST = { pollMs: 20 };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-destroy-late-'));
});

/** A deploy on record, so destroy goes on to terraform once the instances are gone. */
async function recordDeploy(workDir: string, cluster: string): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const deploy = {
    stackDir: join(workDir, 'infra', 'stacks', cluster),
    synthesizedAt: 'x',
    appliedAt: 'x',
    outputs: {},
  };
  await writeFile(join(workDir, 'state.json'), JSON.stringify({ version: 1, cluster, provider: 'aws', deploy }));
}

const awsTags = (cluster: string, node: string) => ({
  'citc:cluster': cluster,
  'citc:node': node,
  Name: `${cluster}-${node}`,
});

describe('destroyCluster on AWS with instances launched while it runs', () => {
  let fake: Ec2Fake;
  let config: ClusterConfig;

  beforeEach(async () => {
    fake = new Ec2Fake({ terminateDelayMs: 60 });
    await fake.start();
    config = await loadExample('aws');
    config.provider.endpoint = fake.endpoint;
    fake.seed(1, { tags: awsTags('hpc-aws', 'compute-c5-1') });
    fake.seed(1, { tags: { 'citc:cluster': 'hpc-aws', 'citc:role': 'management', Name: 'hpc-aws-mgmt' } });
    fake.seed(2, { tags: awsTags('hpc-aws2', 'compute-c5-1') });
  });
  afterEach(() => fake.stop());

  it('lists again after the wait and terminates what appeared, then runs terraform; the other cluster survives', async () => {
    const cloud = fake;
    let launched = 0;
    cloud.on('instance', (e) => {
      if (e.type === 'terminated' && e.cluster === 'hpc-aws' && launched === 0) {
        launched++;
        cloud.seed(1, { zone: 'us-east-1b', tags: awsTags('hpc-aws', 'compute-c5-2') });
      }
    });
    const workDir = join(dir, '.citc', 'hpc-aws');
    await recordDeploy(workDir, 'hpc-aws');
    const tf = await standInTerraform(dir);
    const lines: string[] = [];
    const r = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
      onProgress: (l) => lines.push(l),
    });
    expect(launched).toBe(1);
    // The instance that came late is gone too, and the other cluster's are untouched.
    expect(fake.live('hpc-aws').map((i) => i.tags.Name)).toEqual(['hpc-aws-mgmt']);
    expect(fake.live('hpc-aws2')).toHaveLength(2);
    expect(r.instances.rounds).toBe(2);
    expect(r.instances.found.map((i) => i.name)).toEqual(['hpc-aws-compute-c5-1', 'hpc-aws-compute-c5-2']);
    expect(r.instances.terminated).toHaveLength(2);
    expect(lines).toContain(
      'Round 2: 1 more compute instance(s) of hpc-aws were launched meanwhile; terminating hpc-aws-compute-c5-2',
    );
    expect(lines.some((l) => /^Waiting up to \d+ s for 1 instance\(s\) to be gone \(round 2\)/.test(l))).toBe(true);
    expect(lines).toContain('No more compute instances of hpc-aws appeared: 2 terminated in 2 round(s).');
    expect(r.infrastructure).toBe('destroyed');
  });

  it('gives up at the --wait deadline when instances keep appearing, and runs no terraform', async () => {
    // Handlers keep their own fake: a timer of this fake may still fire after the next test started.
    const cloud = fake;
    let n = 1;
    cloud.on('instance', (e) => {
      if (e.type === 'terminated' && e.cluster === 'hpc-aws')
        cloud.seed(1, { tags: awsTags('hpc-aws', `compute-c5-${++n}`) });
    });
    const workDir = join(dir, '.citc', 'hpc-aws');
    await recordDeploy(workDir, 'hpc-aws');
    const tf = await standInTerraform(dir);
    const started = Date.now();
    const err = await destroyCluster({
      config,
      workDir,
      waitMs: 1_000,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.code).toBe('DESTROY_INSTANCES_LEFT');
    expect(err.message).toMatch(/launched while destroy ran/);
    expect(err.remedy).toContain('slurmctld');
    expect((await tf.calls()).map((c) => c.args[0])).toEqual(['version']);
    expect(fake.live('hpc-aws2')).toHaveLength(2);
  });

  it('citc destroy --json reports the rounds and every instance terminated', async () => {
    const file = join(dir, 'citc.yaml');
    const text = await readFile(join(repoRoot, 'examples/aws.yaml'), 'utf8');
    await writeFile(file, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${fake.endpoint}`));
    const cloud = fake;
    let launched = false;
    cloud.on('instance', (e) => {
      if (e.type === 'terminated' && e.cluster === 'hpc-aws' && !launched) {
        launched = true;
        cloud.seed(1, { tags: awsTags('hpc-aws', 'compute-c5-7') });
      }
    });
    const r = await runCli(['destroy', file, '--yes', '--json'], { env: { PATH: await isolatedPath(dir) } });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.live('hpc-aws').map((i) => i.tags.Name)).toEqual(['hpc-aws-mgmt']);
    expect(fake.live('hpc-aws2')).toHaveLength(2);
    const out = JSON.parse(r.stdout);
    expect(out.instances.rounds).toBe(2);
    expect(out.instances.found.map((i: { name: string }) => i.name)).toEqual([
      'hpc-aws-compute-c5-1',
      'hpc-aws-compute-c5-7',
    ]);
  });
});

describe('destroyCluster on Google Cloud with instances launched while it runs', () => {
  let fake: GceFake;

  beforeEach(async () => {
    fake = new GceFake({ operationMs: 20 });
    await fake.start();
  });
  afterEach(() => fake.stop());

  it('deletes an instance created after the first list, in another zone, and keeps the other cluster', async () => {
    const config = await loadExample('gcp');
    config.provider.endpoint = fake.endpoint;
    const project = 'my-research-project';
    fake.seed(project, 'europe-west4-a', ['hpc-gcp-batch-n2-1'], { 'citc-cluster': 'hpc-gcp' });
    fake.seed(project, 'europe-west4-a', ['hpc-gcp-mgmt'], { 'citc-cluster': 'hpc-gcp', 'citc-role': 'management' });
    fake.seed(project, 'europe-west4-a', ['hpc-gcp2-batch-n2-1'], { 'citc-cluster': 'hpc-gcp2' });
    let launched = false;
    fake.on('instance', (e) => {
      if (e.type === 'terminated' && e.cluster === 'hpc-gcp' && !launched) {
        launched = true;
        fake.seed(project, 'europe-west4-b', ['hpc-gcp-gpu-t4-1'], { 'citc-cluster': 'hpc-gcp' });
      }
    });
    const r = await destroyCluster({
      config,
      workDir: join(dir, '.citc', 'hpc-gcp'),
      adapter: FAST,
      env: { PATH: await isolatedPath(dir) },
    });
    expect(launched).toBe(true);
    expect(fake.live('hpc-gcp').map((i) => i.name)).toEqual(['hpc-gcp-mgmt']);
    expect(fake.live('hpc-gcp2')).toHaveLength(1);
    expect(r.instances.rounds).toBe(2);
    expect(r.instances.found.map((i) => `${i.name}@${i.zone}`)).toEqual([
      'hpc-gcp-batch-n2-1@europe-west4-a',
      'hpc-gcp-gpu-t4-1@europe-west4-b',
    ]);
  });
});
