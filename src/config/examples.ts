import { join } from 'node:path';
import { packageRoot } from '../render/package-root.js';

/** The shipped example cluster files; `citc init` writes these, so there is one source of truth. */
export function examplePath(provider: 'aws' | 'gcp'): string {
  return join(packageRoot(), 'examples', `${provider}.yaml`);
}

/** The JSON Schema of citc.yaml shipped with citc (`npm run docs` writes it), for editors. */
export function schemaPath(): string {
  return join(packageRoot(), 'schema', 'citc.schema.json');
}
