import { ImagesClient } from '@google-cloud/compute/build/src/v1/images_client.js';
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { computeClientOptions } from '../../cloud/gcp/client-options.js';
import type { ClusterConfig } from '../../core/config/types.js';
import { TAG } from '../../core/naming.js';
import type { CloudImage, ManagementInstance, StatusCloud } from './types.js';

const last = (url: string | null | undefined) => (url ?? '').split('/').pop() ?? '';

export class GcpStatusCloud implements StatusCloud {
  private readonly instances: InstancesClient;
  private readonly imagesClient: ImagesClient;
  private readonly project: string;

  constructor(
    private readonly config: ClusterConfig,
    /** The management node's name and zone (the zone recorded at deploy). */
    private readonly management: { name: string; zone: string },
  ) {
    this.project = config.provider.project ?? '';
    const opts = computeClientOptions(config.provider.endpoint);
    this.instances = new InstancesClient(opts);
    this.imagesClient = new ImagesClient(opts);
  }

  async managementInstance(): Promise<ManagementInstance | undefined> {
    try {
      const [i] = await this.instances.get({
        project: this.project,
        zone: this.management.zone,
        instance: this.management.name,
      });
      const nic = i.networkInterfaces?.[0];
      const m: ManagementInstance = {
        id: i.name ?? this.management.name,
        name: i.name ?? this.management.name,
        state: i.status ?? 'unknown',
        machineType: last(i.machineType),
        zone: last(i.zone),
      };
      const nat = nic?.accessConfigs?.[0]?.natIP;
      if (nat) m.publicIp = nat;
      if (nic?.networkIP) m.privateIp = nic.networkIP;
      if (i.creationTimestamp) m.launchedAt = i.creationTimestamp;
      return m;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async images(): Promise<CloudImage[]> {
    const out: CloudImage[] = [];
    for await (const i of this.imagesClient.listAsync({
      project: this.project,
      filter: `labels.${TAG.gcp.cluster} = "${this.config.name}"`,
    })) {
      if (!i.name) continue;
      out.push({
        id: `projects/${this.project}/global/images/${i.name}`,
        name: i.name,
        ...(i.creationTimestamp && { createdAt: i.creationTimestamp }),
        ...(i.status && { state: i.status }),
        snapshots: [],
      });
    }
    return out.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  async deleteImage(image: CloudImage): Promise<void> {
    // Compute Engine deletes the image in the background; the next listing may still show it a moment.
    await this.imagesClient.delete({ project: this.project, image: image.name });
  }
}
