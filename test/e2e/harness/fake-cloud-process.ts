// The fake EC2 as its own process: slurmctld runs the hooks as separate processes that must reach it.
// stdout: one JSON line `{"ready":<port>,"control":<port>}`, then one `{"event":{...},"at":<epoch ms>}` per
// instance created or terminated (what the boot agent follows). Run: node --import tsx fake-cloud-process.ts
//
// The control port stays up while the cloud's own port is offline, so a test can bring it back:
//   GET  /state            every instance with the node it serves
//   GET  /calls            the API call log
//   POST /faults           a FaultSpec (test/fakes/faults.ts)
//   POST /offline          {"mode":"refused"|"hang"}; POST /online: back with the same instances
//   POST /appear           {"node","instanceType"?,"zone"?,"boot"?}: an instance launched behind citc's back
//   POST /die              {"ids":[...]}: instances terminated behind everyone's back
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceName, TAG } from '../../../src/core/naming.js';
import { Ec2Fake } from '../../fakes/ec2/server.js';
import type { FaultSpec } from '../../fakes/faults.js';
import type { Outage } from '../../fakes/http.js';

const cluster = process.argv[2] ?? 'e2e';
const fake = new Ec2Fake();
fake.on('instance', (e) => process.stdout.write(`${JSON.stringify({ event: e, at: Date.now() })}\n`));
const port = await fake.start(0);

interface AppearRequest {
  node: string;
  instanceType?: string;
  zone?: string;
  boot?: boolean;
}

const routes: Record<string, (body: unknown) => unknown | Promise<unknown>> = {
  'GET /state': () => ({
    instances: [...fake.instances.values()].map((i) => ({ ...i, node: fake.nodeOf(i) })),
  }),
  'GET /calls': () => fake.calls,
  'POST /faults': (spec) => {
    fake.faults.apply(spec as FaultSpec);
    return fake.faults.snapshot();
  },
  'POST /offline': async (b) => {
    await fake.offline((b as { mode: Outage }).mode);
    return {};
  },
  'POST /online': async () => {
    await fake.online();
    return {};
  },
  'POST /appear': (b) => {
    const r = b as AppearRequest;
    const zone = r.zone ?? 'us-east-1a';
    // The tags citc's own launch puts on an instance: what reconcile lists the cluster by.
    const tags = {
      Name: instanceName(cluster, r.node),
      [TAG.aws.cluster]: cluster,
      [TAG.aws.role]: 'compute',
      [TAG.aws.node]: r.node,
    };
    const i = fake.appear(
      { tags, zone, subnetId: `subnet-${zone}`, instanceType: r.instanceType ?? 't3.small' },
      r.boot === true,
    );
    return { id: i.id, privateIp: i.privateIp };
  },
  'POST /die': (b) => {
    fake.die((b as { ids: string[] }).ids);
    return {};
  },
};

const control = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const route = routes[`${req.method} ${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}`];
  let status = 200;
  let out: unknown;
  try {
    out = route ? await route(text ? JSON.parse(text) : {}) : { error: 'no such control path' };
    if (!route) status = 404;
  } catch (err) {
    status = 500;
    out = { error: (err as Error).message };
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(out));
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ ready: port, control: (control.address() as AddressInfo).port })}\n`);

const stop = () => {
  control.closeAllConnections();
  control.close();
  void fake.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The harness holds our stdin: when it dies, we go too (no stray fake between test files).
process.stdin.on('end', stop);
process.stdin.resume();
