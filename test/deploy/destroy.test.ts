import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { CitcError } from '../../src/core/errors.js';
import { destroyCluster } from '../../src/destroy/destroy.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { loadExample } from '../support/cluster.js';
import { isolatedPath, standInTerraform } from './stand-in-terraform.js';

const FAST = { pollMs: 20 };
let dir: string;
let workDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-destroy-'));
});

async function recordDeploy(cluster: string, provider: 'aws' | 'gcp'): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const state = {
    version: 1,
    cluster,
    provider,
    deploy: {
      stackDir: join(workDir, 'infra', 'stacks', cluster),
      synthesizedAt: 'x',
      appliedAt: 'x',
      outputs: { management_public_ip: '198.51.100.7' },
    },
    image: { current: { id: 'ami-0abc', builtAt: 'x' }, previous: [] },
  };
  await writeFile(join(workDir, 'state.json'), JSON.stringify(state));
}

async function readState(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(workDir, 'state.json'), 'utf8'));
}

describe('destroyCluster on AWS (the real EC2 client against the loopback fake)', () => {
  let fake: Ec2Fake;
  let config: ClusterConfig;

  beforeEach(async () => {
    fake = new Ec2Fake({ terminateDelayMs: 60 });
    await fake.start();
    config = await loadExample('aws');
    config.provider.endpoint = fake.endpoint;
    workDir = join(dir, '.citc', 'hpc-aws');
    for (const n of [1, 2, 3])
      fake.seed(1, {
        tags: { 'citc:cluster': 'hpc-aws', 'citc:node': `compute-c5-${n}`, Name: `hpc-aws-compute-c5-${n}` },
      });
    // One RunInstances of two nodes: only the hostlist tag names them.
    fake.seed(2, { zone: 'us-east-1b', tags: { 'citc:cluster': 'hpc-aws', 'citc:nodes': 'compute-spot-[1-2]' } });
    fake.seed(1, { tags: { 'citc:cluster': 'hpc-aws', 'citc:role': 'management', Name: 'hpc-aws-mgmt' } });
    fake.seed(2, { tags: { 'citc:cluster': 'hpc-aws2', 'citc:node': 'compute-c5-1', Name: 'hpc-aws2-compute-c5-1' } });
    fake.seed(1, { tags: { Name: 'someone-elses' } });
  });
  afterEach(() => fake.stop());

  it('terminates every compute instance of the cluster, waits until they are gone, then runs terraform destroy', async () => {
    await recordDeploy('hpc-aws', 'aws');
    const tf = await standInTerraform(dir);
    const lines: string[] = [];
    const r = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
      onProgress: (l) => lines.push(l),
    });
    expect(r.instances.found.map((i) => i.name).sort()).toEqual([
      'hpc-aws-compute-c5-1',
      'hpc-aws-compute-c5-2',
      'hpc-aws-compute-c5-3',
      'hpc-aws-compute-spot-1',
      'hpc-aws-compute-spot-2',
    ]);
    // Gone (terminated, not shutting-down) before terraform ran.
    expect(fake.live('hpc-aws').map((i) => i.tags.Name)).toEqual(['hpc-aws-mgmt']);
    expect(fake.live('hpc-aws2')).toHaveLength(2);
    expect(fake.live().filter((i) => i.tags.Name === 'someone-elses')).toHaveLength(1);
    expect((await tf.calls()).map((c) => c.args.slice(0, 2))).toEqual([
      ['version', '-json'],
      ['init', '-input=false'],
      ['destroy', '-auto-approve'],
    ]);
    expect(r.infrastructure).toBe('destroyed');
    expect(r.instances.rounds).toBe(1);
    const s = await readState();
    expect(s.deploy).toBeUndefined();
    expect(s.image).toBeDefined();
    expect(lines.some((l) => /^Waiting up to (600|599) s for 5 instance\(s\) to be gone \(round 1\)/.test(l))).toBe(
      true,
    );
    expect(lines).toContain('Destroy complete! Resources: 21 destroyed.');
  });

  it('is safe to run twice: the second run finds nothing and runs no terraform', async () => {
    await recordDeploy('hpc-aws', 'aws');
    const tf = await standInTerraform(dir);
    const env = { PATH: await isolatedPath(dir, tf.binDir) };
    await destroyCluster({ config, workDir, adapter: FAST, env });
    const before = (await tf.calls()).length;
    const again = await destroyCluster({ config, workDir, adapter: FAST, env });
    expect(again).toMatchObject({ infrastructure: 'none', instances: { found: [], rounds: 0 } });
    expect((await tf.calls()).length).toBe(before);
    expect(fake.live('hpc-aws2')).toHaveLength(2);
  });

  it('after a deploy that never recorded anything (no state, no stack dir) still terminates the instances', async () => {
    const lines: string[] = [];
    const r = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir) },
      onProgress: (l) => lines.push(l),
    });
    expect(r.infrastructure).toBe('none');
    expect(r.instances.found).toHaveLength(5);
    expect(fake.live('hpc-aws')).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^No infrastructure is recorded for hpc-aws in .*: nothing more to destroy\.$/);
  });

  it('runs terraform destroy when only Terraform state remains (the stack dir was deleted), re-synthesizing the stack', async () => {
    await mkdir(workDir, { recursive: true });
    await writeFile(
      join(workDir, 'terraform.tfstate'),
      JSON.stringify({ version: 4, resources: [{ type: 'aws_vpc' }] }),
    );
    const tf = await standInTerraform(dir);
    const r = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(r.infrastructure).toBe('destroyed');
    const destroy = (await tf.calls()).find((c) => c.args[0] === 'destroy');
    expect(destroy?.hasStack).toBe(true);
  });

  it('with infrastructure recorded but no terraform: exit 3 before terminating anything', async () => {
    await recordDeploy('hpc-aws', 'aws');
    const err = await destroyCluster({ config, workDir, adapter: FAST, env: { PATH: await isolatedPath(dir) } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(CitcError);
    expect(err.exitCode).toBe(3);
    expect(fake.live('hpc-aws')).toHaveLength(6);
  });

  it('keeps the deploy record when terraform destroy fails', async () => {
    await recordDeploy('hpc-aws', 'aws');
    const tf = await standInTerraform(dir, { destroyExit: 1 });
    const err = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err.code).toBe('TERRAFORM_FAILED');
    expect(err.remedy).toContain('citc destroy');
    expect((await readState()).deploy).toBeDefined();
  });

  it('reports instances still shutting down after --wait and leaves the infrastructure', async () => {
    await fake.stop();
    fake = new Ec2Fake({ terminateDelayMs: 5_000 });
    await fake.start();
    config.provider.endpoint = fake.endpoint;
    fake.seed(1, { tags: { 'citc:cluster': 'hpc-aws', 'citc:node': 'compute-c5-1' } });
    await recordDeploy('hpc-aws', 'aws');
    const tf = await standInTerraform(dir);
    const err = await destroyCluster({
      config,
      workDir,
      waitMs: 100,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    }).catch((e) => e);
    expect(err.code).toBe('DESTROY_INSTANCES_LEFT');
    expect(err.message).toContain('hpc-aws-compute-c5-1');
    expect((await tf.calls()).map((c) => c.args[0])).toEqual(['version']);
  });

  it('stops with a clear error on a corrupt state file, touching nothing', async () => {
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, 'state.json'), '{"version": 1, "clus');
    const err = await destroyCluster({ config, workDir, adapter: FAST, env: { PATH: await isolatedPath(dir) } }).catch(
      (e) => e,
    );
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.subject).toBe(join(workDir, 'state.json'));
    expect(fake.live('hpc-aws')).toHaveLength(6);
  });
});

describe('destroyCluster on Google Cloud (the real Compute client against the loopback fake)', () => {
  let fake: GceFake;

  beforeEach(async () => {
    fake = new GceFake({ operationMs: 20 });
    await fake.start();
    workDir = join(dir, '.citc', 'hpc-gcp');
  });
  afterEach(() => fake.stop());

  it('deletes the cluster compute instances in every zone, keeps the management node and the other cluster', async () => {
    const config = await loadExample('gcp');
    config.provider.endpoint = fake.endpoint;
    const project = 'my-research-project';
    fake.seed(project, 'europe-west4-a', ['hpc-gcp-batch-n2-1', 'hpc-gcp-batch-n2-2'], { 'citc-cluster': 'hpc-gcp' });
    fake.seed(project, 'europe-west4-b', ['hpc-gcp-gpu-t4-1'], { 'citc-cluster': 'hpc-gcp' });
    fake.seed(project, 'europe-west4-a', ['hpc-gcp-mgmt'], { 'citc-cluster': 'hpc-gcp', 'citc-role': 'management' });
    fake.seed(project, 'europe-west4-a', ['hpc-gcp2-batch-n2-1'], { 'citc-cluster': 'hpc-gcp2' });
    await recordDeploy('hpc-gcp', 'gcp');
    const tf = await standInTerraform(dir, { name: 'tofu', version: '1.8.3' });
    const r = await destroyCluster({
      config,
      workDir,
      adapter: FAST,
      env: { PATH: await isolatedPath(dir, tf.binDir) },
    });
    expect(r.instances.found.map((i) => i.name).sort()).toEqual([
      'hpc-gcp-batch-n2-1',
      'hpc-gcp-batch-n2-2',
      'hpc-gcp-gpu-t4-1',
    ]);
    expect(fake.live('hpc-gcp').map((i) => i.name)).toEqual(['hpc-gcp-mgmt']);
    expect(fake.live('hpc-gcp2')).toHaveLength(1);
    expect(r).toMatchObject({ infrastructure: 'destroyed', tool: { name: 'tofu' } });
  });
});
