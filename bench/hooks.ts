/**
 * Power-save hook numbers. Run: node --import tsx bench/hooks.ts [--sizes 1,10,100,1000,5000] [--no-startup]
 *
 * Part 1, resume and suspend of N nodes in-process, one child process per N (so peak RSS is per run):
 * the cloud is a zero-latency stand-in of the Cloud port, so these are the hooks' own overhead.
 * Part 2, the bundled hooks as processes against the loopback EC2 / GCE fakes through the real SDKs:
 * wall time, the fake's own latency and the rest (the hook's), launch calls (total and the most for one
 * shape+zone+type, to compare with ceil(N / batch)), all API calls, scontrol calls, process start to
 * first API call, peak RSS. The bundle is built from the current source into a temp dir;
 * CITC_BENCH_BUNDLE=<dir> measures another build (e.g. an older commit's dist/hooks) instead.
 * Part 3, start-up: process start to the point the hook needs the cloud, from source and bundled, and
 * what each adapter loads before its first call (SDK + clients): whole package vs deep imports vs
 * deep imports bundled with the pruned GCE protos that dist/hooks ships.
 * scontrol is a stand-in script that records its arguments everywhere; the output says so.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ClusterConfig } from '../src/core/config/types.js';
import type { BatchOutcome, LiveInstance, PlannedBatch } from '../src/core/plan/types.js';
import type { HookRuntime } from '../src/core/runtime.js';
import type { Cloud } from '../src/hooks/cloud.js';

const ROOT = resolve(import.meta.dirname, '..');

function cluster(maxNodes: number): ClusterConfig {
  return {
    name: 'bench',
    provider: { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b'] },
    network: { cidr: '10.0.0.0/16', adminCidrs: [] },
    management: { machineType: 't3.medium', diskGb: 50 },
    storage: { kind: 'nfs', sizeGb: 100, mounts: ['/home'] },
    image: { os: 'rocky9' },
    partitions: [
      {
        name: 'compute',
        default: true,
        shapes: [
          {
            name: 'c5',
            instanceTypes: ['c5.large', 'c5a.large'],
            cpus: 2,
            memoryMb: 3500,
            spot: false,
            maxNodes,
            features: [],
          },
        ],
      },
    ],
    slurm: {
      suspendTime: 300,
      resumeTimeout: 600,
      suspendTimeout: 120,
      resumeRate: 0,
      suspendRate: 0,
      hookLogFormat: 'text',
    },
    users: [],
    tags: {},
  };
}

function setup(maxNodes: number): { runtime: HookRuntime; runtimePath: string; scontrolLog: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'citc-bench-'));
  const scontrolLog = join(dir, 'scontrol.calls');
  const scontrol = join(dir, 'scontrol');
  writeFileSync(scontrol, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${scontrolLog}\n`);
  chmodSync(scontrol, 0o755);
  const runtime: HookRuntime = {
    version: 1,
    cluster: cluster(maxNodes),
    imageId: 'ami-0123456789abcdef0',
    aws: { subnetIdsByZone: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b' }, securityGroupIds: ['sg-1'] },
    // Locks on tmpfs as in production (/run/citc/locks): creating 5000 files in this machine's /tmp is 50x slower.
    paths: { scontrol, logFile: join(dir, 'hooks.log'), lockDir: join(mkdtempSync('/dev/shm/citc-bench-'), 'locks') },
    log: { format: 'text' },
  };
  const runtimePath = join(dir, 'runtime.json');
  writeFileSync(runtimePath, JSON.stringify(runtime));
  return { runtime, runtimePath, scontrolLog, dir };
}

/** Zero-latency stand-in of the cloud port: launches everything, keeps instances in a map. */
function standInCloud(calls: Map<string, number>): Cloud {
  const live = new Map<string, LiveInstance>();
  let next = 0;
  const count = (op: string) => calls.set(op, (calls.get(op) ?? 0) + 1);
  return {
    provider: 'aws',
    async list(nodes) {
      count('list');
      const want = new Set(nodes);
      return [...live.values()].filter((i) => want.has(i.node));
    },
    async launch(batch: PlannedBatch): Promise<BatchOutcome> {
      count(`launch ${batch.option.instanceType}@${batch.option.zone}`);
      const launched = batch.nodes.map((node) => {
        const n = next++;
        const inst = {
          node,
          id: `i-${n.toString(16).padStart(17, '0')}`,
          privateIp: `10.0.${(n >> 8) & 255}.${n & 255}`,
        };
        live.set(inst.id, inst);
        return { node, instanceId: inst.id, privateIp: inst.privateIp };
      });
      return { batch, launched, failed: [] };
    },
    async terminate(ids) {
      count('terminate');
      for (const id of ids) live.delete(id);
      return { terminated: [...ids], failed: [] };
    },
    async waitGone() {
      count('waitGone');
      return [];
    },
  };
}

async function child(n: number): Promise<void> {
  const { runResume } = await import('../src/hooks/resume.js');
  const { runTerminate } = await import('../src/hooks/suspend.js');
  const { Scontrol } = await import('../src/slurm/scontrol.js');
  const { openHookLog } = await import('../src/hooks/log.js');
  const { nodeLocks } = await import('../src/hooks/lock.js');
  const { runtime, scontrolLog } = setup(Math.max(n, 1));
  const calls = new Map<string, number>();
  const cloud = standInCloud(calls);
  const deps = (hook: string) => ({
    runtime,
    cloud: async () => cloud,
    scontrol: new Scontrol({ path: runtime.paths.scontrol }),
    log: openHookLog({ hook, file: runtime.paths.logFile, format: 'text' }),
    locks: nodeLocks(runtime.paths.lockDir, hook),
  });
  const hostlist = n === 1 ? 'compute-c5-1' : `compute-c5-[1-${n}]`;
  let t = performance.now();
  const resumeCode = await runResume(deps('resume'), hostlist);
  const resumeMs = performance.now() - t;
  const resumeCalls = Object.fromEntries(calls);
  const resumeScontrol = readFileSync(scontrolLog, 'utf8').trim().split('\n').length;
  calls.clear();
  t = performance.now();
  const suspendCode = await runTerminate(deps('suspend'), hostlist, 120);
  const suspendMs = performance.now() - t;
  const scontrolTotal = existsSync(scontrolLog) ? readFileSync(scontrolLog, 'utf8').trim().split('\n').length : 0;
  process.stdout.write(
    JSON.stringify({
      n,
      resumeCode,
      resumeMs: Math.round(resumeMs),
      resumeCalls,
      resumeScontrol,
      suspendCode,
      suspendMs: Math.round(suspendMs),
      suspendCalls: Object.fromEntries(calls),
      suspendScontrol: scontrolTotal - resumeScontrol,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  rmSync(dirname(runtime.paths.lockDir), { recursive: true, force: true });
  rmSync(dirname(runtime.paths.logFile), { recursive: true, force: true });
}

/**
 * The bundled hooks as processes against the in-process EC2 / GCE fakes (real SDKs, loopback HTTP).
 * "fake ms" is the wall time the fake had a request open (its own latency, incl. GCE operation waits);
 * "own ms" = resume ms − fake ms is what the hook itself spent (start-up, planning, locks, scontrol).
 */
async function againstFakes(sizes: number[], bundleDir: string): Promise<void> {
  if (!existsSync(join(bundleDir, 'resume.mjs'))) {
    console.log(`fakes: ${bundleDir}/resume.mjs missing (run npm run build)`);
    return;
  }
  const { Ec2Fake } = await import('../test/fakes/ec2/server.js');
  const { GceFake } = await import('../test/fakes/gce/server.js');
  for (const kind of ['aws', 'gcp'] as const) {
    console.log(
      `\n${kind}: ${bundleDir} hooks as processes against the ${kind === 'aws' ? 'EC2' : 'GCE'} fake (real SDK); scontrol = recording stand-in`,
    );
    console.log(
      'n\tresume ms\tfake ms\town ms\tlaunch calls\tmax launch/shape+zone+type\tall API calls\tscontrol calls\tstart->1st API ms\tpeak RSS MB\tsuspend ms\tterminate calls\tsuspend peak RSS MB',
    );
    for (const n of sizes) {
      const fake = kind === 'aws' ? new Ec2Fake() : new GceFake();
      await fake.start();
      const { runtime, runtimePath, scontrolLog, dir } = setup(Math.max(n, 1));
      try {
        runtime.cluster.provider.kind = kind;
        runtime.cluster.provider.endpoint = fake.endpoint;
        if (kind === 'gcp') {
          runtime.cluster.provider.zones = ['europe-west4-a', 'europe-west4-b'];
          runtime.cluster.provider.project = 'bench';
          delete runtime.aws;
          runtime.gcp = { network: 'n', subnetwork: 's', diskGb: 20 };
        }
        writeFileSync(runtimePath, JSON.stringify(runtime));
        const hostlist = n === 1 ? 'compute-c5-1' : `compute-c5-[1-${n}]`;
        const run = (hook: string) =>
          new Promise<number>((res) => {
            const t = performance.now();
            const c = spawn(process.execPath, [join(bundleDir, `${hook}.mjs`), '--runtime', runtimePath, hostlist], {
              env: {},
              stdio: 'ignore',
            });
            c.on('exit', () => res(performance.now() - t));
          });
        const exitField = (k: string) => {
          const exit =
            readFileSync(runtime.paths.logFile, 'utf8')
              .trim()
              .split('\n')
              .filter((l) => / exit /.test(l))
              .at(-1) ?? '';
          return new RegExp(` ${k}=(\\d+)`).exec(exit)?.[1] ?? '?';
        };
        const launchOps = kind === 'aws' ? ['RunInstances'] : ['bulkInsert'];
        const busy0 = fake.busyMs;
        const resumeMs = await run('resume');
        const fakeMs = fake.busyMs - busy0;
        const calls = fake.calls.length;
        const launches = fake.calls.filter((c) => launchOps.includes(c.operation));
        const perKey = new Map<string, number>();
        for (const c of launches) {
          const p = c.params as Record<string, unknown>;
          const key = kind === 'aws' ? `${p.InstanceType}@${p.SubnetId}` : String(p.path);
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
        }
        const scontrolCalls = existsSync(scontrolLog) ? readFileSync(scontrolLog, 'utf8').trim().split('\n').length : 0;
        const firstApi = exitField('firstApiMs');
        const rss = exitField('maxRssMb');
        const before = fake.calls.length;
        const suspendMs = await run('suspend');
        const terminates = fake.calls.slice(before).filter((c) => /Terminate|delete/i.test(c.operation)).length;
        console.log(
          [
            n,
            Math.round(resumeMs),
            Math.round(fakeMs),
            Math.round(resumeMs - fakeMs),
            launches.length,
            Math.max(0, ...perKey.values()),
            calls,
            scontrolCalls,
            firstApi,
            rss,
            Math.round(suspendMs),
            terminates,
            exitField('maxRssMb'),
          ].join('\t'),
        );
      } finally {
        await fake.stop();
        rmSync(dirname(runtime.paths.lockDir), { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Start-up of the entry point up to where it needs the cloud: a hostlist of no nodes of ours. */
function startup(label: string, entry: string[], runs = 5): void {
  const { runtimePath, runtime } = setup(10);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    spawnSync(process.execPath, [...entry, '--runtime', runtimePath, 'other-x1-[1-2]'], { env: {}, cwd: ROOT });
    const exit = readFileSync(runtime.paths.logFile, 'utf8').trim().split('\n').at(-1) ?? '';
    ms.push(Number(/ ms=(\d+)/.exec(exit)?.[1]));
  }
  console.log(`startup ${label}: process start -> done (no cloud needed), median of ${runs}: ${median(ms)} ms`);
}

/**
 * In a fresh process: import `specs` (package specifiers, resolved from the repo, or a bundle's path)
 * and run `then` on the merged exports `m` (e.g. construct the clients). Median ms and peak RSS.
 */
function sdkImport(label: string, specs: string[], then = '', runs = 5): void {
  const ms: number[] = [];
  let rss = 0;
  const code = [
    'const t = performance.now();',
    `const mods = await Promise.all(${JSON.stringify(specs)}.map((s) => import(s)));`,
    // A CommonJS package's exports may sit on `default`.
    "const m = Object.assign({}, ...mods.map((x) => (Object.keys(x).some((k) => k.endsWith('Client')) ? x : (x.default ?? x))));",
    `${then};`,
    'console.log(performance.now() - t, process.resourceUsage().maxRSS);',
  ].join('\n');
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT }).toString();
    const [t, r] = out.trim().split(' ').map(Number);
    ms.push(t as number);
    rss = Math.max(rss, r as number);
  }
  console.log(`sdk ${label}: median of ${runs}: ${Math.round(median(ms))} ms, peak RSS ${Math.round(rss / 1024)} MB`);
}

async function main(): Promise<void> {
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = sizesArg > 0 ? (process.argv[sizesArg + 1] ?? '').split(',').map(Number) : [1, 10, 100, 1000, 5000];
  console.log(
    'hooks bench: cloud = zero-latency in-process stand-in of the Cloud port; scontrol = stand-in script that records its arguments',
  );
  console.log(
    'n\tresume ms\tlaunch calls\tresume scontrol\tsuspend ms\tterminate calls\tsuspend scontrol\tpeak RSS MB',
  );
  for (const n of sizes) {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/hooks.ts'), '--child', String(n)],
      { cwd: ROOT },
    ).toString();
    const r = JSON.parse(out);
    const launches = Object.entries(r.resumeCalls as Record<string, number>)
      .filter(([k]) => k.startsWith('launch'))
      .reduce((a, [, v]) => a + v, 0);
    console.log(
      [
        n,
        r.resumeMs,
        launches,
        r.resumeScontrol,
        r.suspendMs,
        r.suspendCalls.terminate ?? 0,
        r.suspendScontrol,
        r.peakRssMb,
      ].join('\t'),
    );
    if (r.resumeCode !== 0 || r.suspendCode !== 0)
      console.log(`  exit codes: resume ${r.resumeCode}, suspend ${r.suspendCode}`);
  }
  // A private bundle of the current source (dist/hooks may be rebuilt by someone else meanwhile);
  // CITC_BENCH_BUNDLE=<dir> measures another build instead, e.g. an older commit's.
  let bundleDir = process.env.CITC_BENCH_BUNDLE;
  if (!bundleDir) {
    bundleDir = mkdtempSync(join(tmpdir(), 'citc-bench-bundle-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-hooks.mjs'), '--outdir', bundleDir], { cwd: ROOT });
  }
  await againstFakes(sizes, bundleDir);
  if (!process.env.CITC_BENCH_BUNDLE) rmSync(bundleDir, { recursive: true, force: true });
  if (process.argv.includes('--no-startup')) return;
  startup('from source (tsx)', ['--import', 'tsx', join(ROOT, 'src/hooks/bin/resume.ts')]);
  const bundle = join(ROOT, 'dist/hooks/resume.mjs');
  if (existsSync(bundle)) startup('bundled (dist/hooks/resume.mjs)', [bundle]);
  else console.log('startup bundled: dist/hooks/resume.mjs missing (run npm run build)');
  const sdkDir = mkdtempSync(join(tmpdir(), 'citc-bench-sdk-'));
  const { build } = await import('esbuild');
  // The hooks' own code bundled without the cloud factory (left external), to time it apart from the SDKs.
  const own = join(sdkDir, 'resume-own.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/hooks/bin/resume.ts')],
    outfile: own,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    keepNames: true,
    logLevel: 'error',
    plugins: [
      {
        name: 'no-cloud',
        setup: (b) => b.onResolve({ filter: /cloud\/factory\.js$/ }, (a) => ({ path: a.path, external: true })),
      },
    ],
  });
  startup('hook code bundled, cloud factory left out', [own]);
  // What each adapter loads and builds before its first call: the SDK, then its clients.
  const v1 = '@google-cloud/compute/build/src/v1';
  const gceOpts = "{ fallback: 'rest', apiEndpoint: '127.0.0.1', port: 9, protocol: 'http' }";
  const gceClients = `new m.InstancesClient(${gceOpts}); new m.ZoneOperationsClient(${gceOpts})`;
  const cases: [string, string[], string][] = [
    ['aws: @aws-sdk/client-ec2 + EC2Client', ['@aws-sdk/client-ec2'], "new m.EC2Client({ region: 'us-east-1' })"],
    ['gcp: whole @google-cloud/compute + 2 clients (before)', ['@google-cloud/compute'], gceClients],
    [
      'gcp: deep-imported v1 clients + 2 clients (after)',
      [`${v1}/instances_client.js`, `${v1}/zone_operations_client.js`],
      gceClients,
    ],
  ];
  const { pruneComputeProtos } = await import('../scripts/prune-gce-protos.mjs');
  for (const [label, specs, then] of cases) {
    sdkImport(`${label}, from node_modules`, specs, then);
    for (const pruned of label.includes('after') ? [false, true] : [false]) {
      const out = join(sdkDir, `${label.replace(/\W+/g, '_')}${pruned ? '-pruned' : ''}.bundle.mjs`);
      await build({
        // `export *` of a CommonJS module exports nothing from an ESM bundle: re-export its namespace as default.
        stdin: {
          contents: `${specs.map((x, i) => `import * as m${i} from ${JSON.stringify(x)};`).join('\n')}\nexport default Object.assign({}, ${specs.map((_, i) => `m${i}`).join(', ')});`,
          resolveDir: ROOT,
        },
        outfile: out,
        bundle: true,
        format: 'esm',
        platform: 'node',
        mainFields: ['module', 'main'],
        target: 'node24',
        minify: true,
        keepNames: true,
        logLevel: 'error',
        banner: {
          js: "import { createRequire } from 'node:module'; import { fileURLToPath } from 'node:url'; import { dirname } from 'node:path'; const require = createRequire(import.meta.url); const __filename = fileURLToPath(import.meta.url); const __dirname = dirname(__filename);",
        },
        plugins: pruned
          ? [
              {
                name: 'gce-protos',
                setup: (b) =>
                  b.onLoad({ filter: /compute[\\/]build[\\/]protos[\\/]protos\.json$/ }, (a) => ({
                    contents: JSON.stringify(pruneComputeProtos(JSON.parse(readFileSync(a.path, 'utf8')))),
                    loader: 'json',
                  })),
              },
            ]
          : [],
      });
      sdkImport(`${label}, bundled${pruned ? ' with pruned protos (as dist/hooks)' : ''}`, [out], then);
    }
  }
  rmSync(sdkDir, { recursive: true, force: true });
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) await child(Number(process.argv[childAt + 1]));
else await main();
