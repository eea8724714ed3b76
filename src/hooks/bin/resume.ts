#!/usr/bin/env node
import { CitcError, ExitCode } from '../../core/errors.js';
import { parseResumeFile, type ResumeFile } from '../../core/resume-file.js';
import { hookMain } from '../main.js';
import { runResume } from '../resume.js';

// Slurm's ResumeProgram: `resume [--runtime /etc/citc/runtime.json] <hostlist>`.
// exit() rather than exitCode: a reply cut off at the deadline must not keep the process alive.
process.exit(
  await hookMain('resume', process.argv.slice(2), process.env, async (deps, args, input) => {
    let resumeFile: ResumeFile | undefined;
    if (input.resumeFileText !== undefined) {
      const parsed = parseResumeFile(input.resumeFileText);
      if (parsed.ok) resumeFile = parsed.value;
      else deps.log.warn('resume-file-invalid', { error: parsed.error });
    }
    if (!args.hostlist.trim()) {
      throw new CitcError('HOOK_USAGE', 'empty hostlist', { exitCode: ExitCode.usage, subject: 'resume' });
    }
    return runResume(deps, args.hostlist, resumeFile);
  }),
);
