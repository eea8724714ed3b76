import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import { emptyState } from '../../src/core/state.js';
import { clusterWorkDir, readState, statePath, writeState } from '../../src/state/file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-state-'));
});

async function failure(p: Promise<unknown>): Promise<CitcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CitcError);
  return err as CitcError;
}

describe('the state file', () => {
  it('lives in .citc/<cluster> beside citc.yaml unless overridden', () => {
    expect(clusterWorkDir('/home/a/prod/citc.yaml', 'hpc')).toBe('/home/a/prod/.citc/hpc');
    expect(clusterWorkDir('/home/a/prod/citc.yaml', 'hpc', '/var/citc')).toBe('/var/citc');
    expect(statePath('/w')).toBe('/w/state.json');
  });

  it('is undefined when missing (a cluster never deployed)', async () => {
    expect(await readState(join(dir, 'nope', 'state.json'))).toBeUndefined();
  });

  it('round-trips, is written 0600 and leaves no temporary file behind', async () => {
    const path = join(dir, 'w', 'state.json');
    const state = {
      ...emptyState('hpc', 'aws'),
      deploy: { stackDir: '/s', synthesizedAt: 't', outputs: { a: ['1', '2'], b: 'x' } },
    };
    await writeState(path, state);
    await writeState(path, state);
    expect(await readState(path)).toEqual(state);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'w'))).toEqual(['state.json']);
  });

  it('corrupt JSON is STATE_CORRUPT naming the file and what to do, not a crash', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{"version": 1, "cluster": "hp');
    const err = await failure(readState(path));
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.subject).toBe(path);
    expect(err.message).toMatch(/^the state file is not valid JSON \(/);
    expect(err.remedy).toContain('citc deploy');
    expect(err.toLine()).toMatch(/^\/.*state\.json: the state file is not valid JSON/);
  });

  it.each([
    ['an empty file', ''],
    ['null', 'null'],
    ['another version', '{"version": 2, "cluster": "hpc"}'],
    ['no cluster', '{"version": 1}'],
    ['a list', '[1,2]'],
  ])('%s is STATE_CORRUPT', async (_what, text) => {
    const path = join(dir, 'state.json');
    await writeFile(path, text);
    expect((await failure(readState(path))).code).toBe('STATE_CORRUPT');
  });

  it('an unreadable path (a directory) is STATE_UNREADABLE', async () => {
    const path = join(dir, 'state.json');
    await mkdir(path);
    const err = await failure(readState(path));
    expect(err.code).toBe('STATE_UNREADABLE');
    expect(err.subject).toBe(path);
  });
});
