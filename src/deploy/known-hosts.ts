import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { InstancesClient } from '@google-cloud/compute';
import { ANSIBLE_OUTPUTS, outputOf } from '../ansible/outputs.js';
import { computeClientOptions } from '../cloud/gcp/client-options.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';

/**
 * Ansible connects to the management node with StrictHostKeyChecking=yes against a known_hosts file that
 * citc writes from what the cloud says the node's host keys are, before the first connection:
 * - aws: cloud-init prints the host keys on the serial console (`-----BEGIN SSH HOST KEY KEYS-----`);
 *   EC2 GetConsoleOutput returns it through the API, authenticated, not through the network path
 *   Ansible then uses.
 * - gcp: the guest agent publishes the host keys as guest attributes (`hostkeys/`, enabled by the
 *   instance's `enable-guest-attributes` metadata), read with instances.getGuestAttributes.
 * citc does not generate the host key itself: a private key in user data or metadata is readable by any
 * process on the node through the metadata service and by anyone allowed to read the instance attributes.
 */
export function knownHostsPath(workDir: string): string {
  return join(workDir, 'known_hosts');
}

const HOST_KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa) ([A-Za-z0-9+/=]+)/;

/** Pure: the host keys in cloud-init's console block, as "type base64" pairs; [] until it is there. */
export function parseConsoleHostKeys(console: string): string[] {
  const begin = console.lastIndexOf('-----BEGIN SSH HOST KEY KEYS-----');
  if (begin < 0) return [];
  const end = console.indexOf('-----END SSH HOST KEY KEYS-----', begin);
  if (end < 0) return [];
  return console
    .slice(begin, end)
    .split(/\r?\n/)
    .map((l) => HOST_KEY_LINE.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

/** Pure: known_hosts lines for the address (and port) Ansible connects to. */
export function knownHostsText(host: string, keys: string[], port?: number): string {
  const name = port !== undefined && port !== 22 ? `[${host}]:${port}` : host;
  return keys.map((k) => `${name} ${k}\n`).join('');
}

export interface PinHostKeyOptions {
  config: ClusterConfig;
  workDir: string;
  outputs: Record<string, string | string[]>;
  /** Where Ansible connects, if not the recorded public address (a bastion's forward, a test). */
  host?: string;
  port?: number;
  /** How long to wait for the keys to appear (cloud-init prints them when boot ends). Default 10 min. */
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (line: string) => void;
}

async function awsHostKeys(config: ClusterConfig, instanceId: string): Promise<string[]> {
  const endpoint = config.provider.endpoint;
  const loopback = endpoint !== undefined && /^(localhost|127\.)/.test(new URL(endpoint).hostname);
  const client = new EC2Client({
    region: config.provider.region,
    ...(endpoint && { endpoint }),
    ...(loopback && { credentials: { accessKeyId: 'loopback', secretAccessKey: 'loopback' } }),
  });
  try {
    const out = await client.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
    return parseConsoleHostKeys(Buffer.from(out.Output ?? '', 'base64').toString('utf8'));
  } finally {
    client.destroy();
  }
}

async function gcpHostKeys(config: ClusterConfig, instance: string): Promise<string[]> {
  const client = new InstancesClient(computeClientOptions(config.provider.endpoint));
  try {
    const [attrs] = await client.getGuestAttributes({
      project: config.provider.project ?? '',
      // The management node's zone (deploy pins it: management.zone, else the zone it was applied in).
      zone: config.management.zone ?? config.provider.zones[0] ?? '',
      instance,
      queryPath: 'hostkeys/',
    });
    return (attrs.queryValue?.items ?? [])
      .filter((i) => i.namespace === 'hostkeys' && i.key && i.value)
      .map((i) => `${i.key} ${i.value}`)
      .filter((k) => HOST_KEY_LINE.test(k));
  } catch (err) {
    // 404 until the guest agent has published them.
    if ((err as { code?: number }).code === 5 || (err as { code?: number }).code === 404) return [];
    throw err;
  } finally {
    await client.close();
  }
}

/**
 * Learns the management node's host keys from the cloud (waiting for them to appear) and writes
 * .citc/<cluster>/known_hosts for the address Ansible connects to. Returns the file.
 */
export async function pinManagementHostKey(opts: PinHostKeyOptions): Promise<string> {
  const { config, outputs } = opts;
  const host = opts.host ?? outputOf(outputs, ANSIBLE_OUTPUTS.managementPublicIp);
  const instance = outputOf(outputs, 'management_instance');
  if (!host || !instance) {
    throw new CitcError('HOST_KEY_NO_INSTANCE', 'the deploy outputs name no management instance and address', {
      subject: config.name,
      remedy: 'Run `citc deploy` again: terraform records both.',
    });
  }
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const pollMs = opts.pollMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  opts.onProgress?.(`Waiting for the host keys of ${instance} from the ${config.provider.kind} API`);
  for (;;) {
    const keys =
      config.provider.kind === 'aws' ? await awsHostKeys(config, instance) : await gcpHostKeys(config, instance);
    if (keys.length > 0) {
      const file = knownHostsPath(opts.workDir);
      await mkdir(opts.workDir, { recursive: true });
      await writeFile(file, knownHostsText(host, keys, opts.port), { mode: 0o644 });
      opts.onProgress?.(`Pinned ${keys.length} host keys of ${host} in ${file}`);
      return file;
    }
    if (Date.now() >= deadline) {
      throw new CitcError(
        'HOST_KEY_NOT_PUBLISHED',
        `the management node did not publish its SSH host keys in ${Math.round(timeoutMs / 1000)} s`,
        {
          subject: instance,
          remedy:
            config.provider.kind === 'aws'
              ? 'Check the instance console (EC2 → Instance → Monitor → Get system log) for cloud-init errors, then run `citc deploy` again.'
              : 'Check that the guest agent runs (serial port output), then run `citc deploy` again.',
        },
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
