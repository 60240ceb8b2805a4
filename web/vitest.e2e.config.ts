import { defineConfig } from 'vitest/config';

// The browser end-to-end tests (test/**/*.e2e.test.ts: real Chromium against a real `boostface serve`) and the unit
// tests of their helpers. Run by `npm run test:e2e -w web` after `npm run build` (the server serves web/dist); not part
// of the fast `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // One server with its inference worker and one browser at a time: on 2 cores parallel files only thrash.
    fileParallelism: false,
  },
});
