import { execa } from 'execa';
import { CitcError } from '../core/errors.js';

export interface PackerVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** Parses `packer version` ("Packer v1.6.6", newer ones add an update notice below). */
export function parsePackerVersion(output: string): PackerVersion | undefined {
  const m = /Packer v(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `${m[1]}.${m[2]}.${m[3]}` };
}

/** Packer 1.7 brought `packer init` and required_plugins; 1.10 stopped bundling the builders. */
export function needsInit(v: PackerVersion): boolean {
  return v.major > 1 || (v.major === 1 && v.minor >= 7);
}

export async function packerVersion(binary: string, env: NodeJS.ProcessEnv): Promise<PackerVersion> {
  const r = await execa(binary, ['version'], { env, extendEnv: false, reject: false });
  const v = parsePackerVersion(`${r.stdout}\n${r.stderr}`);
  if (r.exitCode !== 0 || !v) {
    throw new CitcError(
      'PACKER_VERSION',
      `\`${binary} version\` did not report a version (exit ${r.exitCode}): ${r.stdout || r.stderr}`,
      {
        subject: binary,
        remedy: 'Reinstall packer (https://developer.hashicorp.com/packer/install, or apt-get install packer).',
      },
    );
  }
  return v;
}
