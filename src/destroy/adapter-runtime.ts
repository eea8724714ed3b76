import type { ClusterConfig } from '../core/config/types.js';
import { DEFAULT_HOOK_PATHS, type HookRuntime } from '../core/runtime.js';

/**
 * The cloud adapters are built from a HookRuntime; listing and terminating need only the cluster (its
 * name, zones, endpoint, project), not the launch settings, which may not exist after a half-finished
 * deploy. Launching with this runtime is not possible: it names no image, subnet or network.
 */
export function cleanupRuntime(config: ClusterConfig): HookRuntime {
  const runtime: HookRuntime = {
    version: 1,
    cluster: config,
    imageId: '',
    paths: DEFAULT_HOOK_PATHS,
    log: { format: 'text' },
  };
  if (config.provider.kind === 'aws') runtime.aws = { subnetIdsByZone: {}, securityGroupIds: [] };
  else runtime.gcp = { network: '', subnetwork: '', diskGb: config.management.diskGb };
  return runtime;
}
