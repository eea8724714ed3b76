/**
 * Every error citc reports is a CitcError: a stable code, the subject it is about (a node, a field, an
 * instance, a file), and what the person reading it should do. The CLI and the hooks turn it into one
 * readable line and an exit code (see README "Exit codes").
 */
export const ExitCode = {
  ok: 0,
  /** Something failed at run time: a cloud call, a terraform or packer run, Slurm. */
  failure: 1,
  /** Usage or configuration error: bad flags, an invalid citc.yaml. Nothing was changed. */
  usage: 2,
  /** A required external tool (terraform/tofu, packer, scontrol) is missing. */
  missingTool: 3,
  /** The power-save hook finished, but some nodes could not be launched or terminated. */
  partial: 4,
  /** The user declined a confirmation prompt. */
  aborted: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CitcErrorOptions {
  /** What the error is about: a node name, a field path, an instance id, a file. */
  subject?: string;
  /** One sentence: what to do about it. */
  remedy?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class CitcError extends Error {
  readonly code: string;
  readonly subject: string | undefined;
  readonly remedy: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: CitcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CitcError';
    this.code = code;
    this.subject = options.subject;
    this.remedy = options.remedy;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }

  /** One line for a person: `citc: <subject>: <message> (<remedy>)`. */
  toLine(): string {
    const subject = this.subject ? `${this.subject}: ` : '';
    const remedy = this.remedy ? ` ${this.remedy}` : '';
    return `${subject}${this.message}.${remedy}`.replace(/\.\.$/, '.');
  }
}
