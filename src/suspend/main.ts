#!/usr/bin/env node
import { hookMain } from '../hooks/main.js';
import { runTerminate } from './run.js';

// Slurm's SuspendProgram: `suspend [--runtime /etc/citc/runtime.json] <hostlist>`.
process.exitCode = await hookMain('suspend', process.argv.slice(2), process.env, (deps, args) =>
  runTerminate(deps, args.hostlist, deps.runtime.cluster.slurm.suspendTimeout),
);
