import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fixture processes are real; give them room on a loaded 2-core CI machine
    // without hiding a hang: every helper bounds its own waits well below this.
    testTimeout: 30_000,
    pool: 'forks',
  },
});
