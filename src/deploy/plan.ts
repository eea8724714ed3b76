/**
 * Pure: what a deploy would do to each resource, from the Terraform JSON last applied and the one just
 * synthesized (and, where terraform runs, from `terraform plan -json`), and whether citc may go on.
 */
import type { TerraformJson } from '../../infra/synth.js';
import { CitcError, ExitCode } from '../core/errors.js';
import { forcesReplacement } from './replace-rules.js';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete';

/** The resources whose loss costs data or the cluster's controller. */
export type ProtectedRole = 'management node' | 'shared disk';

export interface ResourceChange {
  /** Terraform address, `aws_instance.management_node_E9B160A4`. */
  address: string;
  type: string;
  action: ChangeAction;
  /** One line each: what changed, `availability_zone: "us-east-1a" → "us-east-1b"`, the ones forcing a replacement first. */
  reasons: string[];
  /** Set for the management node and the shared disk (or file system), with its cloud name. */
  protected?: { role: ProtectedRole; name: string };
}

export type PlanBasis =
  /** Nothing applied yet: everything is created. */
  | 'first deploy'
  /** Compared with the configuration of the last successful apply. */
  | 'last applied'
  /** terraform/tofu plan said which actions; the reasons come from the comparison. */
  | 'terraform plan';

export interface DeployPlan {
  basis: PlanBasis;
  changes: ResourceChange[];
  counts: Record<ChangeAction, number>;
  /** Resources left as they are. */
  unchanged: number;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const NOT_ATTRIBUTES = new Set(['//', 'lifecycle', 'depends_on', 'provider', 'count', 'for_each', 'connection']);
const ORDER: Record<ChangeAction, number> = { replace: 0, delete: 1, update: 2, create: 3 };

function addresses(json: TerraformJson | undefined): Map<string, { type: string; body: Record<string, unknown> }> {
  const out = new Map<string, { type: string; body: Record<string, unknown> }>();
  for (const [type, byName] of Object.entries((json?.resource ?? {}) as Resources)) {
    for (const [name, body] of Object.entries(byName)) out.set(`${type}.${name}`, { type, body });
  }
  return out;
}

/** The management node and the shared storage, recognised by their construct path in the stack. */
export function protectedRole(type: string, body: Record<string, unknown>): ResourceChange['protected'] {
  const path = ((body['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? '')
    .split('/')
    .slice(1)
    .join('/');
  const tags = (body.tags ?? body.labels) as Record<string, string> | undefined;
  const name = String(body.name ?? tags?.Name ?? body.creation_token ?? type);
  if (path === 'management/node') return { role: 'management node', name };
  if (/^storage\/(disk|efs|filestore)$/.test(path)) return { role: 'shared disk', name };
  return undefined;
}

interface Leaf {
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaf paths that differ, dotted, list indexes dropped (Terraform's ForceNew paths are written the same way). */
export function changedPaths(before: unknown, after: unknown, prefix = ''): Leaf[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown) => typeof v === 'object' && v !== null;
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: Leaf[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++)
      out.push(...changedPaths(before[i], after[i], prefix));
    return out.length > 0 ? out : [{ path: prefix, before, after }];
  }
  if (isObj(before) && isObj(after) && !Array.isArray(before) && !Array.isArray(after)) {
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    const out: Leaf[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!prefix && NOT_ATTRIBUTES.has(k)) continue;
      out.push(...changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    return out;
  }
  return [{ path: prefix, before, after }];
}

/** Every leaf of a resource body with its dotted path (list indexes dropped), Terraform's meta-arguments left out. */
function leavesOf(v: unknown, prefix = ''): { path: string; value: unknown }[] {
  if (Array.isArray(v)) return v.flatMap((x) => leavesOf(x, prefix));
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).flatMap(([k, x]) =>
      !prefix && NOT_ATTRIBUTES.has(k) ? [] : leavesOf(x, prefix ? `${prefix}.${k}` : k),
    );
  }
  return [{ path: prefix, value: v }];
}

function ignored(body: Record<string, unknown>): (path: string) => boolean {
  const list = (body.lifecycle as { ignore_changes?: string[] | 'all' } | undefined)?.ignore_changes;
  if (list === 'all') return () => true;
  const paths = (list ?? []).map((p) => p.replace(/\[\d+\]/g, ''));
  return (path) => paths.some((p) => path === p || path.startsWith(`${p}.`));
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  // A reference reads as the resource it names: aws_subnet.x.id, not "${aws_subnet.x.id}".
  if (typeof v === 'string' && /^\$\{[^}]+\}$/.test(v)) return v.slice(2, -1);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** Every `${type.name.attr}` reference in a value, as `type.name`. */
function references(v: unknown): string[] {
  const text = JSON.stringify(v) ?? '';
  return [...text.matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\./g)].map((m) => m[1] as string);
}

function count(changes: ResourceChange[]): Record<ChangeAction, number> {
  const c: Record<ChangeAction, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const ch of changes) c[ch.action]++;
  return c;
}

function sorted(changes: ResourceChange[]): ResourceChange[] {
  return changes.sort((a, b) => ORDER[a.action] - ORDER[b.action] || a.address.localeCompare(b.address));
}

/**
 * Compares the configuration last applied with the new one. A resource whose ForceNew attribute changed is
 * replaced, and so is one whose ForceNew attribute refers to a replaced resource (its id changes), until
 * nothing more changes. Conservative: a reference to a replaced resource counts as a change even where
 * Terraform would find the same value.
 */
export function diffTerraform(applied: TerraformJson | undefined, next: TerraformJson): DeployPlan {
  const before = addresses(applied);
  const after = addresses(next);
  const changes = new Map<string, ResourceChange>();
  for (const [address, { type, body }] of after) {
    const old = before.get(address);
    const prot = protectedRole(type, body);
    const base = { address, type, ...(prot && { protected: prot }) };
    if (!old) {
      if (applied) changes.set(address, { ...base, action: 'create', reasons: [] });
      continue;
    }
    const skip = ignored(body);
    const leaves = changedPaths(old.body, body).filter((l) => !skip(l.path));
    if (leaves.length === 0) continue;
    const force = leaves.filter((l) => forcesReplacement(type, l.path, l.before, l.after));
    const rest = leaves.filter((l) => !force.includes(l));
    const reasons = [...force, ...rest].map((l) => `${l.path}: ${show(l.before)} → ${show(l.after)}`);
    changes.set(address, { ...base, action: force.length > 0 ? 'replace' : 'update', reasons });
  }
  if (!applied) {
    const all = [...after].map(([address, { type, body }]): ResourceChange => {
      const prot = protectedRole(type, body);
      return { address, type, action: 'create', reasons: [], ...(prot && { protected: prot }) };
    });
    return { basis: 'first deploy', changes: sorted(all), counts: count(all), unchanged: 0 };
  }
  for (const [address, { type, body }] of before) {
    if (after.has(address)) continue;
    const prot = protectedRole(type, body);
    changes.set(address, { address, type, action: 'delete', reasons: [], ...(prot && { protected: prot }) });
  }
  // Follow replacements through references until nothing more changes.
  for (let grew = true; grew; ) {
    grew = false;
    const replaced = new Set([...changes.values()].filter((c) => c.action === 'replace').map((c) => c.address));
    for (const [address, { type, body }] of after) {
      const current = changes.get(address);
      if (!before.has(address) || current?.action === 'replace') continue;
      const skip = ignored(body);
      for (const leaf of leavesOf(body)) {
        if (skip(leaf.path)) continue;
        const hit = references(leaf.value).find((r) => replaced.has(r));
        if (!hit) continue;
        const force = forcesReplacement(type, leaf.path);
        const reason = `${leaf.path} follows ${hit}, which is replaced`;
        const prot = protectedRole(type, body);
        const prev = changes.get(address);
        if (force) {
          changes.set(address, {
            address,
            type,
            action: 'replace',
            reasons: [reason, ...(prev?.reasons ?? [])],
            ...(prot && { protected: prot }),
          });
          grew = true;
          break;
        }
        if (!prev)
          changes.set(address, {
            address,
            type,
            action: 'update',
            reasons: [reason],
            ...(prot && { protected: prot }),
          });
        else if (!prev.reasons.includes(reason)) prev.reasons.push(reason);
      }
    }
  }
  const list = sorted([...changes.values()]);
  return {
    basis: 'last applied',
    changes: list,
    counts: count(list),
    unchanged: after.size - (list.length - count(list).delete),
  };
}

/** One `planned_change` of `terraform plan -json` (the same in OpenTofu). */
export interface PlannedChange {
  address: string;
  type: string;
  action: ChangeAction;
}

const TF_ACTIONS: Record<string, ChangeAction | undefined> = {
  create: 'create',
  update: 'update',
  replace: 'replace',
  delete: 'delete',
};

/** Reads the planned changes out of `plan -json` lines; noop, read, move and import lines are not changes. */
export function parsePlanLines(lines: readonly string[]): PlannedChange[] {
  const out: PlannedChange[] = [];
  for (const line of lines) {
    let msg: { type?: string; change?: { resource?: { addr?: string; resource_type?: string }; action?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    const action = TF_ACTIONS[msg.change?.action ?? ''];
    const addr = msg.change?.resource?.addr;
    if (msg.type !== 'planned_change' || !action || !addr) continue;
    out.push({ address: addr, type: msg.change?.resource?.resource_type ?? addr.split('.')[0] ?? '', action });
  }
  return out;
}

/**
 * terraform's actions win (it knows the real state); the comparison adds why. A resource only the
 * comparison lists is dropped: terraform found nothing to do for it.
 */
export function withTerraformPlan(
  diff: DeployPlan,
  planned: readonly PlannedChange[],
  applied: TerraformJson | undefined,
  next: TerraformJson,
): DeployPlan {
  const bodies = new Map([...addresses(applied), ...addresses(next)]);
  const known = new Map(diff.changes.map((c) => [c.address, c]));
  const changes = planned.map((p): ResourceChange => {
    const entry = bodies.get(p.address);
    const prot = entry ? protectedRole(entry.type, entry.body) : undefined;
    return {
      address: p.address,
      type: p.type,
      action: p.action,
      reasons: known.get(p.address)?.reasons ?? [],
      ...(prot && { protected: prot }),
    };
  });
  const list = sorted(changes);
  const total = addresses(next).size;
  const c = count(list);
  return {
    basis: 'terraform plan',
    changes: list,
    counts: c,
    unchanged: Math.max(0, total - (list.length - c.delete)),
  };
}

/** Replacements and deletions: what a plain deploy asks about before applying. */
export function destructive(plan: DeployPlan): ResourceChange[] {
  return plan.basis === 'first deploy'
    ? []
    : plan.changes.filter((c) => c.action === 'replace' || c.action === 'delete');
}

/** The changes that replace or delete the management node or the shared disk. */
export function protectedLosses(plan: DeployPlan): ResourceChange[] {
  return destructive(plan).filter((c) => c.protected);
}

/**
 * Refuses a plan that replaces or deletes the management node or the shared disk, unless the person
 * asked for it with --allow-replace. The message names each one and why.
 */
export function guardPlan(plan: DeployPlan, opts: { allowReplace?: boolean; subject: string }): void {
  const losses = protectedLosses(plan).sort((a, b) => (a.protected?.role ?? '').localeCompare(b.protected?.role ?? ''));
  if (losses.length === 0 || opts.allowReplace) return;
  const what = losses
    .map((c) => {
      const p = c.protected as NonNullable<ResourceChange['protected']>;
      const verb = c.action === 'replace' ? 'replace' : 'delete';
      return `${verb} the ${p.role} ${p.name} (${c.address}${c.reasons[0] ? `: ${c.reasons[0]}` : ''})`;
    })
    .join(' and ');
  throw new CitcError('DEPLOY_WOULD_REPLACE', `refusing to ${what}`, {
    subject: opts.subject,
    remedy:
      'Nothing was changed. Undo the change in citc.yaml (see the plan above), or pass --allow-replace once /home and /shared are backed up: a replaced shared disk starts empty and a replaced management node loses its jobs.',
    exitCode: ExitCode.usage,
  });
}

const SIGN: Record<ChangeAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-' };
const VERB: Record<ChangeAction, string> = {
  create: 'create',
  update: 'update in place',
  replace: 'replace',
  delete: 'delete',
};

/** The plan for a person: a count line, then one line per resource and an indented line per reason. */
export function formatPlan(plan: DeployPlan): string[] {
  const c = plan.counts;
  const basis =
    plan.basis === 'terraform plan'
      ? 'from terraform plan'
      : plan.basis === 'last applied'
        ? 'compared with the configuration last applied'
        : 'first deploy';
  const head = `Plan (${basis}): ${c.create} to create, ${c.update} to update in place, ${c.replace} to replace, ${c.delete} to delete, ${plan.unchanged} unchanged.`;
  if (plan.basis === 'first deploy') return [head];
  const lines = [head];
  for (const ch of plan.changes) {
    const tag = ch.protected ? ` [${ch.protected.role} ${ch.protected.name}]` : '';
    lines.push(`  ${SIGN[ch.action].padStart(3)} ${ch.address}${tag}: ${VERB[ch.action]}`);
    for (const r of ch.reasons.slice(0, 4)) lines.push(`        ${r}`);
    if (ch.reasons.length > 4) lines.push(`        … and ${ch.reasons.length - 4} more`);
  }
  return lines;
}
