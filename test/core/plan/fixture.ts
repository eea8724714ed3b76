import type { ShapeConfig } from '../../../src/core/config/types.js';
import { testCluster, shape as testShape } from '../../support/cluster.js';

/** The planner tests' short form of test/support's shape: maxNodes and spot by position. */
export function shape(name: string, instanceTypes: string[], maxNodes = 10, spot = false): ShapeConfig {
  return testShape(name, instanceTypes, { maxNodes, spot });
}

/** Two shapes in one partition, two zones: test/support's one test cluster. */
export const clusterConfig = testCluster;
