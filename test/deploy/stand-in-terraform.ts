import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in `terraform` (or `tofu`) for tests, put first on PATH: it appends each call (arguments,
 * working directory, whether cdk.tf.json is there) to a file and answers like terraform does:
 * `version -json`, `init`, `plan -json` (planned_change lines), `apply -json` / `destroy -json`
 * (machine-readable UI lines, then an exit code), `output -json`.
 */
export interface StandInTerraformOptions {
  name?: 'terraform' | 'tofu';
  version?: string;
  applyExit?: number;
  /** UI lines apply prints; defaults to one resource created and a summary. */
  applyLines?: object[];
  destroyExit?: number;
  outputs?: Record<string, unknown>;
  /** `plan -json` lines (planned_change messages); default: nothing to change. */
  planLines?: object[];
  planExit?: number;
}

export interface TerraformCall {
  args: string[];
  cwd: string;
  hasStack: boolean;
}

export interface StandInTerraform {
  binDir: string;
  calls(): Promise<TerraformCall[]>;
}

export const DIAGNOSTIC_ERROR = {
  '@level': 'error',
  '@message': 'Error: creating EC2 VPC: UnauthorizedOperation',
  type: 'diagnostic',
  diagnostic: {
    severity: 'error',
    summary: 'creating EC2 VPC: UnauthorizedOperation',
    detail: 'You are not authorized to perform this operation.',
  },
};

export async function standInTerraform(dir: string, opts: StandInTerraformOptions = {}): Promise<StandInTerraform> {
  const name = opts.name ?? 'terraform';
  const binDir = join(dir, `bin-${name}`);
  await mkdir(binDir, { recursive: true });
  const log = join(dir, `${name}-calls.jsonl`);
  const apply = join(dir, `${name}-apply.jsonl`);
  const outputs = join(dir, `${name}-outputs.json`);
  const plan = join(dir, `${name}-plan.jsonl`);
  const planLines = opts.planLines ?? [
    {
      '@level': 'info',
      '@message': 'Plan: 0 to add, 0 to change, 0 to destroy.',
      type: 'change_summary',
      changes: { add: 0, change: 0, import: 0, remove: 0, operation: 'plan' },
    },
  ];
  await writeFile(plan, planLines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const applyLines = opts.applyLines ?? [
    {
      '@level': 'info',
      '@message': 'aws_vpc.network_vpc: Creation complete after 2s [id=vpc-0abc]',
      type: 'apply_complete',
    },
    {
      '@level': 'info',
      '@message': 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.',
      type: 'change_summary',
    },
  ];
  await writeFile(apply, applyLines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const out = Object.fromEntries(
    Object.entries(opts.outputs ?? {}).map(([k, value]) => [k, { sensitive: false, type: 'string', value }]),
  );
  await writeFile(outputs, JSON.stringify(out));
  const script = `#!/bin/sh
node -e 'const fs=require("fs");process.stdout.write(JSON.stringify({args:process.argv.slice(1),cwd:process.cwd(),hasStack:fs.existsSync("cdk.tf.json")})+"\\n")' -- "$@" >> '${log}'
case "$1" in
  version) echo '{"terraform_version":"${opts.version ?? '1.9.8'}","platform":"linux_amd64"}' ;;
  init) echo 'Initializing the backend...'; echo 'Initializing provider plugins...'; echo '- Installing hashicorp/aws v6.25.0...'; echo 'Terraform has been successfully initialized!' ;;
  plan) cat '${plan}'; exit ${opts.planExit ?? 0} ;;
  apply) cat '${apply}'; exit ${opts.applyExit ?? 0} ;;
  destroy) echo '{"@message":"Destroy complete! Resources: 21 destroyed.","type":"change_summary"}'; exit ${opts.destroyExit ?? 0} ;;
  output) cat '${outputs}' ;;
  *) echo "stand-in ${name}: unexpected $1" >&2; exit 9 ;;
esac
`;
  await writeFile(join(binDir, name), script);
  await chmod(join(binDir, name), 0o755);
  return {
    binDir,
    async calls() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TerraformCall);
    },
  };
}

/**
 * A PATH of the given dirs plus one holding only what the stand-ins run (node, cat): no real
 * terraform/tofu/ansible on this machine can be found through it.
 */
export async function isolatedPath(dir: string, ...dirs: string[]): Promise<string> {
  const tools = join(dir, 'tools');
  await mkdir(tools, { recursive: true });
  for (const [name, target] of [
    ['node', process.execPath],
    ['cat', '/bin/cat'],
  ] as const) {
    await symlink(target, join(tools, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  return [...dirs, tools].join(':');
}

/** A `planned_change` line as `terraform plan -json` prints it. */
export function plannedChange(addr: string, action: 'create' | 'update' | 'replace' | 'delete'): object {
  const [type, name] = addr.split('.') as [string, string];
  return {
    '@level': 'info',
    '@message': `${addr}: Plan to ${action}`,
    type: 'planned_change',
    change: {
      resource: {
        addr,
        module: '',
        resource: addr,
        implied_provider: type.split('_')[0],
        resource_type: type,
        resource_name: name,
        resource_key: null,
      },
      action,
    },
  };
}
