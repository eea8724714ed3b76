import { CitcError, ExitCode } from '../core/errors.js';
import type { ClusterState, ImageRecord } from '../core/state.js';

/** How many earlier images the state keeps for roll-back. */
export const IMAGE_HISTORY = 10;

/** Pure: the state with `image` as the current image and the old current first among the previous. */
export function recordImage(state: ClusterState, image: ImageRecord): ClusterState {
  const old = state.image;
  const previous = old ? [old.current, ...old.previous].filter((r) => r.id !== image.id).slice(0, IMAGE_HISTORY) : [];
  return { ...state, image: { current: image, previous } };
}

/**
 * Pure: the state with the newest previous image made current again. The image rolled back from
 * becomes the first previous one, so a second roll-back undoes the first.
 */
export function rollbackImage(state: ClusterState): ClusterState {
  const img = state.image;
  const target = img?.previous[0];
  if (!img || !target) {
    throw new CitcError('IMAGE_NO_PREVIOUS', 'there is no earlier compute image to roll back to', {
      subject: state.cluster,
      remedy: 'Only images built with `citc image rebuild` are recorded; build one with it.',
      exitCode: ExitCode.usage,
    });
  }
  return { ...state, image: { current: target, previous: [img.current, ...img.previous.slice(1)] } };
}
