#!/usr/bin/env node
// citc runs on Node 24 LTS. Where the machine's own Node is older, the pinned runtime that npm installed
// with citc (the optional node-linux-<arch> package, checked against the lockfile's integrity hash) runs it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const MIN_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < MIN_MAJOR) {
  let runtime;
  try {
    runtime = createRequire(import.meta.url).resolve(`node-linux-${process.arch}/bin/node`);
  } catch {
    process.stderr.write(
      `citc: NODE_TOO_OLD: node ${process.versions.node}: citc needs Node.js ${MIN_MAJOR} or later. ` +
        `Install Node.js ${MIN_MAJOR} LTS, or run \`npm ci\` on linux x64/arm64 to get the pinned runtime.\n`,
    );
    process.exit(3);
  }
  const r = spawnSync(runtime, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
// oclif checks the engines range with semver while it loads (about 30 ms of a 300 ms start): done above.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
