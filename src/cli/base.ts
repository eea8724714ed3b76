import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Args, Command, Flags } from '@oclif/core';
import { type EffectiveConfig, loadEffectiveConfig } from '../config/load.js';
import { ConfigError, closest, problemJson } from '../core/config/problem.js';
import { CitcError, ExitCode } from '../core/errors.js';

/** `[FILE]`: the cluster file, as a positional argument (wins over --config). */
export const fileArg = Args.string({
  name: 'FILE',
  description: 'Path of the cluster file (default: ./citc.yaml, or --config).',
  required: false,
});

/** The `--config` flag alone, for commands that spread it into their own flags (prefer ClusterCommand). */
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
 * The base of every citc command. Whatever `run` throws leaves as one line on stderr
 * (`citc: CODE: subject: what failed. What to do.`) or, under --json, as `{"error": {...}}` on stdout,
 * with the exit code README documents. A stack is printed only with --debug (or CITC_DEBUG=1).
 */
export abstract class CitcCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({
      summary: 'On an unexpected error, print its stack too.',
      env: 'CITC_DEBUG',
      helpGroup: 'GLOBAL',
      default: false,
    }),
  };

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    // this.exit() inside run throws oclif's ExitError: it is the exit, not a failure.
    if ((err as { code?: unknown }).code === 'EEXIT') throw err;
    const error = toCitcError(err, this.id, flagNamesOf(this.ctor));
    if (this.jsonEnabled()) this.logJson(errorJson(error));
    else process.stderr.write(`citc: ${error.code}: ${error.toLine()}\n`);
    if (this.debugEnabled() && !(err instanceof CitcError)) process.stderr.write(`${err.stack ?? err}\n`);
    this.exit(error.exitCode);
  }

  /** A progress line for a person: stderr, and silent under --json. */
  protected progress(line: string): void {
    if (!this.jsonEnabled()) this.logToStderr(line);
  }

  /** Read from argv, not the parsed flags: an error may come before (or from) parsing. */
  private debugEnabled(): boolean {
    return this.argv.includes('--debug') || ['1', 'true'].includes(process.env.CITC_DEBUG ?? '');
  }
}

/**
 * A command that works on a cluster file: `--config`/CITC_CONFIG and `--set PATH=VALUE` come with it
 * (baseFlags); `loadCluster` reads, overrides and validates the file (exit 2 listing every problem).
 * Declare `static override args = { file: fileArg }` on the command itself: oclif reads a command's
 * args from its own static properties only.
 */
export abstract class ClusterCommand extends CitcCommand {
  static override baseFlags = {
    ...CitcCommand.baseFlags,
    ...configFlags,
    set: Flags.string({
      summary:
        'Override a field of the cluster file: PATH=VALUE (e.g. partitions[0].shapes[0].maxNodes=4). Repeatable.',
      multiple: true,
      default: [],
      helpGroup: 'CLUSTER',
    }),
  };

  /** The cluster of this run: defaults < the file < CITC_* environment < --set. */
  protected async loadCluster(parsed: {
    args: { file?: string | undefined };
    flags: { config?: string | undefined; set?: string[] | undefined };
  }): Promise<EffectiveConfig & { path: string }> {
    const path = configPathOf(parsed.args.file, parsed.flags.config);
    const effective = await loadEffectiveConfig(path, { env: process.env, sets: parsed.flags.set ?? [] });
    return { ...effective, path };
  }
}

/** What `--json` prints for a failed command: the whole error, problems included. */
export function errorJson(error: CitcError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.subject !== undefined && { subject: error.subject }),
      ...(error.remedy !== undefined && { remedy: error.remedy }),
      exitCode: error.exitCode,
      ...(error instanceof ConfigError && { problems: error.problems.map(problemJson) }),
    },
  };
}

/**
 * Any error as a CitcError. oclif's own errors (unknown flag, missing argument, bad flag value) carry
 * their exit code in `oclif.exit` (package.json `oclif.exitCodes` sets them to 2); a file-system error
 * names its file; anything else is a bug and says how to get its stack.
 */
export function toCitcError(err: unknown, command: string | undefined, flagNames: readonly string[] = []): CitcError {
  if (err instanceof CitcError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & {
    oclif?: { exit?: number };
    code?: string;
    path?: string;
    flags?: string[];
  };
  const help = `See \`citc ${command ? `${command.replaceAll(':', ' ')} ` : ''}--help\`.`;
  if (typeof e.oclif?.exit === 'number') {
    const lines = e.message.split('\n').map((l) => l.trim());
    const message = stripVTControlCharacters(
      lines.filter((l) => l !== '' && l !== 'See more help with --help').join(' '),
    );
    const typo = e.flags?.[0]?.replace(/^-+/, '').split('=')[0];
    const near = typo ? closest(typo, flagNames) : undefined;
    return new CitcError('USAGE', message.replace(/[.:]$/, ''), {
      subject: command?.replaceAll(':', ' '),
      remedy: near ? `Did you mean --${near}? ${help}` : help,
      exitCode: e.oclif.exit as ExitCode,
      cause: err,
    });
  }
  if (typeof e.code === 'string' && typeof e.path === 'string' && FILE_ERRORS[e.code]) {
    const [what, remedy] = FILE_ERRORS[e.code] as [string, string];
    return new CitcError('FILE_ERROR', what, { subject: e.path, remedy, exitCode: ExitCode.failure, cause: err });
  }
  // The SDKs' own signal that no credentials were found (AWS by error name, Google by its message).
  if (e.name === 'CredentialsProviderError' || e.message.startsWith('Could not load the default credentials')) {
    return new CitcError('CLOUD_CREDENTIALS', 'no cloud credentials were found', {
      subject: command?.replaceAll(':', ' '),
      remedy:
        'Log in first: on AWS set AWS_PROFILE or run `aws sso login` (or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); on Google Cloud run `gcloud auth application-default login`.',
      exitCode: ExitCode.failure,
      cause: err,
    });
  }
  return new CitcError('UNEXPECTED', (e.message.split('\n')[0] ?? '').replace(/\.$/, '') || e.name, {
    subject: command?.replaceAll(':', ' '),
    remedy: 'This is a bug in citc or an unforeseen failure: run it again with --debug and report the output.',
    exitCode: ExitCode.failure,
    cause: err,
  });
}

const FILE_ERRORS: Record<string, [string, string]> = {
  ENOENT: ['no such file or directory', 'Check the path; create the file or directory first.'],
  EISDIR: ['this is a directory, a file was expected', 'Give the path of a file.'],
  ENOTDIR: ['a part of this path is not a directory', 'Check the path.'],
  EACCES: ['permission denied', 'Check the permissions of the file and of its directories.'],
  EPERM: ['operation not permitted', 'Check the permissions of the file and of its directories.'],
  EEXIST: ['the file exists already', 'Remove it or choose another path.'],
  EROFS: ['the file system is read-only', 'Choose a path on a writable file system.'],
  ENOSPC: ['no space left on the device', 'Free some space and run it again.'],
};

function flagNamesOf(ctor: Command.Class): string[] {
  return Object.keys({ ...ctor.baseFlags, ...ctor.flags, ...(ctor.enableJsonFlag && { json: true }) });
}
