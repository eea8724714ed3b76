import type { ClusterConfig, ShapeConfig } from '../core/config/types.js';
import type { NodeName } from '../core/naming.js';
import type { AwsLaunchSettings, GcpLaunchSettings } from '../core/runtime.js';

/**
 * The one interface both cloud adapters implement. The hooks and `citc destroy` speak only this;
 * SDK types never leave src/cloud/aws or src/cloud/gcp.
 */
export type CloudProvider = 'aws' | 'gcp';

/**
 * What an adapter is built from: the cluster, and for launches its image and launch settings (a
 * HookRuntime is one). Listing and terminating need the cluster only: destroy after a half-finished
 * deploy has nothing else; a launch without the settings fails with CLOUD_CONFIG.
 */
export interface CloudTarget {
  cluster: ClusterConfig;
  imageId?: string;
  aws?: AwsLaunchSettings;
  gcp?: GcpLaunchSettings;
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'terminated' | 'other';

export interface CloudInstance {
  /** EC2 instance id, or the GCE instance name (GCE operations address instances by name). */
  id: string;
  /** Cloud instance name: `<cluster>-<node>`. */
  name: string;
  node: string;
  cluster: string;
  zone: string;
  instanceType: string;
  state: InstanceState;
  privateIp?: string;
  launchedAt?: Date;
}

export interface LaunchBatch {
  /** All of one shape; at most the provider's launch batch size. */
  nodes: NodeName[];
  instanceType: string;
  zone: string;
  spot: boolean;
  shape: ShapeConfig;
  partition: string;
}

/** Why a node was not launched: 'capacity' fails over to the next type/zone, the rest are final. */
export type LaunchFailureKind = 'capacity' | 'quota' | 'throttled' | 'invalid' | 'timeout' | 'other';

export interface LaunchFailure {
  node: NodeName;
  /** The cloud's own code, e.g. InsufficientInstanceCapacity, ZONE_RESOURCE_POOL_EXHAUSTED. */
  code: string;
  message: string;
  kind: LaunchFailureKind;
}

export interface LaunchResult {
  launched: CloudInstance[];
  failed: LaunchFailure[];
}

export interface TerminateResult {
  /** Ids confirmed terminating or already gone. */
  terminated: string[];
  failed: { id: string; code: string; message: string }[];
}

export interface CloudAdapter {
  readonly provider: CloudProvider;
  /** Live (not terminated) instances of this cluster, optionally only these nodes. Filtered server-side. */
  list(nodes?: NodeName[]): Promise<CloudInstance[]>;
  /** One launch attempt of one batch in one (type, zone), in as few API calls as the API allows. Idempotent. */
  launch(batch: LaunchBatch): Promise<LaunchResult>;
  /** Terminate by id, batched; already gone counts as terminated. */
  terminate(instances: CloudInstance[]): Promise<TerminateResult>;
  /** Polls until none of these is live or `deadlineMs` (epoch ms, as Date.now()) passes; returns those still live. */
  waitGone(instances: CloudInstance[], deadlineMs: number): Promise<CloudInstance[]>;
}

/** One line per API call for the caller's log, and the counts the bench prints. */
export interface ApiCall {
  operation: string;
  /** Items the call covered (instances launched/terminated), 1 for a describe page. */
  count: number;
  ms: number;
  /** The cloud's error code when the call failed (including throttled attempts that were retried). */
  errorCode?: string;
}

export interface CloudAdapterOptions {
  /** Most ms any one call may take with its throttling retries; the adapter gives up with CLOUD_THROTTLED after it. */
  budgetMs?: number;
  /**
   * Epoch ms by which every call of this adapter must be over, retries and operation waits included: the
   * hook run's own deadline, so the budget covers the whole invocation rather than each call.
   */
  deadlineMs?: number;
  onApiCall?: (call: ApiCall) => void;
  /** Poll interval of waitGone and of GCE operations, ms. */
  pollMs?: number;
  /** Injected for tests; production uses the default credential chain (aws) / ADC (gcp). */
  credentials?: 'loopback' | 'default';
}
