import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/src/**/*.test.ts', 'server/test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Model-heavy suites each start inference workers; running files in parallel on 2 cores only thrashes.
    fileParallelism: false,
  },
});
