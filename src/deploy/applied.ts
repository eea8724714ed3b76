import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TerraformJson } from '../../infra/synth.js';
import { CitcError } from '../core/errors.js';

/** The Terraform JSON of the last successful apply, kept beside state.json: what the next plan compares with. */
export function appliedPath(workDir: string): string {
  return join(workDir, 'applied.tf.json');
}

/** undefined before the first successful apply. */
export async function readApplied(workDir: string): Promise<TerraformJson | undefined> {
  const path = appliedPath(workDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as TerraformJson;
  } catch (cause) {
    throw new CitcError('APPLIED_CORRUPT', 'the copy of the last applied configuration is not JSON', {
      subject: path,
      remedy:
        'Move it away: the next deploy then relies on terraform plan alone (and treats everything as new in --dry-run).',
      cause,
    });
  }
}

/** After a successful apply: copy the stack's cdk.tf.json. */
export async function recordApplied(workDir: string, stackFile: string): Promise<string> {
  const path = appliedPath(workDir);
  await mkdir(dirname(path), { recursive: true });
  await copyFile(stackFile, path);
  return path;
}
