/**
 * Synthesis numbers. Run: node --import tsx bench/synth.ts
 *
 * A cluster of 10 partitions × 5 shapes per provider, each measured in a fresh process (so the cold
 * number includes loading cdktf and the provider bindings, as `citc deploy` pays it): time to import
 * the synthesizer, first synthesis, median of 5 more, resources synthesized, peak RSS. Then the wall
 * time of `citc deploy --dry-run examples/aws.yaml` from dist/ (after `npm run build`), if built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig, PartitionConfig, ProviderKind } from '../src/core/config/types.js';

const ROOT = resolve(import.meta.dirname, '..');

function cluster(kind: ProviderKind): ClusterConfig {
  const partitions: PartitionConfig[] = Array.from({ length: 10 }, (_, p) => ({
    name: `p${p}`,
    default: p === 0,
    shapes: Array.from({ length: 5 }, (_, s) => ({
      name: `s${s}`,
      instanceTypes: kind === 'aws' ? ['c5.large', 'c6i.large'] : ['n2-standard-4'],
      cpus: 2,
      memoryMb: 3500,
      spot: s % 2 === 1,
      maxNodes: 100,
      features: [],
    })),
  }));
  return {
    name: `bench-${kind}`,
    provider: {
      kind,
      region: kind === 'aws' ? 'us-east-1' : 'europe-west4',
      zones: kind === 'aws' ? ['us-east-1a', 'us-east-1b', 'us-east-1c'] : ['europe-west4-a', 'europe-west4-b'],
      ...(kind === 'gcp' && { project: 'bench-project' }),
    },
    network: { cidr: '10.0.0.0/16', adminCidrs: ['192.0.2.0/24'] },
    management: { machineType: kind === 'aws' ? 't3.medium' : 'e2-standard-2', diskGb: 50 },
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home'] },
    image: { os: 'rocky9' },
    partitions,
    slurm: {
      suspendTime: 300,
      resumeTimeout: 600,
      suspendTimeout: 120,
      resumeRate: 0,
      suspendRate: 0,
      hookLogFormat: 'text',
    },
    users: [{ name: 'a', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench a@b'] }],
    tags: {},
  };
}

async function child(kind: ProviderKind): Promise<void> {
  const t0 = performance.now();
  const { synthesizeCluster } = await import('../infra/synth.js');
  const importMs = performance.now() - t0;
  const config = cluster(kind);
  const first = await synthesizeCluster(config, { workDir: mkdtempSync(join(tmpdir(), 'citc-bench-synth-')) });
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    warm.push((await synthesizeCluster(config, { workDir: mkdtempSync(join(tmpdir(), 'citc-bench-synth-')) })).ms);
  }
  warm.sort((a, b) => a - b);
  const resources = Object.values(first.json.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);
  process.stdout.write(
    `${JSON.stringify({ kind, importMs, firstMs: first.ms, warmMedianMs: warm[2], resources, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

const kindArg = process.argv.indexOf('--child');
if (kindArg > 0) {
  await child(process.argv[kindArg + 1] as ProviderKind);
} else {
  console.log('synthesis of 10 partitions x 5 shapes (500 node names), fresh process per provider');
  console.log('provider  import_ms  first_synth_ms  warm_synth_median_ms  resources  peak_rss_mb');
  for (const kind of ['aws', 'gcp'] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', kind], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.log(`${kind}: failed (exit ${r.status}) ${r.stderr.slice(-500)}`);
      process.exitCode = 1;
      continue;
    }
    const m = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    console.log(
      [
        kind.padEnd(8),
        m.importMs.toFixed(0).padStart(9),
        m.firstMs.toFixed(0).padStart(15),
        m.warmMedianMs.toFixed(0).padStart(21),
        String(m.resources).padStart(10),
        m.peakRssMb.toFixed(0).padStart(12),
      ].join('  '),
    );
  }
  const run = join(ROOT, 'bin', 'run.js');
  if (existsSync(join(ROOT, 'dist', 'src', 'cli', 'commands', 'deploy.js'))) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          run,
          'deploy',
          '--dry-run',
          join(ROOT, 'examples', 'aws.yaml'),
          '--work-dir',
          mkdtempSync(join(tmpdir(), 'citc-bench-dry-')),
        ],
        { encoding: 'utf8' },
      );
      times.push(performance.now() - t);
      if (r.status !== 0) console.log(`citc deploy --dry-run failed: ${r.stderr.slice(-300)}`);
    }
    times.sort((a, b) => a - b);
    console.log(
      `citc deploy --dry-run examples/aws.yaml (dist, wall): median ${times[1]?.toFixed(0)} ms of 3 (min ${times[0]?.toFixed(0)}, max ${times[2]?.toFixed(0)})`,
    );
  } else {
    console.log('citc deploy --dry-run: dist/ not built (npm run build), not measured');
  }
}
