import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

/**
 * Compares `actual` with test/golden/<rel>. With UPDATE_GOLDEN=1 (npm run golden:update) it writes
 * the file instead, to be reviewed in the diff.
 */
export async function expectGolden(rel: string, actual: string): Promise<void> {
  const file = join(GOLDEN_DIR, rel);
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`golden file ${file} is missing: run \`npm run golden:update\` and review the diff`);
  expect(actual, `${rel} differs from its golden file (npm run golden:update, then review the diff)`).toBe(
    await readFile(file, 'utf8'),
  );
}
