import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Ec2Fake } from './ec2/server.js';
import { GceFake } from './gce/server.js';
import type { FakeServer } from './http.js';

/**
 * Runs one fake as its own process, for the e2e test:
 *   node --import tsx test/fakes/serve.ts --cloud aws|gcp [--port P] [--state-file F] [--delay-ms N]
 * stdout is JSON lines: first `{"port":P}`, then one `{"type":"created"|"terminated",node,ip,...}` per
 * instance event (the boot agent starts/stops a slurmd per line). The state file is rewritten after
 * every change; faults go to POST /__fake/faults.
 */
const { values } = parseArgs({
  options: {
    cloud: { type: 'string' },
    port: { type: 'string', default: '0' },
    'state-file': { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
  },
});
const delay = Number(values['delay-ms']);
let fake: FakeServer;
if (values.cloud === 'aws') fake = new Ec2Fake({ terminateDelayMs: delay, bootDelayMs: delay });
else if (values.cloud === 'gcp') fake = new GceFake({ operationMs: delay });
else {
  process.stderr.write('usage: serve.ts --cloud aws|gcp [--port P] [--state-file F] [--delay-ms N]\n');
  process.exit(2);
}

const stateFile = values['state-file'];
let written = -1;
const writeState = () => {
  if (!stateFile || written === fake.calls.length) return;
  written = fake.calls.length;
  writeFileSync(`${stateFile}.tmp`, JSON.stringify(fake.state(), null, 2));
  // rename is atomic: a reader never sees half a file.
  renameSync(`${stateFile}.tmp`, stateFile);
};
fake.on('instance', (e) => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
  written = -1;
  writeState();
});
const port = await fake.start(Number(values.port));
process.stdout.write(`${JSON.stringify({ port, endpoint: fake.endpoint })}\n`);
const timer = setInterval(writeState, 100);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    clearInterval(timer);
    writeState();
    void fake.stop().then(() => process.exit(0));
  });
}
