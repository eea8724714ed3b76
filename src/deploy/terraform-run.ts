import { execa } from 'execa';
import { CitcError } from '../core/errors.js';
import type { TerraformTool } from './terraform-tool.js';
import { initProgress, readUiLine } from './terraform-ui.js';

export interface TerraformRunOptions {
  tool: TerraformTool;
  /** The synthesized stack directory. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
  /** Who the error is about (the cluster) and what to do after a failure. */
  subject: string;
  remedy: string;
  /** Every output line as it comes (plan -json lines are read from here). */
  onLine?: (line: string) => void;
}

function toolEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // No color codes, no "run terraform apply next" hints, no update check calling home.
  return { ...env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', NO_COLOR: '1' };
}

/**
 * Runs one terraform/tofu subcommand in the stack dir, streaming progress lines; a non-zero exit
 * becomes TERRAFORM_FAILED with the error diagnostics (or the last lines) in the message.
 */
export async function runTerraform(args: string[], opts: TerraformRunOptions): Promise<void> {
  const progress = opts.onProgress ?? (() => {});
  const json = args.includes('-json');
  progress(`$ ${opts.tool.name} ${args.join(' ')}`);
  const child = execa(opts.tool.binary, args, {
    cwd: opts.cwd,
    env: toolEnv(opts.env ?? process.env),
    extendEnv: false,
    reject: false,
    buffer: false,
    all: true,
  });
  const errors: string[] = [];
  const tail: string[] = [];
  for await (const line of child.iterable({ from: 'all' })) {
    opts.onLine?.(line);
    if (line.trim()) tail.push(line.trim());
    if (tail.length > 10) tail.shift();
    if (json) {
      const ui = readUiLine(line);
      if (ui.error) errors.push(ui.error);
      if (ui.progress) progress(ui.progress);
    } else {
      const p = initProgress(line);
      if (p) progress(p);
    }
  }
  const result = await child;
  if (result.exitCode !== 0) {
    const why = (errors.length > 0 ? errors : tail.slice(-5)).join(' | ') || 'no output';
    throw new CitcError(
      'TERRAFORM_FAILED',
      `${opts.tool.name} ${args[0]} failed (exit ${result.exitCode ?? result.signal}): ${why}`,
      {
        subject: opts.subject,
        remedy: opts.remedy,
      },
    );
  }
}

/** `output -json` → name → string or list of strings (numbers and booleans as text; other shapes as JSON). */
export function parseTerraformOutputs(stdout: string): Record<string, string | string[]> {
  const parsed = JSON.parse(stdout || '{}') as Record<string, { value?: unknown }>;
  const out: Record<string, string | string[]> = {};
  for (const [name, { value }] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(text) : text(value);
  }
  return out;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** Reads the stack's outputs after apply. */
export async function readTerraformOutputs(opts: TerraformRunOptions): Promise<Record<string, string | string[]>> {
  const result = await execa(opts.tool.binary, ['output', '-json'], {
    cwd: opts.cwd,
    env: toolEnv(opts.env ?? process.env),
    extendEnv: false,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new CitcError(
      'TERRAFORM_FAILED',
      `${opts.tool.name} output failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      {
        subject: opts.subject,
        remedy: opts.remedy,
      },
    );
  }
  try {
    return parseTerraformOutputs(result.stdout);
  } catch (cause) {
    throw new CitcError('TERRAFORM_OUTPUT_UNREADABLE', `${opts.tool.name} output -json printed no JSON`, {
      subject: opts.subject,
      remedy: opts.remedy,
      cause,
    });
  }
}
