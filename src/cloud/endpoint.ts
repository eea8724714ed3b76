/** Whether a cloud API endpoint is on this machine (the fakes in tests), which takes no credentials. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host.startsWith('127.');
}
