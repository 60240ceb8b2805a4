import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql@16 ships index.js (CJS, what Node resolves for type-graphql and @apollo/server) and index.mjs (what Vite
  // picks): without this alias a test importing graphql gets a second copy ("from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['server/src/**/*.test.ts', 'server/test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Model-heavy suites each start inference workers; running files in parallel on 2 cores only thrashes.
    fileParallelism: false,
  },
});
