import type { ShapeConfig } from '../config/types.js';
import type { LaunchOption } from './types.js';

/**
 * A shape's launch options in failover order: every instance type in the first zone, then the same
 * list in the next zone. Capacity is usually short for one type in one zone, so trying the other types
 * first keeps the nodes close to the cluster's first zone.
 */
export function launchOptions(shape: ShapeConfig, zones: readonly string[]): LaunchOption[] {
  const out: LaunchOption[] = [];
  for (const zone of zones) for (const instanceType of shape.instanceTypes) out.push({ zone, instanceType });
  return out;
}

export function describeOption(option: LaunchOption): string {
  return `${option.instanceType} in ${option.zone}`;
}
