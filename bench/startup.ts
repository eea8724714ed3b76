/**
 * How long the compiled CLI takes from process start to exit: `node --import tsx bench/startup.ts [N]`
 * after `npm run build`. Each run is a new `node ./bin/run.js ...` process (warm file cache, as for a
 * person typing commands); prints median and p90 of N runs (default 15) per command. Target: < 300 ms.
 * Wall time swings with whatever else runs on the machine, so each process also reports its own CPU
 * time (user + system), which does not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 15);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: bench/startup.ts [runs], runs a positive integer (got ${process.argv[2]})`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist/src/cli/commands/hostlist/expand.js'))) {
  console.error('bench/startup: dist/ has no compiled CLI; run `npm run build` first.');
  process.exit(1);
}

const cases: { name: string; args: string[] }[] = [
  { name: '--help', args: ['--help'] },
  { name: "hostlist expand 'n[1-1000]'", args: ['hostlist', 'expand', 'n[1-1000]'] },
];
if (existsSync(join(root, 'examples/aws.yaml'))) {
  cases.push({ name: 'validate examples/aws.yaml', args: ['validate', 'examples/aws.yaml'] });
}

// Loaded into each measured process: prints its CPU time on exit, to stderr, for this script to read.
const CPU_PROBE =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-us '+(u.user+u.system)+'\\n')})";

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

// Node itself, for scale: the floor no CLI can go under.
cases.unshift({ name: 'node -e 0 (floor)', args: [] });

console.log(
  `cold start of ./bin/run.js, ${runs} runs each; manifest: ${existsSync(join(root, 'oclif.manifest.json'))}`,
);
console.log(
  `${'command'.padEnd(32)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'cpu median ms'.padStart(14)} ${'exit'.padStart(5)}`,
);
let failed = false;
for (const c of cases) {
  const argv = ['--import', CPU_PROBE, ...(c.args.length === 0 ? ['-e', '0'] : [join(root, 'bin/run.js'), ...c.args])];
  const ms: number[] = [];
  const cpu: number[] = [];
  let status: number | null = 0;
  spawnSync(process.execPath, argv, { cwd: root }); // one unmeasured run fills the file cache
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    ms.push(performance.now() - started);
    cpu.push(Number(/cpu-us (\d+)/.exec(r.stderr.toString())?.[1] ?? Number.NaN) / 1000);
    status = r.status;
    if (r.status !== 0) {
      failed = true;
      console.error(`${c.name}: exit ${r.status}: ${r.stderr.toString().trim().split('\n')[0]}`);
      break;
    }
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const cells = [percentile(ms, 50), percentile(ms, 90), percentile(cpu, 50)].map((v) => v.toFixed(0));
  console.log(
    `${c.name.padEnd(32)} ${cells[0]?.padStart(10)} ${cells[1]?.padStart(8)} ${cells[2]?.padStart(14)} ${String(status).padStart(5)}`,
  );
}
process.exit(failed ? 1 : 0);
