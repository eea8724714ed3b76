#!/usr/bin/env -S node --import tsx
// Development: commands run from src/ through tsx. The oclif.manifest.json that `npm run build` writes
// describes dist/, so it is ignored here: a stale one would hide new commands and flags. Giving oclif the
// plugins stops it reading oclif.plugins from package.json, so they are loaded here too.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute, Plugin } from '@oclif/core';

process.env.NODE_ENV = 'development';
const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true });
await plugin.load();
const plugins = new Map([[plugin.name, plugin]]);
for (const name of plugin.pjson.oclif.plugins ?? []) {
  const core = new Plugin({ root: join(root, 'node_modules', name), type: 'core' });
  await core.load();
  plugins.set(core.name, core);
}
await execute({ development: true, loadOptions: { root, plugins } });
