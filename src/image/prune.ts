import type { ClusterConfig } from '../core/config/types.js';
import type { ClusterState } from '../core/state.js';
import type { CloudImage } from '../status/cloud/types.js';

export type ImageRole = 'current' | 'previous' | 'older' | 'pinned' | 'unrecorded';

/** One image of the cluster: in the cloud, recorded in the state, or both. */
export interface ImageRow {
  id: string;
  name: string;
  createdAt?: string;
  /** current: what compute nodes boot; previous: the roll-back target; pinned: image.id in citc.yaml. */
  role: ImageRole;
  /** Still exists in the cloud. */
  inCloud: boolean;
  /** `citc image prune` leaves it. */
  keep: boolean;
  snapshots: string[];
}

/**
 * Pure: every image with its role. Kept: the recorded image, the one before it (`citc image rollback`'s
 * target) and an image pinned in citc.yaml; every other image of the cluster in the cloud is pruned.
 */
export function imageRows(
  config: ClusterConfig,
  state: ClusterState | undefined,
  cloud: readonly CloudImage[],
): ImageRow[] {
  const current = state?.image?.current.id;
  const previous = state?.image?.previous ?? [];
  const roleOf = (id: string): ImageRole => {
    if (id === current) return 'current';
    if (id === previous[0]?.id) return 'previous';
    if (id === config.image.id) return 'pinned';
    return previous.some((p) => p.id === id) ? 'older' : 'unrecorded';
  };
  const rows: ImageRow[] = cloud.map((i) => {
    const role = roleOf(i.id);
    return {
      id: i.id,
      name: i.name,
      ...(i.createdAt && { createdAt: i.createdAt }),
      role,
      inCloud: true,
      keep: role === 'current' || role === 'previous' || role === 'pinned',
      snapshots: i.snapshots,
    };
  });
  const seen = new Set(cloud.map((i) => i.id));
  const recorded = [...(state?.image ? [state.image.current] : []), ...previous];
  for (const r of recorded) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const role = roleOf(r.id);
    rows.push({
      id: r.id,
      name: '',
      createdAt: r.builtAt,
      role,
      inCloud: false,
      keep: role !== 'older',
      snapshots: [],
    });
  }
  return rows;
}

/** Pure: the state without the pruned images in its roll-back list. */
export function withoutImages(state: ClusterState, ids: ReadonlySet<string>): ClusterState {
  if (!state.image) return state;
  return { ...state, image: { ...state.image, previous: state.image.previous.filter((p) => !ids.has(p.id)) } };
}
