import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startEc2Cloud } from './cloud-ec2.js';
import { startGceCloud } from './cloud-gce.js';

/**
 * The lab's cloud, run inside the lab's network namespace (`ip netns exec <lab> node --import tsx
 * test/lab/cloud.ts --provider aws|gcp --net 10.77.0`): the provider's API fake on <net>.1:8773 (what
 * `provider.endpoint` names), handing out lab addresses from <net>.100 upward, and the provider's instance
 * metadata service on 169.254.169.254:80, answering per instance, told apart by the request's source
 * address (cloud-ec2.ts, cloud-gce.ts).
 * stdin: one JSON command a line from the rehearsal (the stand-in terraform's instances on GCP).
 * stdout: one JSON line `{"ready":true}`, then one line per instance event (created/terminated), which
 * the rehearsal's boot agent turns into a host booted from the recorded image / powered off.
 */
export interface CloudOptions {
  net: string;
  /** aws: the management node's address and instance id (its instance role's credentials, its console). */
  roleIp: string;
  roleInstance: string;
  /** aws: where the rehearsal writes the management node's console. */
  consoles: string;
  /** gcp: the project the fake Compute Engine serves. */
  project: string;
}

export interface LabCloud {
  endpoint: string;
  /** A command from the rehearsal (stdin). */
  command(c: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'aws' },
    net: { type: 'string', default: '10.77.0' },
    'role-ip': { type: 'string', default: '' },
    'role-instance': { type: 'string', default: 'i-0lab' },
    consoles: { type: 'string', default: '' },
    project: { type: 'string', default: 'citc-rehearsal' },
  },
});
const opts: CloudOptions = {
  net: values.net as string,
  roleIp: values['role-ip'] as string,
  roleInstance: values['role-instance'] as string,
  consoles: values.consoles as string,
  project: values.project as string,
};
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const cloud = values.provider === 'gcp' ? await startGceCloud(opts, emit) : await startEc2Cloud(opts, emit);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  try {
    cloud.command(JSON.parse(line) as Record<string, unknown>);
  } catch (err) {
    process.stderr.write(`lab cloud: command ${line}: ${String(err)}\n`);
  }
});
emit({ ready: true, endpoint: cloud.endpoint });
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    void cloud.stop().then(() => process.exit(0));
  });
}
