import { resolve } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { CitcError, ExitCode } from '../core/errors.js';

/** `[FILE]`: the cluster file, as a positional argument (wins over --config). */
export const fileArg = Args.string({
  name: 'FILE',
  description: 'Path of the cluster file (default: ./citc.yaml, or --config).',
  required: false,
});

/** Flags every command that reads a cluster file shares. */
export const configFlags = {
  config: Flags.string({
    char: 'c',
    summary: 'Path of the cluster file.',
    env: 'CITC_CONFIG',
    helpGroup: 'CLUSTER',
  }),
};

/** The cluster file a command works on: positional FILE, then --config/CITC_CONFIG, then ./citc.yaml. */
export function configPathOf(file: string | undefined, flag: string | undefined): string {
  return resolve(file ?? flag ?? 'citc.yaml');
}

/**
 * The base of every citc command: a CitcError becomes one readable line on stderr (code, subject,
 * message, remedy) and its documented exit code; anything else is a bug and keeps its stack.
 */
export abstract class CitcCommand extends Command {
  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof CitcError) {
      if (this.jsonEnabled()) {
        this.logJson({
          error: { code: err.code, subject: err.subject, message: err.message, remedy: err.remedy },
        });
      } else {
        process.stderr.write(`citc: ${err.code}: ${err.toLine()}\n`);
      }
      this.exit(err.exitCode);
    }
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (isOclifUsageError(err)) {
      process.stderr.write(`citc: ${err.message}\n`);
      this.exit(ExitCode.usage);
    }
    return super.catch(err);
  }

  /** A progress line for a person: stderr, and silent under --json. */
  protected progress(line: string): void {
    if (!this.jsonEnabled()) this.logToStderr(line);
  }
}

function isOclifUsageError(err: Error & { oclif?: { exit?: number } }): boolean {
  const name = err.constructor?.name ?? '';
  return (
    /^(Nonexistent|Required|Unexpected|Failed|Invalid)?(Flag|Args?|Argument)/.test(name) || name === 'CLIParseError'
  );
}
