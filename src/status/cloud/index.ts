import type { ClusterConfig } from '../../core/config/types.js';
import type { ClusterState } from '../../core/state.js';
import { managementHostName } from '../../render/slurm-conf.js';
import type { StatusCloud } from './types.js';

/** The status/image calls of the cluster's cloud; only that cloud's SDK is loaded. */
export async function statusCloud(config: ClusterConfig, state: ClusterState | undefined): Promise<StatusCloud> {
  if (config.provider.kind === 'aws') {
    const { AwsStatusCloud } = await import('./aws.js');
    return new AwsStatusCloud(config);
  }
  const { GcpStatusCloud } = await import('./gcp.js');
  const zone = state?.deploy?.managementZone ?? config.management.zone ?? (config.provider.zones[0] as string);
  return new GcpStatusCloud(config, { name: managementHostName(config.name), zone });
}
