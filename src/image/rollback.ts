import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { ImageRecord } from '../core/state.js';
import { readState, statePath, writeState } from '../state/file.js';
import { rollbackImage } from './history.js';

/** Makes the previous image current again in the state file; returns the new and the old current. */
export async function rollbackRecordedImage(
  config: ClusterConfig,
  workDir: string,
): Promise<{ current: ImageRecord; replaced: ImageRecord }> {
  const path = statePath(workDir);
  const state = await readState(path);
  if (!state) {
    throw new CitcError('IMAGE_NO_STATE', `no state file at ${path}`, {
      subject: config.name,
      remedy: 'Run `citc image rebuild` (or `citc deploy`) first.',
      exitCode: ExitCode.usage,
    });
  }
  const next = rollbackImage(state);
  await writeState(path, next);
  // rollbackImage guarantees both exist
  return { current: next.image?.current as ImageRecord, replaced: state.image?.current as ImageRecord };
}
