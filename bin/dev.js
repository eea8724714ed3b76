#!/usr/bin/env -S node --import tsx
// Development: commands run from src/ through tsx. The oclif.manifest.json that `npm run build` writes
// describes dist/, so it is ignored here: a stale one would hide new commands and flags.
import { fileURLToPath } from 'node:url';
import { execute, Plugin } from '@oclif/core';

process.env.NODE_ENV = 'development';
const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true });
await plugin.load();
await execute({ development: true, loadOptions: { root, plugins: new Map([[plugin.name, plugin]]) } });
