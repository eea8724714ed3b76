import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const TRACE = 'test/cloud/fixtures/trace-sdk-register.mjs';

/** The hooks start every few seconds: the factory must load the SDK of the cluster's cloud only. */
describe('createCloudAdapter', () => {
  for (const [kind, wanted, unwanted] of [
    ['aws', '@aws-sdk/client-ec2', '@google-cloud/compute'],
    ['gcp', '@google-cloud/compute', '@aws-sdk/client-ec2'],
  ] as const) {
    it(`${kind}: imports ${wanted} and not ${unwanted}`, async () => {
      const r = await execa(
        'node',
        ['--import', 'tsx', '--import', `./${TRACE}`, 'test/cloud/fixtures/make-adapter.ts', kind],
        {
          reject: false,
          env: { NODE_NO_WARNINGS: '1' },
        },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(kind);
      expect(r.stderr).toContain(`SDK ${wanted}`);
      expect(r.stderr).not.toContain(`SDK ${unwanted}`);
      // The hooks deep-import the v1 clients they use; the package index costs about 1 s of start-up.
      expect(r.stderr).not.toContain('HEAVY');
    }, 30_000);
  }
});
