import { execFileSync, spawn } from 'node:child_process';

/** Runs a command to completion; throws with its stderr on failure. Synchronous: usable from exit hooks. */
export function sh(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      ...(opts.input !== undefined && { input: opts.input }),
      ...(opts.env && { env: opts.env }),
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; status?: number };
    const detail = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${e.status}): ${detail}`);
  }
}

/** The same, ignoring failure (cleanup of things that may be gone already). */
export function shQuiet(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number;
  out: string;
}

/** Runs a command asynchronously (long steps: debootstrap, ansible, packer), streaming lines to `onLine`. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.env && { env: opts.env }),
      ...(opts.cwd && { cwd: opts.cwd }),
    });
    let out = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out += text;
      if (out.length > 4_000_000) out = out.slice(-2_000_000);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) opts.onLine?.(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) opts.onLine?.(pending);
      resolve({ code: code ?? 1, out });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined), or throws `what` after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>) {
  const end = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await sleep(500);
  }
}
