import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageRows } from '../../src/image/prune.js';
import { Ec2Fake } from '../fakes/ec2/server.js';
import { GceFake } from '../fakes/gce/server.js';
import { repoRoot, runCli } from '../support/cli.js';
import { loadExample } from '../support/cluster.js';

const at = (d: number) => new Date(Date.UTC(2026, 10, d));

async function clusterDir(
  kind: 'aws' | 'gcp',
  endpoint: string,
  image: object,
): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(join(tmpdir(), `citc-prune-${kind}-`));
  const config = join(dir, 'citc.yaml');
  const text = await readFile(join(repoRoot, `examples/${kind}.yaml`), 'utf8');
  await writeFile(config, text.replace(/^ {2}# endpoint: .*$/m, `  endpoint: ${endpoint}`));
  const name = kind === 'aws' ? 'hpc-aws' : 'hpc-gcp';
  await mkdir(join(dir, '.citc', name), { recursive: true });
  await writeFile(
    join(dir, '.citc', name, 'state.json'),
    JSON.stringify({ version: 1, cluster: name, provider: kind, image }),
  );
  return { dir, config };
}

describe('imageRows (pure)', () => {
  it('keeps current, previous and pinned; marks older and unrecorded for pruning; lists recorded images gone from the cloud', async () => {
    const config = { ...(await loadExample('aws')) };
    config.image = { ...config.image, id: 'ami-pinned' };
    const state = {
      version: 1 as const,
      cluster: 'hpc-aws',
      provider: 'aws' as const,
      image: {
        current: { id: 'ami-4', builtAt: 'd4' },
        previous: [
          { id: 'ami-3', builtAt: 'd3' },
          { id: 'ami-2', builtAt: 'd2' },
          { id: 'ami-gone', builtAt: 'd0' },
        ],
      },
    };
    const cloud = ['ami-4', 'ami-3', 'ami-2', 'ami-1', 'ami-pinned'].map((id) => ({ id, name: id, snapshots: [] }));
    expect(imageRows(config, state, cloud).map((r) => [r.id, r.role, r.keep, r.inCloud])).toEqual([
      ['ami-4', 'current', true, true],
      ['ami-3', 'previous', true, true],
      ['ami-2', 'older', false, true],
      ['ami-1', 'unrecorded', false, true],
      ['ami-pinned', 'pinned', true, true],
      ['ami-gone', 'older', false, false],
    ]);
  });
});

describe('citc image list / prune against the EC2 fake', () => {
  let ec2: Ec2Fake;
  beforeEach(async () => {
    ec2 = new Ec2Fake();
    await ec2.start();
  });
  afterEach(() => ec2.stop());

  it('deregisters the old AMIs and deletes their snapshots, keeping the recorded one and the one before it', async () => {
    const tags = { 'citc:cluster': 'hpc-aws', 'citc:role': 'compute-image' };
    const [a1, a2, a3, a4] = [1, 2, 3, 4].map((d) =>
      ec2.seedImage({ name: `citc-hpc-aws-compute-${d}`, tags, createdAt: at(d) }),
    );
    const other = ec2.seedImage({ name: 'citc-other-compute-1', tags: { 'citc:cluster': 'other' } });
    const { dir, config } = await clusterDir('aws', ec2.endpoint, {
      current: { id: a4?.id, builtAt: 'd4' },
      previous: [
        { id: a3?.id, builtAt: 'd3' },
        { id: a2?.id, builtAt: 'd2' },
      ],
    });
    const list = await runCli(['image', 'list', '--json', config]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).images.map((i: { role: string }) => i.role)).toEqual([
      'current',
      'previous',
      'older',
      'unrecorded',
    ]);

    const refused = await runCli(['image', 'prune', config]);
    expect(refused.code).toBe(5);
    expect(ec2.images.size).toBe(5);

    const r = await runCli(['image', 'prune', '--yes', '--json', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).deleted.map((d: { id: string }) => d.id)).toEqual([a2?.id, a1?.id]);
    expect([...ec2.images.keys()].sort()).toEqual([a3?.id, a4?.id, other.id].sort());
    expect(ec2.snapshots.has(a1?.snapshots[0] as string)).toBe(false);
    expect(ec2.snapshots.has(a3?.snapshots[0] as string)).toBe(true);
    expect(ec2.callsOf('DeregisterImage')).toHaveLength(2);
    expect(ec2.callsOf('DeleteSnapshot')).toHaveLength(2);
    const state = JSON.parse(await readFile(join(dir, '.citc/hpc-aws/state.json'), 'utf8'));
    expect(state.image.previous.map((p: { id: string }) => p.id)).toEqual([a3?.id]);

    const again = await runCli(['image', 'prune', '--yes', config]);
    expect(again.stdout).toContain('Nothing to prune.');
  }, 180_000);
});

describe('citc image prune against the Compute Engine fake', () => {
  let gce: GceFake;
  beforeEach(async () => {
    gce = new GceFake();
    await gce.start();
  });
  afterEach(() => gce.stop());

  it('deletes the older images of the cluster only', async () => {
    const labels = { 'citc-cluster': 'hpc-gcp', 'citc-role': 'compute-image' };
    const project = 'my-research-project';
    for (const d of [1, 2, 3]) gce.seedImage(project, `citc-hpc-gcp-compute-${d}`, labels, at(d).toISOString());
    gce.seedImage(project, 'citc-other-compute-1', { 'citc-cluster': 'other' });
    const id = (d: number) => `projects/${project}/global/images/citc-hpc-gcp-compute-${d}`;
    const { config } = await clusterDir('gcp', gce.endpoint, {
      current: { id: id(3), builtAt: 'd3' },
      previous: [{ id: id(2), builtAt: 'd2' }],
    });
    const r = await runCli(['image', 'prune', '--yes', '--json', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).deleted.map((d: { id: string }) => d.id)).toEqual([id(1)]);
    expect([...gce.images.keys()].sort()).toEqual(
      [
        `${project}/citc-hpc-gcp-compute-2`,
        `${project}/citc-hpc-gcp-compute-3`,
        `${project}/citc-other-compute-1`,
      ].sort(),
    );
  }, 90_000);
});
