#!/usr/bin/env node
// Bundles the power-save hooks and the reconcile pass into dist/hooks/{resume,suspend,resume-fail,reconcile,nodes}.mjs: one file each plus
// shared chunks, SDKs included, so the management node needs only `node` and no node_modules tree.
// Each cloud SDK is imported lazily by the factory, so it lands in its own chunk and loads only when
// that cloud is in use. Usage: node scripts/bundle-hooks.mjs [--outdir dir] [--metafile]
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pruneComputeProtos } from './prune-gce-protos.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argOf = (flag) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const outdir = resolve(argOf('--outdir') ?? join(root, 'dist', 'hooks'));

// CommonJS dependencies inside an ESM bundle still call require() and read __dirname at load time
// (google-gax's grpc.js does), so give them both.
const banner = [
  "import { createRequire as __citcCreateRequire } from 'node:module';",
  "import { fileURLToPath as __citcFileURLToPath } from 'node:url';",
  "import { dirname as __citcDirname } from 'node:path';",
  'const require = __citcCreateRequire(import.meta.url);',
  'const __filename = __citcFileURLToPath(import.meta.url);',
  'const __dirname = __citcDirname(__filename);',
].join('\n');

// The hooks reach the clouds through src/cloud/factory.ts; without it there is nothing to bundle.
if (!existsSync(join(root, 'src/cloud/factory.ts'))) {
  console.error('bundle-hooks: src/cloud/factory.ts is missing (the cloud adapters); cannot bundle the hooks.');
  process.exit(1);
}

// The GCE clients parse and hash their protos.json when built: ship only the types the hooks use.
const gceProtos = {
  name: 'gce-protos',
  setup(b) {
    b.onLoad({ filter: /@google-cloud[\\/]compute[\\/]build[\\/]protos[\\/]protos\.json$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const full = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify(pruneComputeProtos(full)), loader: 'json' };
    });
  },
};

const started = Date.now();
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    resume: 'src/hooks/bin/resume.ts',
    suspend: 'src/hooks/bin/suspend.ts',
    'resume-fail': 'src/hooks/bin/resume-fail.ts',
    reconcile: 'src/hooks/bin/reconcile.ts',
    nodes: 'src/hooks/bin/nodes.ts',
  },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // ESM builds first: esbuild tree-shakes them, so the EC2 chunk keeps the 3 commands the hooks send
  // instead of all 700 (CommonJS builds cannot be shaken).
  mainFields: ['module', 'main'],
  target: 'node24',
  minify: true,
  // proto3-json-serializer recognises int64 values by `constructor.name === 'Long'`: minified names
  // broke every GCE bulkInsert (toProto3JSON: don't know how to convert value 2).
  keepNames: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  banner: { js: banner },
  metafile: true,
  plugins: [gceProtos],
  logLevel: 'warning',
});
if (process.argv.includes('--metafile')) await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(
  `bundled ${outputs.length} files, ${(total / 1e6).toFixed(2)} MB, in ${Date.now() - started} ms -> ${outdir}`,
);
