import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // e2e files start real Slurm daemons on fixed loopback ports: never run two of them at once.
    fileParallelism: true,
    pool: 'forks',
  },
});
