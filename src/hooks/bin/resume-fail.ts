#!/usr/bin/env node
import { hookMain } from '../main.js';
import { runTerminate } from '../suspend.js';

// Slurm's ResumeFailProgram: the nodes missed ResumeTimeout (Slurm has set them DOWN); terminate
// whatever was started for them so nothing keeps running, and billing, unseen.
// exit() rather than exitCode: a reply cut off at the deadline must not keep the process alive.
process.exit(
  await hookMain('resume-fail', process.argv.slice(2), process.env, (deps, args) =>
    runTerminate(deps, args.hostlist, deps.runtime.cluster.slurm.resumeTimeout, 'resume-fail'),
  ),
);
