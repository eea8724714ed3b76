import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The only stand-in of the lab's deploy: `terraform` (first on PATH of `citc deploy` / `citc destroy`).
 * `apply` asks the rehearsal (over a unix socket, which works across network namespaces) to create the
 * management node: a lab host booted from the Debian 12 root file system, and does what the synthesized
 * stack asks of its first boot (host name, the keys of the image's sudo user): on AWS the instance's
 * cloud-init user data, on Google Cloud its metadata (`ssh-keys`, read by the guest agent). It then prints
 * what terraform prints and `output -json` returns the outputs a real apply records (infra/aws/stack.ts,
 * infra/gcp/stack.ts). `destroy` powers the host off.
 */

/** What the synthesized stack asks of the management instance's first boot. */
export interface ManagementUserData {
  hostname?: string;
  /** The image's sudo user the keys are for (Debian's AMI: `admin`; on GCE the user named in `ssh-keys`). */
  user: string;
  /** Its home: /home/<user> as the guest agent makes it on GCE; the lab's AWS image keeps it off /home. */
  home?: string;
  sshAuthorizedKeys: string[];
}

interface Stack {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

function readStack(stackDir: string): Stack {
  return JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as Stack;
}

/** Reads the management instance's cloud-init user data from the synthesized AWS stack (cdk.tf.json). */
export function managementUserData(stackDir: string): ManagementUserData {
  const instances = Object.values(readStack(stackDir).resource?.aws_instance ?? {}) as { user_data?: string }[];
  const text = instances.find((i) => i.user_data)?.user_data;
  if (!text) throw new Error(`no aws_instance with user_data in ${stackDir}/cdk.tf.json`);
  const doc = parse(text.replace(/^#cloud-config\n/, '')) as { hostname?: string; ssh_authorized_keys?: string[] };
  return {
    ...(doc.hostname && { hostname: doc.hostname }),
    // The Debian AMI's default user, which cloud-init gives the keys to.
    user: 'admin',
    sshAuthorizedKeys: doc.ssh_authorized_keys ?? [],
  };
}

/** The management instance of a synthesized Google Cloud stack, as terraform would create it. */
export interface GceManagementInstance {
  name: string;
  zone: string;
  machineType: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  /** The service account it runs as (google_service_account's account_id@project). */
  serviceAccount?: string;
  /** The device name of the attached shared disk (/dev/disk/by-id/google-<name> on the instance). */
  sharedDiskDevice?: string;
  /** What the guest agent does with `ssh-keys` on first boot: the user and its keys. */
  firstBoot: ManagementUserData;
}

/** Reads the management google_compute_instance (and its service account, its attached disk) from the stack. */
export function gceManagementInstance(stackDir: string): GceManagementInstance {
  const res = readStack(stackDir).resource ?? {};
  type Instance = {
    name: string;
    zone: string;
    machine_type: string;
    labels?: Record<string, string>;
    metadata?: Record<string, string>;
    service_account?: { email?: string };
  };
  const instances = Object.entries(res.google_compute_instance ?? {}) as [string, Instance][];
  const found = instances.find(([, i]) => i.labels?.['citc-role'] === 'management') ?? instances[0];
  if (!found) throw new Error(`no google_compute_instance in ${stackDir}/cdk.tf.json`);
  const [id, inst] = found;
  const metadata = inst.metadata ?? {};
  // ssh-keys: one `user:key` a line; the guest agent makes each user a sudoer with those keys.
  const lines = (metadata['ssh-keys'] ?? '').split('\n').filter((l) => l.includes(':'));
  const users = [...new Set(lines.map((l) => l.slice(0, l.indexOf(':'))))];
  if (users.length !== 1) throw new Error(`the management instance's ssh-keys name ${users.length} users, want 1`);
  const user = users[0] as string;
  // `${google_service_account.<id>.email}`: account_id@project.iam.gserviceaccount.com once applied.
  const ref = /^\$\{google_service_account\.([^.]+)\.email\}$/.exec(inst.service_account?.email ?? '');
  const account = ref
    ? (res.google_service_account?.[ref[1] as string] as { account_id?: string; project?: string })
    : undefined;
  const disk = Object.values(res.google_compute_attached_disk ?? {}).find(
    (d) => d.instance === `\${google_compute_instance.${id}.id}`,
  ) as { device_name?: string } | undefined;
  return {
    name: inst.name,
    zone: inst.zone,
    machineType: inst.machine_type,
    labels: inst.labels ?? {},
    metadata,
    ...(account?.account_id && { serviceAccount: `${account.account_id}@${account.project}.iam.gserviceaccount.com` }),
    ...(disk?.device_name && { sharedDiskDevice: disk.device_name }),
    firstBoot: {
      // GCE names the host after the instance.
      hostname: inst.name,
      user,
      home: `/home/${user}`,
      sshAuthorizedKeys: lines.filter((l) => l.startsWith(`${user}:`)).map((l) => l.slice(user.length + 1).trim()),
    },
  };
}

export interface InfraHandlers {
  /** Creates (or keeps) the management node from the stack in `stackDir`; returns terraform's outputs. */
  apply(stackDir: string): Promise<Record<string, unknown>>;
  /** packer_image_command: makes an image of the build host, returns its id. */
  image(): Promise<string>;
  destroy(): Promise<void>;
}

export interface StandInTerraformLab {
  binDir: string;
  socket: string;
  server: Server;
  close(): Promise<void>;
}

export async function labTerraform(dir: string, handlers: InfraHandlers): Promise<StandInTerraformLab> {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const socket = join(dir, 'infra.sock');
  let outputs: Record<string, unknown> = {};
  const server = createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://lab');
    const route = `${req.method} ${url.pathname}`;
    const work =
      route === 'POST /apply'
        ? handlers.apply(url.searchParams.get('dir') ?? '').then((o) => {
            outputs = o;
            return o;
          })
        : route === 'POST /destroy'
          ? handlers.destroy().then(() => {
              outputs = {};
              return {};
            })
          : route === 'POST /image'
            ? handlers.image().then((id) => ({ id }))
            : route === 'GET /outputs'
              ? Promise.resolve(outputs)
              : Promise.reject(new Error(`unknown ${route}`));
    work.then(
      (b) => reply(200, b),
      (err: unknown) => reply(500, { error: String(err instanceof Error ? err.stack : err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));

  const client = join(binDir, 'infra-client.cjs');
  const appliedSnapshot = join(dir, 'applied-stack.json');
  writeFileSync(
    client,
    `const http = require('node:http');
const fs = require('node:fs');
const [method, path] = process.argv.slice(2);
const snapshot = ${JSON.stringify(appliedSnapshot)};
if (path === '/plan') {
  // terraform plan -json: a planned_change per resource that differs from the last apply, then the summary.
  const resources = (file) => {
    const out = new Map();
    if (!fs.existsSync(file)) return out;
    const stack = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [type, byName] of Object.entries(stack.resource || {}))
      for (const [name, body] of Object.entries(byName)) out.set(type + '.' + name, { type, body: JSON.stringify(body) });
    return out;
  };
  const before = resources(snapshot);
  const after = resources('cdk.tf.json');
  const counts = { add: 0, change: 0, remove: 0 };
  const say = (addr, type, action) => {
    counts[action === 'create' ? 'add' : action === 'delete' ? 'remove' : 'change']++;
    console.log(JSON.stringify({ '@level': 'info', '@message': addr + ': Plan to ' + action, type: 'planned_change', change: { resource: { addr, resource_type: type }, action } }));
  };
  for (const [addr, r] of after) {
    const was = before.get(addr);
    if (!was) say(addr, r.type, 'create');
    else if (was.body !== r.body) say(addr, r.type, 'update');
  }
  for (const [addr, r] of before) if (!after.has(addr)) say(addr, r.type, 'delete');
  console.log(JSON.stringify({ '@level': 'info', '@message': 'Plan: ' + counts.add + ' to add, ' + counts.change + ' to change, ' + counts.remove + ' to destroy.', type: 'change_summary', changes: { ...counts, operation: 'plan' } }));
  const out = process.argv.find((a) => a.startsWith('-out='));
  if (out) fs.copyFileSync('cdk.tf.json', out.slice('-out='.length));
  process.exit(0);
}
const url = path === '/apply' ? path + '?dir=' + encodeURIComponent(process.cwd()) : path;
const req = http.request({ socketPath: ${JSON.stringify(socket)}, method, path: url }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => {
    const parsed = JSON.parse(body);
    if (res.statusCode !== 200) { process.stderr.write(parsed.error + '\\n'); process.exit(1); }
    if (path === '/image') process.stdout.write(parsed.id + '\\n');
    if (path === '/apply') fs.copyFileSync('cdk.tf.json', snapshot);
    if (path === '/destroy') fs.rmSync(snapshot, { force: true });
    if (path === '/outputs') {
      const out = {};
      for (const [k, value] of Object.entries(parsed)) out[k] = { sensitive: false, type: Array.isArray(value) ? ['list', 'string'] : 'string', value };
      process.stdout.write(JSON.stringify(out) + '\\n');
    }
  });
});
req.on('error', (e) => { process.stderr.write(String(e) + '\\n'); process.exit(1); });
req.end();
`,
  );
  const line = (o: object) => `echo '${JSON.stringify(o)}'`;
  const script = `#!/bin/sh
# citc rehearsal: stand-in terraform (test/lab/terraform.ts)
node=${JSON.stringify(process.execPath)}
case "$1" in
  version) echo '{"terraform_version":"1.9.8","platform":"linux_amd64"}' ;;
  init) echo 'Terraform has been successfully initialized!' ;;
  plan) exec "$node" ${JSON.stringify(client)} - /plan "$@" ;;
  apply)
    "$node" ${JSON.stringify(client)} POST /apply || exit 1
    ${line({ '@level': 'info', '@message': 'management node: Creation complete', type: 'apply_complete' })}
    ${line({ '@level': 'info', '@message': 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.', type: 'change_summary' })}
    ;;
  output) exec "$node" ${JSON.stringify(client)} GET /outputs ;;
  destroy)
    "$node" ${JSON.stringify(client)} POST /destroy || exit 1
    ${line({ '@level': 'info', '@message': 'Destroy complete! Resources: 1 destroyed.', type: 'change_summary' })}
    ;;
  *) echo "stand-in terraform: unexpected $1" >&2; exit 9 ;;
esac
`;
  writeFileSync(join(binDir, 'terraform'), script);
  chmodSync(join(binDir, 'terraform'), 0o755);
  return {
    binDir,
    socket,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
