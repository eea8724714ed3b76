import {
  type Architecture,
  familyOf,
  isCataloguedFamily,
  type MachineType,
  machineType,
  machineTypes,
} from '../catalog/index.js';
import { type ConfigProblem, editDistance, type FieldPath } from './problem.js';
import { type LooseConfig, looksLikeMachineType } from './rules.js';
import type { ProviderKind } from './types.js';

/**
 * The memory citc gives Slurm (RealMemory) when a shape leaves `memoryMb` out: 95 % of the smallest
 * type's memory less 512 MiB for the OS and slurmd, never under half of it. A node whose RealMemory is
 * more than its OS reports is drained by slurmctld, so the rule errs low.
 */
export function schedulableMemoryMb(memoryMib: number): number {
  return Math.max(Math.floor(memoryMib * 0.95) - 512, Math.floor(memoryMib / 2));
}

/** What the images citc builds boot on: src/render/base-images.ts picks x86_64 base images only. */
export const IMAGE_ARCHITECTURES: readonly Architecture[] = ['x86_64'];

/** A value citc filled in from the catalogue, for `config show`'s sources. */
export interface Filled {
  path: FieldPath;
  origin: string;
}

/**
 * Checks each shape's types against the catalogue (unknown or misspelt types, one architecture, the
 * CPUs, memory and GPUs the smallest type has) and fills `cpus` and `memoryMb` when they are left out.
 * Mutates the shapes of `c` (the walked copy) to fill them.
 */
export function checkShapes(c: LooseConfig): { problems: ConfigProblem[]; filled: Filled[] } {
  const problems: ConfigProblem[] = [];
  const filled: Filled[] = [];
  const kind = c.provider?.kind;
  if (kind !== 'aws' && kind !== 'gcp') return { problems, filled };
  const report = (severity: 'error' | 'warning', path: FieldPath, expected: string, found: string, hint?: string) =>
    problems.push({ path, expected, found, severity, ...(hint && { hint }) });

  const management = c.management?.machineType;
  if (management !== undefined) lookup(kind, management, ['management', 'machineType'], report);

  c.partitions?.forEach((partition, pi) => {
    partition?.shapes?.forEach((shape, si) => {
      if (!shape) return;
      const at: FieldPath = ['partitions', pi, 'shapes', si];
      const names = (shape.instanceTypes ?? []).filter((t): t is string => typeof t === 'string');
      const types = names.map((name, ti) => lookup(kind, name, [...at, 'instanceTypes', ti], report));
      const known = types.filter((t): t is MachineType => t !== undefined);
      const allKnown = names.length > 0 && known.length === names.length;

      const archs = [...new Set(known.map((t) => t.architecture))];
      if (archs.length > 1) {
        const list = known.map((t) => `${t.name} (${t.architecture})`).join(', ');
        report('error', [...at, 'instanceTypes'], 'types of one architecture (one compute image boots them all)', list);
      }
      if (known.length === 0) {
        // No types at all is already an error of instanceTypes.
        if (names.length === 0) return;
        for (const field of ['cpus', 'memoryMb'] as const) {
          if (shape[field] === undefined) {
            report(
              'error',
              [...at, field],
              `${field === 'cpus' ? 'an integer from 1 to 1024' : 'an integer ≥ 1'} (required: no type of this shape is in citc's catalogue to take it from)`,
              'nothing',
            );
          }
        }
        return;
      }
      const smallest = (key: 'vcpus' | 'memoryMib') => known.reduce((a, b) => (b[key] < a[key] ? b : a));

      const cpuType = smallest('vcpus');
      if (shape.cpus === undefined) {
        shape.cpus = cpuType.vcpus;
        filled.push({ path: [...at, 'cpus'], origin: `catalogue: ${cpuType.name} has ${cpuType.vcpus} vCPUs` });
      } else if (shape.cpus > cpuType.vcpus) {
        report(
          'error',
          [...at, 'cpus'],
          `at most ${cpuType.vcpus}, the vCPUs of ${cpuType.name} (the smallest type of this shape)`,
          String(shape.cpus),
        );
      }

      const memType = smallest('memoryMib');
      const room = schedulableMemoryMb(memType.memoryMib);
      if (shape.memoryMb === undefined) {
        shape.memoryMb = room;
        filled.push({
          path: [...at, 'memoryMb'],
          origin: `catalogue: ${memType.name} has ${memType.memoryMib} MiB, less room for the OS`,
        });
      } else if (shape.memoryMb > memType.memoryMib) {
        report(
          'error',
          [...at, 'memoryMb'],
          `at most ${memType.memoryMib}, the memory of ${memType.name} in MiB (the smallest type of this shape)`,
          String(shape.memoryMb),
          `about ${room} leaves room for the OS`,
        );
      } else if (shape.memoryMb > room && allKnown) {
        report(
          'warning',
          [...at, 'memoryMb'],
          `at most ${room} (${memType.name} has ${memType.memoryMib} MiB; the OS needs some: a node with less than RealMemory is drained)`,
          String(shape.memoryMb),
        );
      }

      const wanted = shape.gpus?.count;
      if (wanted !== undefined) {
        const gpuCount = (t: MachineType) => t.gpus?.count ?? 0;
        const fewest = known.reduce((a, b) => (gpuCount(b) < gpuCount(a) ? b : a));
        if (fewest.gpusAttachable && gpuCount(fewest) === 0) {
          report(
            'warning',
            [...at, 'gpus'],
            `a type that comes with its GPUs (g2 with L4, a2 with A100): ${fewest.name} has none until one is attached, and citc does not attach GPUs`,
            `gpus.count ${wanted}`,
          );
        } else if (wanted <= gpuCount(fewest) && shape.gpus?.type !== undefined) {
          // The gres type is only a label to Slurm, but one that names the wrong GPU misleads every user.
          const claimed = shape.gpus.type;
          const other = known.find(
            (t) => t.gpus && !t.gpus.type.startsWith(claimed) && !claimed.startsWith(t.gpus.type),
          );
          if (other?.gpus) {
            report(
              'warning',
              [...at, 'gpus', 'type'],
              `the GPU of the types (${other.name} has ${other.gpus.type})`,
              `"${claimed}"`,
            );
          }
        } else if (wanted > gpuCount(fewest)) {
          const has = gpuCount(fewest) === 0 ? 'no GPU' : `${gpuCount(fewest)} GPU${gpuCount(fewest) > 1 ? 's' : ''}`;
          report(
            'error',
            [...at, 'gpus', 'count'],
            `at most ${gpuCount(fewest)}: ${fewest.name} (the type of this shape with the fewest) has ${has}`,
            String(wanted),
          );
        }
      }
    });
  });
  return { problems, filled };
}

type Report = (severity: 'error' | 'warning', path: FieldPath, expected: string, found: string, hint?: string) => void;

/**
 * The catalogue entry of a type, reporting one that is missing: an error when its family is catalogued
 * whole (so the type does not exist: a typo, with the nearest name), else a warning (a type newer than citc).
 */
function lookup(kind: ProviderKind, name: string, path: FieldPath, report: Report): MachineType | undefined {
  // A name not even of the provider's form is checkRules' error already.
  if (!looksLikeMachineType(kind, name)) return undefined;
  const type = machineType(kind, name);
  if (type && !IMAGE_ARCHITECTURES.includes(type.architecture)) {
    const archs = IMAGE_ARCHITECTURES.join(' or ');
    report(
      'error',
      path,
      `an ${archs} type: citc builds its images for ${archs} only`,
      `"${name}" (${type.architecture})`,
    );
  }
  if (type) return type;
  const family = familyOf(kind, name);
  if (isCataloguedFamily(kind, family)) {
    const near = nearest(kind, name, family);
    const hint = near ? `did you mean ${near}?` : undefined;
    report(
      'error',
      path,
      `a ${family} type (${kind === 'aws' ? 'EC2' : 'Compute Engine'} has no ${name})`,
      `"${name}"`,
      hint,
    );
  } else {
    report(
      'warning',
      path,
      "a type in citc's catalogue, to check its CPUs and memory",
      `"${name}"`,
      // No "did you mean" here: m8g.large is one edit from m7g.large and both exist.
      'citc cannot check it; make sure cpus and memoryMb fit it',
    );
  }
  return undefined;
}

/** The catalogued name nearest to a typo: within two edits, preferring the same family. */
function nearest(kind: ProviderKind, name: string, family: string): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const t of machineTypes(kind)) {
    const d = editDistance(name, t.name);
    if (d > 2) continue;
    const score = d + (t.family === family ? 0 : 0.5);
    if (!best || score < best.score) best = { name: t.name, score };
  }
  return best?.name;
}
