#!/usr/bin/env node
import { hookMain } from '../main.js';
import { runTerminate } from '../suspend.js';

// Slurm's SuspendProgram: `suspend [--runtime /etc/citc/runtime.json] <hostlist>`.
// exit() rather than exitCode: a reply cut off at the deadline must not keep the process alive.
process.exit(
  await hookMain('suspend', process.argv.slice(2), process.env, (deps, args) =>
    runTerminate(deps, args.hostlist, deps.runtime.cluster.slurm.suspendTimeout),
  ),
);
