/**
 * API calls and wall time to launch, list and terminate N nodes through each adapter against the
 * loopback fakes: node --import tsx bench/cloud-launch.ts [sizes...]   (default 1 10 100 1000 5000)
 */
import { createCloudAdapter } from '../src/cloud/factory.js';
import type { ApiCall, CloudInstance } from '../src/cloud/types.js';
import { chunk, LAUNCH_BATCH_LIMIT } from '../src/core/plan/batch-limits.js';
import { Ec2Fake } from '../test/fakes/ec2/server.js';
import { GceFake } from '../test/fakes/gce/server.js';
import { batch, cloudRuntime, range } from '../test/support/runtime.js';

const sizes = process.argv.slice(2).map(Number);
for (const cloud of ['aws', 'gcp'] as const) {
  for (const n of sizes.length ? sizes : [1, 10, 100, 1000, 5000]) {
    const fake = cloud === 'aws' ? new Ec2Fake() : new GceFake();
    await fake.start();
    const calls: ApiCall[] = [];
    const rt = cloudRuntime(cloud, fake.endpoint);
    const adapter = await createCloudAdapter(rt, { onApiCall: (c) => calls.push(c), pollMs: 10 });
    const zone = rt.cluster.provider.zones[0] as string;
    const t0 = performance.now();
    const launched: CloudInstance[] = [];
    for (const part of chunk(range(1, n), LAUNCH_BATCH_LIMIT[cloud])) {
      launched.push(...(await adapter.launch(batch(rt, 'small', part, zone))).launched);
    }
    const t1 = performance.now();
    const launchCalls = calls.length;
    const listed = await adapter.list();
    const t2 = performance.now();
    const listCalls = calls.length - launchCalls;
    await adapter.terminate(listed);
    const left = await adapter.waitGone(listed, Date.now() + 60_000);
    const t3 = performance.now();
    const termCalls = calls.length - launchCalls - listCalls;
    console.log(
      `${cloud} n=${n} launched=${launched.length} launch: ${launchCalls} calls ${(t1 - t0).toFixed(0)} ms | list: ${listCalls} calls ${(t2 - t1).toFixed(0)} ms | terminate+waitGone: ${termCalls} calls ${(t3 - t2).toFixed(0)} ms | left=${left.length}`,
    );
    await fake.stop();
  }
}
