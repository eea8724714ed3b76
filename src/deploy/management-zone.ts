import type { ClusterConfig } from '../core/config/types.js';
import { CitcError, ExitCode } from '../core/errors.js';
import type { ClusterState } from '../core/state.js';

/**
 * Pure: the config with management.zone decided. Written in citc.yaml: that zone (it must be one of
 * provider.zones). Else the zone the cluster was applied in, while it is still listed: reordering
 * provider.zones does not move the management node or its disk. Else the first zone.
 */
export function pinManagementZone(config: ClusterConfig, state: ClusterState | undefined): ClusterConfig {
  const zones = config.provider.zones;
  const asked = config.management.zone;
  if (asked !== undefined && !zones.includes(asked)) {
    throw new CitcError(
      'MANAGEMENT_ZONE_UNLISTED',
      `management.zone ${asked} is not one of provider.zones (${zones.join(', ')})`,
      {
        subject: 'management.zone',
        remedy: `Add ${asked} to provider.zones, or set management.zone to one of them.`,
        exitCode: ExitCode.usage,
      },
    );
  }
  const recorded = state?.deploy?.managementZone;
  const zone = asked ?? (recorded && zones.includes(recorded) ? recorded : (zones[0] as string));
  return { ...config, management: { ...config.management, zone } };
}
