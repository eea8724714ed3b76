// Regenerates the citc.yaml field reference in README.md from the schema: `npm run docs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigReference } from '../src/core/config/readme.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withConfigReference(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README.md is up to date' : 'README.md updated');
