import { Ec2Fake } from '../fakes/ec2/server.js';
import type { CallRecord, Faults, InstanceEvent } from '../fakes/faults.js';
import { GceFake } from '../fakes/gce/server.js';

/** One live instance of the test cluster as either fake keeps it, in the hooks' terms. */
export interface FakeInstance {
  id: string;
  node: string;
  zone: string;
  instanceType: string;
}

/**
 * The EC2 and Compute Engine fakes behind one face, so the hook tests run unchanged against both:
 * each cloud's own operation names and error codes are here, not in the tests.
 */
export interface HookFake {
  kind: 'aws' | 'gcp';
  endpoint: string;
  faults: Faults;
  calls: CallRecord[];
  /** The launch operation as the fake logs it. */
  launchOp: string;
  /** The cloud's throttling and capacity codes, as they must appear in Slurm reasons and logs. */
  throttleCode: string;
  capacityCode: string;
  /** Live (not terminated or deleted) instances of cluster `demo`. */
  live(nodes?: readonly string[]): FakeInstance[];
  /** `instanceType@zone` of every launch call the cloud answered (accepted or failed for capacity), in order. */
  launchKeys(): string[];
  onInstance(cb: (e: InstanceEvent) => void): void;
  stop(): Promise<void>;
}

export async function startHookFake(kind: 'aws' | 'gcp', opts: { gceOperationMs?: number } = {}): Promise<HookFake> {
  const fake = kind === 'aws' ? new Ec2Fake() : new GceFake({ operationMs: opts.gceOperationMs ?? 0 });
  await fake.start();
  const launchOp = kind === 'aws' ? 'RunInstances' : 'bulkInsert';
  const all = (): FakeInstance[] =>
    fake instanceof Ec2Fake
      ? fake.live('demo').map((i) => ({ id: i.id, node: fake.nodeOf(i), zone: i.zone, instanceType: i.instanceType }))
      : fake
          .live('demo')
          .filter((i) => i.status !== 'TERMINATED')
          .map((i) => ({ id: i.name, node: i.name.replace(/^demo-/, ''), zone: i.zone, instanceType: i.machineType }));
  return {
    kind,
    endpoint: fake.endpoint,
    faults: fake.faults,
    calls: fake.calls,
    launchOp,
    throttleCode: kind === 'aws' ? 'RequestLimitExceeded' : 'rateLimitExceeded',
    capacityCode: kind === 'aws' ? 'InsufficientInstanceCapacity' : 'ZONE_RESOURCE_POOL_EXHAUSTED',
    live(nodes) {
      if (!nodes) return all();
      const want = new Set(nodes);
      return all().filter((i) => want.has(i.node));
    },
    launchKeys: () =>
      fake
        .callsOf(launchOp)
        .filter((c) => c.status === 200 || c.errorCode === 'InsufficientInstanceCapacity')
        .map((c) => (kind === 'aws' ? ec2LaunchKey(c) : gceLaunchKey(c))),
    onInstance: (cb) => void fake.on('instance', cb),
    stop: () => fake.stop(),
  };
}

function ec2LaunchKey(c: CallRecord): string {
  const p = c.params as Record<string, string>;
  return `${p.InstanceType}@${String(p.SubnetId).replace(/^subnet-/, '')}`;
}

function gceLaunchKey(c: CallRecord): string {
  const p = c.params as { path: string; body: { instanceProperties: { machineType: string } } };
  return `${p.body.instanceProperties.machineType}@${/\/zones\/([^/]+)\//.exec(p.path)?.[1]}`;
}
