import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // No test may ask a cloud's instance metadata service (169.254.169.254) from this machine's own network:
    // the AWS credential chain and google-auth-library would otherwise probe it when no credentials are set.
    env: { AWS_EC2_METADATA_DISABLED: 'true', METADATA_SERVER_DETECTION: 'none' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Each e2e file runs a whole cluster (slurmctld, slurmds, the fake EC2) on 2 shared cores: one file
          // at a time, after the unit tests, so a wake/sleep cycle is not starved and its timings mean something.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
