import type { ClusterConfig, ReconcileConfig } from '../config/types.js';
import type { ReconcileSettings } from './classify.js';
import { DEFAULT_RECONCILE_SETTINGS } from './classify.js';

/** The schema's defaults (src/core/config/schema.ts), for runtimes rendered before `reconcile` existed. */
export const DEFAULT_RECONCILE_CONFIG: ReconcileConfig = {
  intervalSeconds: 30,
  orphanGraceSeconds: 90,
  capacityDenySeconds: 600,
};

export function reconcileConfigOf(config: ClusterConfig): ReconcileConfig {
  return { ...DEFAULT_RECONCILE_CONFIG, ...config.reconcile };
}

export function reconcileSettingsOf(config: ClusterConfig): ReconcileSettings {
  return { ...DEFAULT_RECONCILE_SETTINGS, orphanGraceMs: reconcileConfigOf(config).orphanGraceSeconds * 1000 };
}
