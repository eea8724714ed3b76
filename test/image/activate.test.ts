import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import type { ClusterState } from '../../src/core/state.js';
import { activateImage } from '../../src/image/activate.js';
import { readState, statePath, writeState } from '../../src/state/file.js';
import { awsCluster } from '../support/cluster.js';

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'citc-activate-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const image = {
  current: { id: 'ami-0new', builtAt: '2026-11-22T00:00:00Z' },
  previous: [{ id: 'ami-0old', builtAt: '2026-11-01T00:00:00Z' }],
};

describe('activateImage', () => {
  it('has nothing to install on a cluster that is not deployed', async () => {
    await writeState(statePath(workDir), { version: 1, cluster: 'demo', provider: 'aws', image });
    expect(await activateImage({ workDir, config: awsCluster() })).toEqual({
      installed: false,
      reason: 'the cluster is not deployed yet: `citc deploy` installs it',
    });
  });

  it('runs the hooks role for real; an unreachable node is an error that keeps the recorded image', async () => {
    const state: ClusterState = {
      version: 1,
      cluster: 'demo',
      provider: 'aws',
      image,
      deploy: {
        stackDir: '/nowhere',
        synthesizedAt: '2026-11-22T00:00:00Z',
        appliedAt: '2026-11-22T00:05:00Z',
        outputs: {
          management_public_ip: '127.0.0.1',
          compute_subnet_ids: ['subnet-a', 'subnet-b'],
          compute_security_group_ids: ['sg-1'],
        },
      },
    };
    await writeState(statePath(workDir), state);
    const progress: string[] = [];
    const err = await activateImage({
      workDir,
      config: awsCluster(),
      inventory: { port: 1 },
      onProgress: (l) => progress.push(l),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).message).toMatch(
      /image is recorded, but installing it on the management node failed: .*127\.0\.0\.1 port 1/,
    );
    expect(progress.find((l) => l.startsWith('$ ansible-playbook'))).toMatch(/--tags hooks$/);
    expect((await readState(statePath(workDir)))?.image).toEqual(image);
  });
});
