import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary, summarize } from '../../src/deploy/summary.js';
import { synthExample } from '../support/synth.js';

describe('the --dry-run summary', () => {
  it('counts resources by type, lists every zone nodes fail over to, and prints paths relative to the cwd', async () => {
    const synth = await synthExample('gcp');
    const s = summarize(synth);
    expect(s).toMatchObject({
      cluster: 'hpc-gcp',
      zones: ['europe-west4-a', 'europe-west4-b'],
      dataSources: 0,
      maxNodes: 154,
    });
    const inJson = Object.values(synth.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    expect(s.totalResources).toBe(inJson);
    expect(s.resources.reduce((n, r) => n + r.count, 0)).toBe(inJson);
    expect(s.resources[0]).toEqual({ type: 'google_compute_firewall', count: 2 });
    const workDir = dirname(synth.stateFile);
    const lines = formatSummary(s, dirname(workDir));
    expect(lines).toContain(
      'Compute nodes: none now; Slurm starts them on demand in europe-west4-a, europe-west4-b and deletes them when idle:',
    );
    expect(lines).toContain('  partition gpu: t4 ≤ 4 (n1-standard-8)');
    expect(lines.at(-1)).toMatch(/^Terraform state \(local backend\): citc-infra-gcp-\w+\/terraform\.tfstate$/);
    expect(formatSummary(s, '/elsewhere').at(-1)).toBe(`Terraform state (local backend): ${synth.stateFile}`);
  });
});
