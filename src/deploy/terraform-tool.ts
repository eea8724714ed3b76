import { execa } from 'execa';
import { CitcError, ExitCode } from '../core/errors.js';
import { onPath } from '../tools/find-binary.js';

export type TerraformToolName = 'terraform' | 'tofu';

export interface TerraformTool {
  name: TerraformToolName;
  /** Absolute path of the executable. */
  binary: string;
  version: string;
}

/** The oldest releases that run the synthesized JSON (provider 6.x, the -json UI output citc follows). */
export const MIN_VERSION: Record<TerraformToolName, [number, number]> = { terraform: [1, 5], tofu: [1, 6] };

export const TERRAFORM_INSTALL_HINT =
  'Install Terraform ≥ 1.5 (https://developer.hashicorp.com/terraform/install) or OpenTofu ≥ 1.6 ' +
  '(https://opentofu.org/docs/intro/install/), put it on PATH, and choose one with --tool if both are there.';

/** Parses `terraform version -json` / `tofu version -json` ({"terraform_version":"1.9.5",...}). */
export function parseToolVersion(stdout: string): string | undefined {
  try {
    const v = (JSON.parse(stdout) as { terraform_version?: unknown }).terraform_version;
    return typeof v === 'string' && /^\d+\.\d+/.test(v) ? v : undefined;
  } catch {
    return /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  }
}

export function versionAtLeast(version: string, [major, minor]: [number, number]): boolean {
  const [a = 0, b = 0] = version.split('.').map((x) => Number.parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

/**
 * Finds terraform or tofu (the one asked for, else terraform, then tofu) and checks its version.
 * Missing or too old: exit 3 naming the versions that work and where to get them.
 */
export async function findTerraformTool(
  prefer?: TerraformToolName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TerraformTool> {
  const names: TerraformToolName[] = prefer ? [prefer] : ['terraform', 'tofu'];
  for (const name of names) {
    const binary = await onPath(name, env);
    if (!binary) continue;
    const run = await execa(binary, ['version', '-json'], { env, extendEnv: false, reject: false, timeout: 30_000 });
    const version = parseToolVersion(run.stdout);
    if (!version) {
      throw new CitcError('TOOL_VERSION', `${binary} did not report its version (exit ${run.exitCode})`, {
        subject: name,
        remedy: TERRAFORM_INSTALL_HINT,
        exitCode: ExitCode.missingTool,
      });
    }
    const min = MIN_VERSION[name];
    if (!versionAtLeast(version, min)) {
      throw new CitcError('TOOL_TOO_OLD', `${name} ${version} is too old (need ${min.join('.')} or newer)`, {
        subject: binary,
        remedy: TERRAFORM_INSTALL_HINT,
        exitCode: ExitCode.missingTool,
      });
    }
    return { name, binary, version };
  }
  throw new CitcError('TOOL_MISSING', `${names.join(' or ')} is not installed (not found on PATH)`, {
    subject: names.join('/'),
    remedy: TERRAFORM_INSTALL_HINT,
    exitCode: ExitCode.missingTool,
  });
}
