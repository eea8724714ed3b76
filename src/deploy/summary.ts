import { relative } from 'node:path';
import type { ClusterInfraModel } from '../../infra/model.js';
import type { SynthResult, TerraformJson } from '../../infra/synth.js';
import { type DeployPlan, formatPlan } from './plan.js';

/** What a deploy would create, from the synthesized JSON: the `--dry-run` report. */
export interface DeploySummary {
  cluster: string;
  provider: string;
  region: string;
  zones: string[];
  /** Resource counts by Terraform type, most first. */
  resources: { type: string; count: number }[];
  totalResources: number;
  dataSources: number;
  management: { name: string; machineType: string; zone: string; diskGb: number };
  storage: { kind: string; sizeGb: number; mounts: string[] };
  partitions: {
    name: string;
    maxNodes: number;
    shapes: { name: string; instanceTypes: string[]; maxNodes: number; spot: boolean }[];
  }[];
  maxNodes: number;
  outputs: string[];
  files: { stackDir: string; file: string; stateFile: string };
  synthMs: number;
}

export function resourceCounts(json: TerraformJson): { type: string; count: number }[] {
  return Object.entries(json.resource ?? {})
    .map(([type, byName]) => ({ type, count: Object.keys(byName).length }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

export function summarize(synth: SynthResult): DeploySummary {
  const m: ClusterInfraModel = synth.model;
  const resources = resourceCounts(synth.json);
  return {
    cluster: m.cluster,
    provider: m.provider,
    region: m.region,
    zones: m.zones,
    resources,
    totalResources: resources.reduce((n, r) => n + r.count, 0),
    dataSources: Object.values(synth.json.data ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0),
    management: {
      name: m.management.name,
      machineType: m.management.machineType,
      zone: m.management.zone,
      diskGb: m.management.diskGb,
    },
    storage: { kind: m.storage.kind, sizeGb: m.storage.sizeGb, mounts: m.storage.mounts },
    partitions: m.compute.partitions.map((p) => ({ ...p, maxNodes: p.shapes.reduce((n, s) => n + s.maxNodes, 0) })),
    maxNodes: m.compute.maxNodes,
    outputs: Object.keys(synth.json.output ?? {}).sort(),
    files: { stackDir: synth.stackDir, file: synth.file, stateFile: synth.stateFile },
    synthMs: Math.round(synth.ms),
  };
}

/**
 * The report a person reads; paths relative to `cwd` when they are below it. With a plan of a cluster
 * applied before, the plan (resource by resource) takes the place of the resource counts.
 */
export function formatSummary(s: DeploySummary, cwd: string = process.cwd(), plan?: DeployPlan): string[] {
  const path = (p: string) => {
    const r = relative(cwd, p);
    return r.startsWith('..') ? p : r;
  };
  const width = Math.max(...s.resources.map((r) => String(r.count).length));
  return [
    `Cluster ${s.cluster} on ${s.provider} (${s.region}), synthesized in ${s.synthMs} ms.`,
    ...(plan && plan.basis !== 'first deploy'
      ? formatPlan(plan)
      : [
          `Terraform would create ${s.totalResources} resources (reading ${s.dataSources} data sources):`,
          ...s.resources.map((r) => `  ${String(r.count).padStart(width)} ${r.type}`),
        ]),
    `Management node: ${s.management.name}, ${s.management.machineType} in ${s.management.zone}, ${s.management.diskGb} GB encrypted disk.`,
    `Shared storage: ${s.storage.kind}, ${s.storage.sizeGb} GB, mounted at ${s.storage.mounts.join(', ')}.`,
    `Compute nodes: none now; Slurm starts them on demand in ${s.zones.join(', ')} and deletes them when idle:`,
    ...s.partitions.map(
      (p) =>
        `  partition ${p.name}: ${p.shapes
          .map((sh) => `${sh.name} ≤ ${sh.maxNodes}${sh.spot ? ' spot' : ''} (${sh.instanceTypes.join(', ')})`)
          .join('; ')}`,
    ),
    `  at most ${s.maxNodes} compute nodes at once.`,
    `Terraform JSON: ${path(s.files.file)}`,
    `Terraform state (local backend): ${path(s.files.stateFile)}`,
  ];
}
