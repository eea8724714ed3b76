/** What `citc status` shows of the management node, from the cloud. */
export interface ManagementInstance {
  /** EC2 instance id or GCE instance name. */
  id: string;
  name: string;
  /** The cloud's own state word: running, stopped, TERMINATED... */
  state: string;
  machineType: string;
  zone: string;
  publicIp?: string;
  privateIp?: string;
  launchedAt?: string;
}

/** One compute image of the cluster in the cloud (tagged/labelled with the cluster by `citc image rebuild`). */
export interface CloudImage {
  /** The id citc records: ami-... or projects/P/global/images/NAME. */
  id: string;
  name: string;
  createdAt?: string;
  state?: string;
  /** aws: the EBS snapshots behind the AMI, deleted with it. */
  snapshots: string[];
}

/** The calls status and the image commands need; one implementation per cloud, SDK types stay inside. */
export interface StatusCloud {
  managementInstance(): Promise<ManagementInstance | undefined>;
  images(): Promise<CloudImage[]>;
  /** Deletes an image (aws: deregister the AMI, then delete its snapshots). */
  deleteImage(image: CloudImage): Promise<void>;
}

export { isLoopbackEndpoint as isLoopback } from '../../cloud/endpoint.js';
