/**
 * Every bench script, one after another, each in its own process: `npm run bench` (after `npm run build`).
 * Each prints its own numbers; this only runs them in order and says how long each took.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n### bench/${script}`);
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, script)], { stdio: 'inherit' });
  console.log(`### bench/${script}: exit ${r.status} in ${Math.round(performance.now() - started)} ms`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
