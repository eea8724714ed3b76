// The fake EC2 as its own process: slurmctld runs the hooks as separate processes that must reach it.
// stdout: one JSON line `{"ready":<port>}`, then one `{"event":{...},"at":<epoch ms>}` per instance
// created or terminated (what the boot agent follows). Run: node --import tsx fake-cloud-process.ts
import { Ec2Fake } from '../../fakes/ec2/server.js';

const fake = new Ec2Fake();
fake.on('instance', (e) => process.stdout.write(`${JSON.stringify({ event: e, at: Date.now() })}\n`));
const port = await fake.start(0);
process.stdout.write(`${JSON.stringify({ ready: port })}\n`);
const stop = () => void fake.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The harness holds our stdin: when it dies, we go too (no stray fake between test files).
process.stdin.on('end', stop);
process.stdin.resume();
