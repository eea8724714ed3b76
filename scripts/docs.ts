// Regenerates what is made from the schema: the citc.yaml field reference in README.md and the JSON
// Schema editors use (schema/citc.schema.json): `npm run docs`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { clusterJsonSchemaText } from '../src/core/config/json-schema.js';
import { withConfigReference } from '../src/core/config/readme.js';

function update(url: URL, make: (before: string) => string): void {
  let before = '';
  try {
    before = readFileSync(url, 'utf8');
  } catch {}
  const after = make(before);
  if (after !== before) writeFileSync(url, after);
  console.log(`${url.pathname.split('/').slice(-2).join('/')} ${after === before ? 'is up to date' : 'updated'}`);
}

update(new URL('../README.md', import.meta.url), withConfigReference);
mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
update(new URL('../schema/citc.schema.json', import.meta.url), () => clusterJsonSchemaText());
