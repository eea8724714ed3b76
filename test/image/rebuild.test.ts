import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CitcError, ExitCode } from '../../src/core/errors.js';
import type { ClusterState } from '../../src/core/state.js';
import { rebuildImage } from '../../src/image/rebuild.js';
import { rollbackRecordedImage } from '../../src/image/rollback.js';
import { readState, statePath, writeState } from '../../src/state/file.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';
import { standInPacker } from './stand-in-packer.js';

const AWS_OK = [
  '1700000000,,ui,say,==> amazon-ebs.compute: Prevalidating any provided VPC information',
  '1700000001,,ui,say,==> amazon-ebs.compute: Creating temporary keypair: packer_1',
  "1700000100,,ui,say,Build 'amazon-ebs.compute' finished after 5 minutes.",
  '1700000100,amazon-ebs.compute,artifact-count,1',
  '1700000100,amazon-ebs.compute,artifact,0,builder-id,mitchellh.amazonebs',
  '1700000100,amazon-ebs.compute,artifact,0,id,eu-west-1:ami-0aaa%!(PACKER_COMMA)us-east-1:ami-0new',
  '1700000100,amazon-ebs.compute,artifact,0,end',
];

let dir: string;
let workDir: string;
const now = () => new Date('2026-11-22T12:00:00Z');

/** What `citc deploy` leaves for the image build: the management node's Slurm version. */
async function withSlurmVersion(): Promise<void> {
  await mkdir(join(workDir, 'ansible'), { recursive: true });
  await writeFile(join(workDir, 'ansible', 'slurm-version'), '22.05.8-4+deb12u3\n');
}

const existing: ClusterState = {
  version: 1,
  cluster: 'demo',
  provider: 'aws',
  image: {
    current: { id: 'ami-0old', builtAt: '2026-11-01T00:00:00Z' },
    previous: [{ id: 'ami-0older', builtAt: '2026-10-01T00:00:00Z' }],
  },
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-rebuild-'));
  workDir = join(dir, 'work');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rebuildImage with a stand-in packer', () => {
  it('records the new AMI of the cluster region and keeps the old one for roll-back (packer 1.6: no init)', async () => {
    const packer = await standInPacker(dir, { version: '1.6.6', buildOutput: AWS_OK, buildExit: 0 });
    await withSlurmVersion();
    await writeState(statePath(workDir), existing);
    const progress: string[] = [];
    const r = await rebuildImage({
      config: awsCluster(),
      workDir,
      now,
      env: { PATH: `${packer.binDir}:/usr/bin:/bin` },
      onProgress: (l) => progress.push(l),
    });
    expect(r.id).toBe('ami-0new');
    expect(r.previousId).toBe('ami-0old');
    expect(r.packerVersion).toBe('1.6.6');
    const state = await readState(statePath(workDir));
    expect(state?.image).toEqual({
      current: { id: 'ami-0new', builtAt: '2026-11-22T12:00:00.000Z' },
      previous: [
        { id: 'ami-0old', builtAt: '2026-11-01T00:00:00Z' },
        { id: 'ami-0older', builtAt: '2026-10-01T00:00:00Z' },
      ],
    });
    const calls = await packer.calls();
    expect(calls.map((c) => c[0])).toEqual(['version', 'build']);
    expect(calls[1]).toEqual([
      'build',
      '-machine-readable',
      '-color=false',
      join(workDir, 'packer', 'compute.pkr.hcl'),
    ]);
    expect(progress).toContain('==> amazon-ebs.compute: Creating temporary keypair: packer_1');
    // the template packer was given is the rendered one, pointing at the rendered group vars
    const hcl = await readFile(join(workDir, 'packer', 'compute.pkr.hcl'), 'utf8');
    expect(hcl).toContain(`"@${join(workDir, 'ansible', 'group_vars.yml')}"`);

    // and roll-back swaps them back
    const rb = await rollbackRecordedImage(awsCluster(), workDir);
    expect(rb.current.id).toBe('ami-0old');
    expect(rb.replaced.id).toBe('ami-0new');
    expect((await readState(statePath(workDir)))?.image?.previous.map((p) => p.id)).toEqual(['ami-0new', 'ami-0older']);
  });

  it('runs packer init on the template directory first with packer >= 1.7, and records a gcp image path', async () => {
    const out = ['1700000100,googlecompute.compute,artifact,0,id,citc-gdemo-compute-20261122120000'];
    const packer = await standInPacker(dir, { version: '1.11.2', buildOutput: out, buildExit: 0 });
    await withSlurmVersion();
    const r = await rebuildImage({
      config: gcpCluster(),
      workDir,
      now,
      env: { PATH: `${packer.binDir}:/usr/bin:/bin` },
    });
    expect(r.id).toBe('projects/citc-test/global/images/citc-gdemo-compute-20261122120000');
    expect(r.previousId).toBeUndefined();
    const calls = await packer.calls();
    const pdir = join(workDir, 'packer');
    expect(calls).toEqual([['version'], ['init', pdir], ['build', '-machine-readable', '-color=false', pdir]]);
    const state = await readState(statePath(workDir));
    expect(state?.image?.current.id).toBe(r.id);
    expect(state?.image?.previous).toEqual([]);
  });

  it('leaves the recorded image untouched when the build fails, and says why', async () => {
    const fail = [
      '1700000000,,ui,say,==> amazon-ebs.compute: Launching a source AWS instance...',
      "1700000010,,ui,error,Build 'amazon-ebs.compute' errored after 10 seconds: UnauthorizedOperation: not allowed",
    ];
    const packer = await standInPacker(dir, { version: '1.6.6', buildOutput: fail, buildExit: 1 });
    await withSlurmVersion();
    await writeState(statePath(workDir), existing);
    const before = await readFile(statePath(workDir), 'utf8');
    const err = await rebuildImage({
      config: awsCluster(),
      workDir,
      env: { PATH: `${packer.binDir}:/usr/bin:/bin` },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('PACKER_FAILED');
    expect((err as CitcError).message).toContain('UnauthorizedOperation: not allowed');
    expect((err as CitcError).remedy).toContain('recorded image is unchanged');
    expect(await readFile(statePath(workDir), 'utf8')).toBe(before);
  });

  it('leaves the recorded image untouched when packer succeeds without an artifact id', async () => {
    const packer = await standInPacker(dir, {
      version: '1.6.6',
      buildOutput: ['1700000000,,ui,say,nothing built'],
      buildExit: 0,
    });
    await withSlurmVersion();
    await writeState(statePath(workDir), existing);
    const err = await rebuildImage({
      config: awsCluster(),
      workDir,
      env: { PATH: `${packer.binDir}:/usr/bin:/bin` },
    }).catch((e: unknown) => e);
    expect((err as CitcError).code).toBe('PACKER_NO_ARTIFACT');
    expect((await readState(statePath(workDir)))?.image).toEqual(existing.image);
  });

  it('fails with exit code 3 and what to install when packer is not on PATH', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const err = await rebuildImage({ config: awsCluster(), workDir, env: { PATH: empty } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).exitCode).toBe(ExitCode.missingTool);
    expect((err as CitcError).toLine()).toMatch(/packer is not installed.*apt-get install packer/);
  });

  it('refuses to build before deploy recorded the Slurm version, without calling packer build', async () => {
    const packer = await standInPacker(dir, { version: '1.6.6', buildOutput: AWS_OK, buildExit: 0 });
    const err = await rebuildImage({
      config: awsCluster(),
      workDir,
      env: { PATH: `${packer.binDir}:/usr/bin:/bin` },
    }).catch((e: unknown) => e);
    expect((err as CitcError).code).toBe('IMAGE_NO_SLURM_VERSION');
    expect((err as CitcError).remedy).toContain('citc deploy');
    expect((await packer.calls()).map((c) => c[0])).toEqual(['version']);
  });
});
