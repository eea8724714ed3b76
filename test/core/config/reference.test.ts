import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withConfigReference } from '../../../src/core/config/readme.js';
import { clusterSchema } from '../../../src/core/config/schema.js';

describe('README field reference', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

  it('is the one generated from the schema (run `npm run docs` after changing the schema)', () => {
    expect(withConfigReference(readme)).toBe(readme);
  });

  it('lists every top-level field with its default', () => {
    for (const key of Object.keys(clusterSchema.fields)) expect(readme).toContain(`| \`${key}\` |`);
    expect(readme).toMatch(
      /\| `slurm\.suspendTime` \| an integer from 10 to 604800 \| `300` \| `CITC_SLURM_SUSPEND_TIME` \|/,
    );
  });
});
