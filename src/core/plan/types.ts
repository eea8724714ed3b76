import type { NodeName } from '../naming.js';

/**
 * The vocabulary the resume/suspend planners speak. Cloud adapters translate these to their own
 * request types; the planners never see an SDK.
 */

/** An instance that exists in the cloud for one of our nodes (as seen by a list call). */
export interface LiveInstance {
  node: string;
  id: string;
  /** The cloud's instance name (`<cluster>-<node>`); absent where only the id is known. */
  name?: string;
  /** Private address Slurm should use; absent while the cloud has not assigned one yet. */
  privateIp?: string;
  hostname?: string;
  /**
   * Only 'pending'/'running' count as up for resume. 'stopping' instances are on their way out: resume
   * launches anew, suspend still waits for them. 'other' (stopped, suspended): resume clears and relaunches.
   */
  state?: 'pending' | 'running' | 'stopping' | 'other';
  /** Where and as what it runs, and when it was launched (epoch ms): for reconcile and `citc nodes`. */
  zone?: string;
  instanceType?: string;
  launchedAt?: number;
}

/** Where and as what to launch: one entry of a shape's failover list. */
export interface LaunchOption {
  zone: string;
  instanceType: string;
}

/** One launch call's worth of nodes: same shape, same option, at most the provider's batch size. */
export interface PlannedBatch {
  partition: string;
  shape: string;
  spot: boolean;
  option: LaunchOption;
  nodes: NodeName[];
}

/** Why a node could not be launched; 'capacity' fails over, 'throttled' retries, the rest are final. */
export type LaunchFailureKind = 'capacity' | 'quota' | 'throttled' | 'invalid' | 'timeout' | 'other';

export interface LaunchedNode {
  node: NodeName;
  instanceId: string;
  privateIp?: string;
  hostname?: string;
}

export interface FailedNode {
  node: NodeName;
  kind: LaunchFailureKind;
  /** The cloud's own error code, e.g. InsufficientInstanceCapacity, ZONE_RESOURCE_POOL_EXHAUSTED. */
  code: string;
  message: string;
}

/** What one launch call came back with. Nodes of the batch in neither list count as failed ('other'). */
export interface BatchOutcome {
  batch: PlannedBatch;
  launched: LaunchedNode[];
  failed: FailedNode[];
}

/** The final word on one node. */
export type NodeOutcome =
  | { node: NodeName; status: 'running'; instanceId: string; privateIp?: string; hostname?: string }
  | {
      node: NodeName;
      status: 'launched';
      instanceId: string;
      privateIp?: string;
      hostname?: string;
      option: LaunchOption;
    }
  | {
      node: NodeName;
      status: 'failed';
      kind: LaunchFailureKind;
      code: string;
      message: string;
      /** The option tried last; absent when the node was never tried (unknown name). */
      option?: LaunchOption;
    };
