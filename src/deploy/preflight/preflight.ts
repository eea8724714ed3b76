import { access, readdir, readFile } from 'node:fs/promises';
import { homedir, type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ANSIBLE_INSTALL_HINT } from '../../ansible/run-playbook.js';
import { findPlaceholders } from '../../core/config/placeholders.js';
import { formatPath } from '../../core/config/problem.js';
import type { ClusterConfig } from '../../core/config/types.js';
import { CitcError, ExitCode } from '../../core/errors.js';
import { PACKER_INSTALL_HINT } from '../../image/rebuild.js';
import { ansibleDir } from '../../render/package-root.js';
import { onPath } from '../../tools/find-binary.js';
import { findTerraformTool, type TerraformTool, type TerraformToolName } from '../terraform-tool.js';
import { insideCidrs, publicAddresses } from './address.js';

export const CHECKS = ['terraform', 'ansible', 'packer', 'credentials', 'admin-address', 'placeholders'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  check: CheckName;
  /** warn: deploy goes on (a later step needs it, or it could not be checked); fail: deploy stops. */
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  detail: string;
  remedy?: string;
  /** The tool lookup's own error (TOOL_MISSING, TOOL_TOO_OLD): thrown as it is when it is the only failure. */
  error?: CitcError;
}

export interface PreflightReport {
  checks: CheckResult[];
  ok: boolean;
  /** The terraform/tofu found, for the deploy to use. */
  terraform?: TerraformTool;
}

export interface PreflightOptions {
  config: ClusterConfig;
  env?: NodeJS.ProcessEnv;
  tool?: TerraformToolName;
  skip?: readonly CheckName[];
  /** The deploy will not run Ansible (--skip-configure): a missing ansible only warns. */
  skipConfigure?: boolean;
  /** The address this machine reaches the cluster from: --my-address, else the one recorded by the last deploy. */
  myAddress?: string;
  /** For tests: this machine's interfaces. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** --dry-run: no call to any cloud endpoint. */
  offline?: boolean;
}

/** Where `ansible-galaxy collection list` finds the collections, and which the roles name. */
export async function collectionsUsed(dir: string = ansibleDir()): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.ya?ml$/.test(e.name)) {
        const text = await readFile(p, 'utf8');
        for (const m of text.matchAll(/^\s*-?\s*([a-z_]+\.[a-z_]+)\.[a-z_]+:/gm)) {
          const name = m[1] as string;
          if (!name.startsWith('ansible.builtin') && !name.startsWith('ansible.legacy')) found.add(name);
        }
      }
    }
  };
  await walk(dir);
  return [...found].sort();
}

/** Pure: the collection names in `ansible-galaxy collection list --format json`. */
export function installedCollections(json: string): Set<string> {
  const out = new Set<string>();
  try {
    for (const byName of Object.values(JSON.parse(json) as Record<string, Record<string, unknown>>)) {
      for (const name of Object.keys(byName)) out.add(name);
    }
  } catch {
    // not JSON (an old ansible): nothing known installed
  }
  return out;
}

async function checkTerraform(opts: PreflightOptions, env: NodeJS.ProcessEnv): Promise<[CheckResult, TerraformTool?]> {
  try {
    const tool = await findTerraformTool(opts.tool, env);
    return [{ check: 'terraform', status: 'ok', detail: `${tool.name} ${tool.version} (${tool.binary})` }, tool];
  } catch (err) {
    if (!(err instanceof CitcError)) throw err;
    const result: CheckResult = {
      check: 'terraform',
      status: 'fail',
      detail: err.message,
      ...(err.remedy && { remedy: err.remedy }),
    };
    // Kept for assertPreflight, left out of --json (the detail and remedy say the same).
    Object.defineProperty(result, 'error', { value: err, enumerable: false });
    return [result];
  }
}

async function checkAnsible(opts: PreflightOptions, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const missing = opts.skipConfigure ? 'warn' : 'fail';
  const playbook = await onPath('ansible-playbook', env);
  if (!playbook) {
    return {
      check: 'ansible',
      status: missing,
      detail: 'ansible-playbook is not installed (not found on PATH); it configures the management node after apply',
      remedy: ANSIBLE_INSTALL_HINT,
    };
  }
  const needed = await collectionsUsed();
  const galaxy = await onPath('ansible-galaxy', env);
  const listed = galaxy
    ? await execa(galaxy, ['collection', 'list', '--format', 'json'], {
        env,
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      })
    : undefined;
  const have = installedCollections(listed?.stdout ?? '');
  const absent = needed.filter((c) => !have.has(c));
  if (absent.length > 0) {
    return {
      check: 'ansible',
      status: missing,
      detail: `the roles use Ansible collections that are not installed: ${absent.join(', ')}`,
      remedy: `Install them: ansible-galaxy collection install ${absent.join(' ')} (Debian's "ansible" package ships both).`,
    };
  }
  return { check: 'ansible', status: 'ok', detail: `${playbook}, collections ${needed.join(', ')}` };
}

async function checkPacker(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const packer = await onPath('packer', env);
  return packer
    ? { check: 'packer', status: 'ok', detail: packer }
    : {
        check: 'packer',
        status: 'warn',
        detail:
          'packer is not installed: deploy works, but no job can run before `citc image rebuild` builds the compute image with it',
        remedy: PACKER_INSTALL_HINT,
      };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * With provider.endpoint set, one list call to it (the loopback fake in tests, a private endpoint in
 * production). Without it, only whether credentials are there: the AWS default chain resolves / an ADC
 * file exists; nothing is sent to the cloud, so a key AWS would reject is found only by terraform.
 */
async function checkCredentials(opts: PreflightOptions, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const { config } = opts;
  const endpoint = config.provider.endpoint;
  // The AWS chain may ask the instance metadata service: a dry run asks nothing of anyone.
  if (opts.offline) return { check: 'credentials', status: 'skipped', detail: 'not checked in a dry run' };
  if (endpoint) {
    const { createCloudAdapter } = await import('../../cloud/factory.js');
    try {
      const adapter = await createCloudAdapter({ cluster: config }, { budgetMs: 5_000 });
      const live = await adapter.list();
      return {
        check: 'credentials',
        status: 'ok',
        detail: `${endpoint} answered a list of the cluster's instances (${live.length} live)`,
      };
    } catch (err) {
      return {
        check: 'credentials',
        status: 'fail',
        detail: `${endpoint} did not answer a list of instances: ${err instanceof CitcError ? err.message : (err as Error).message}`,
        remedy: 'Check provider.endpoint and the credentials it takes.',
      };
    }
  }
  if (config.provider.kind === 'aws') {
    const { EC2Client } = await import('@aws-sdk/client-ec2');
    try {
      const creds = await new EC2Client({ region: config.provider.region }).config.credentials();
      return {
        check: 'credentials',
        status: 'ok',
        detail: `the AWS default chain resolved access key …${creds.accessKeyId.slice(-4)} (not checked against AWS: terraform plan does that)`,
      };
    } catch (err) {
      return {
        check: 'credentials',
        status: 'fail',
        detail: `no AWS credentials found by the default chain (${(err as Error).message.split('\n')[0]})`,
        remedy:
          'Run `aws configure` or `aws sso login`, or set AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      };
    }
  }
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  const adc =
    file ??
    join(
      env.CLOUDSDK_CONFIG ?? join(env.HOME ?? homedir(), '.config', 'gcloud'),
      'application_default_credentials.json',
    );
  if (await exists(adc)) {
    return {
      check: 'credentials',
      status: 'ok',
      detail: `application default credentials in ${adc} (not checked against Google Cloud)`,
    };
  }
  return {
    check: 'credentials',
    status: 'fail',
    detail: file
      ? `GOOGLE_APPLICATION_CREDENTIALS names ${file}, which does not exist`
      : `no application default credentials (${adc})`,
    remedy:
      'Run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a key file). On a Google Cloud VM with a service account, pass --skip-check credentials.',
  };
}

function checkAdminAddress(opts: PreflightOptions): CheckResult {
  const cidrs = opts.config.network.adminCidrs;
  const candidates = opts.myAddress ? [opts.myAddress] : publicAddresses(opts.interfaces ?? networkInterfaces());
  const source = opts.myAddress ? 'given' : 'on an interface of this machine';
  if (candidates.length === 0) {
    return {
      check: 'admin-address',
      status: 'warn',
      detail: `not checked: this machine has no public address of its own (behind NAT), and citc does not ask the internet for it; adminCidrs is ${cidrs.join(', ')}`,
      remedy:
        'Pass --my-address with the address the cloud sees you from (e.g. from https://checkip.amazonaws.com) to check it; it is kept for the next deploy.',
    };
  }
  const inside = candidates.filter((a) => insideCidrs(a, cidrs));
  if (inside.length > 0)
    return { check: 'admin-address', status: 'ok', detail: `${inside[0]} (${source}) is inside ${cidrs.join(', ')}` };
  return {
    check: 'admin-address',
    status: 'fail',
    detail: `${candidates.join(', ')} (${source}) is not inside network.adminCidrs (${cidrs.join(', ')}): neither Ansible nor you could reach the management node`,
    remedy: `Add ${candidates[0]}/32 (or your network's range) to network.adminCidrs, pass --my-address if that address is wrong, or --skip-check admin-address when deploying from inside the network.`,
  };
}

function checkPlaceholders(config: ClusterConfig): CheckResult {
  const found = findPlaceholders(config);
  if (found.length === 0) return { check: 'placeholders', status: 'ok', detail: 'no example placeholder left' };
  return {
    check: 'placeholders',
    status: 'fail',
    detail: found
      .map(
        (p) =>
          `${formatPath(p.path)} is still the example's ${p.value.length > 40 ? `${p.value.slice(0, 37)}…` : p.value}: ${p.remedy}`,
      )
      .join('; '),
    remedy: 'Replace them in citc.yaml (`citc validate` lists them with their lines).',
  };
}

/** Every check, before anything is created; `skip` marks the named ones skipped. */
export async function runPreflight(opts: PreflightOptions): Promise<PreflightReport> {
  const env = opts.env ?? process.env;
  const skip = new Set(opts.skip ?? []);
  const skipped = (check: CheckName): CheckResult => ({ check, status: 'skipped', detail: '--skip-check' });
  const [tf, tool] = skip.has('terraform') ? [skipped('terraform')] : await checkTerraform(opts, env);
  const checks: CheckResult[] = [
    tf,
    skip.has('ansible') ? skipped('ansible') : await checkAnsible(opts, env),
    skip.has('packer') ? skipped('packer') : await checkPacker(env),
    skip.has('credentials') ? skipped('credentials') : await checkCredentials(opts, env),
    skip.has('admin-address') ? skipped('admin-address') : checkAdminAddress(opts),
    skip.has('placeholders') ? skipped('placeholders') : checkPlaceholders(opts.config),
  ];
  return { checks, ok: checks.every((c) => c.status !== 'fail'), ...(tool && { terraform: tool }) };
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skipped: 'skip' };

export function formatPreflight(report: PreflightReport): string[] {
  return report.checks.map(
    (c) => `  ${MARK[c.status]} ${c.check}: ${c.detail}${c.status !== 'ok' && c.remedy ? `. ${c.remedy}` : ''}`,
  );
}

/** Stops the deploy on any failed check: one error naming each failure and what to do; exit 3 when only tools are missing. */
export function assertPreflight(report: PreflightReport, subject: string): void {
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return;
  if (failed.length === 1 && failed[0]?.error) throw failed[0].error;
  const toolsOnly = failed.every((c) => c.check === 'terraform' || c.check === 'ansible');
  throw new CitcError(
    'PREFLIGHT_FAILED',
    `${failed.length} check(s) failed before anything was created: ${failed.map((c) => `${c.check}: ${c.detail} (${c.remedy ?? 'see above'})`).join('; ')}`,
    {
      subject,
      remedy: 'Nothing was created. Fix each one, or skip one you have checked yourself with --skip-check NAME.',
      exitCode: toolsOnly ? ExitCode.missingTool : ExitCode.usage,
    },
  );
}
