import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { ClusterConfig } from '../../core/config/types.js';
import { TAG } from '../../core/naming.js';
import { type CloudImage, isLoopback, type ManagementInstance, type StatusCloud } from './types.js';

export class AwsStatusCloud implements StatusCloud {
  private readonly client: EC2Client;

  constructor(private readonly config: ClusterConfig) {
    const { region, endpoint } = config.provider;
    this.client = new EC2Client({
      region,
      ...(endpoint && { endpoint }),
      ...(isLoopback(endpoint) && { credentials: { accessKeyId: 'loopback', secretAccessKey: 'loopback' } }),
    });
  }

  async managementInstance(): Promise<ManagementInstance | undefined> {
    const out = await this.client.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${TAG.aws.cluster}`, Values: [this.config.name] },
          { Name: `tag:${TAG.aws.role}`, Values: ['management'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
        ],
      }),
    );
    const i = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
    if (!i?.InstanceId) return undefined;
    const m: ManagementInstance = {
      id: i.InstanceId,
      name: i.Tags?.find((t) => t.Key === 'Name')?.Value ?? i.InstanceId,
      state: i.State?.Name ?? 'unknown',
      machineType: i.InstanceType ?? '',
      zone: i.Placement?.AvailabilityZone ?? '',
    };
    if (i.PublicIpAddress) m.publicIp = i.PublicIpAddress;
    if (i.PrivateIpAddress) m.privateIp = i.PrivateIpAddress;
    if (i.LaunchTime) m.launchedAt = i.LaunchTime.toISOString();
    return m;
  }

  async images(): Promise<CloudImage[]> {
    const out = await this.client.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: `tag:${TAG.aws.cluster}`, Values: [this.config.name] }],
      }),
    );
    return (out.Images ?? [])
      .filter((i) => i.ImageId)
      .map((i) => ({
        id: i.ImageId as string,
        name: i.Name ?? '',
        ...(i.CreationDate && { createdAt: i.CreationDate }),
        ...(i.State && { state: i.State }),
        snapshots: (i.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [])),
      }))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  async deleteImage(image: CloudImage): Promise<void> {
    await this.client.send(new DeregisterImageCommand({ ImageId: image.id }));
    // A snapshot can be deleted only once no AMI uses it: after the deregistration.
    for (const id of image.snapshots) await this.client.send(new DeleteSnapshotCommand({ SnapshotId: id }));
  }
}
