import type { CloudAdapter, CloudAdapterOptions, CloudTarget } from './types.js';

/**
 * The adapter of the cluster's provider. Each adapter module is imported lazily so a hook loads one
 * SDK only (@aws-sdk/client-ec2 or @google-cloud/compute), never both.
 */
export async function createCloudAdapter(runtime: CloudTarget, opts: CloudAdapterOptions = {}): Promise<CloudAdapter> {
  if (runtime.cluster.provider.kind === 'aws') {
    const { AwsAdapter } = await import('./aws/adapter.js');
    return new AwsAdapter(runtime, opts);
  }
  const { GcpAdapter } = await import('./gcp/adapter.js');
  return new GcpAdapter(runtime, opts);
}
