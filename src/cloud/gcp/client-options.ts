import type { InstancesClient } from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { isLoopbackEndpoint } from '../endpoint.js';

export type ComputeClientOptions = NonNullable<ConstructorParameters<typeof InstancesClient>[0]>;

/**
 * The options of every Compute Engine client citc makes: the REST fallback, at provider.endpoint when it
 * is set (a Private Service Connect endpoint, or a fake), with no credentials when `loopback` says so
 * (default: the endpoint is on this machine).
 */
export function computeClientOptions(
  endpoint: string | undefined,
  loopback = isLoopbackEndpoint(endpoint),
): ComputeClientOptions {
  const opts: ComputeClientOptions = { fallback: 'rest' };
  if (!endpoint) return opts;
  const u = new URL(endpoint);
  opts.apiEndpoint = u.hostname;
  opts.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443));
  (opts as { protocol?: string }).protocol = u.protocol.replace(':', '');
  // The SDK bundles its own google-auth-library; the instance is duck-typed.
  if (loopback) opts.authClient = new PassThroughClient() as unknown as typeof opts.authClient;
  return opts;
}
