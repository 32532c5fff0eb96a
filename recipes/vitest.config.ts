import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/counts-setup.ts'],
    // Each file runs real services against real servers; most of the time is waiting on them, not CPU.
    pool: 'forks',
    maxWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
