import { describe, it } from 'vitest';
import type { SynthResult } from '../../infra/synth.js';
import { expectGolden } from '../render/golden.js';
import { synthExample } from '../support/synth.js';

/** The synthesized JSON with the only unstable part, the temporary work dir, replaced. */
function normalized(synth: SynthResult, workDir: string): string {
  return `${JSON.stringify(synth.json, null, 2).replaceAll(workDir, '<workDir>')}\n`;
}

describe('synthesized Terraform JSON of the shipped examples (golden files)', () => {
  it.each(['aws', 'gcp'] as const)('matches test/golden/infra-%s.tf.json', async (kind) => {
    const synth = await synthExample(kind);
    const workDir = synth.stateFile.replace(/\/terraform\.tfstate$/, '');
    await expectGolden(`infra-${kind}.tf.json`, normalized(synth, workDir));
  });
});
