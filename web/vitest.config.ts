import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The web workspace's own test run: the pure-logic tests (*.test.ts, also run by the root config) and the component
// specs (*.spec.ts), which need the Svelte compiler and a DOM (happy-dom, set per file).
export default defineConfig({
  plugins: [svelte()],
  resolve: { conditions: ['browser'] },
  test: { include: ['src/**/*.{test,spec}.ts'] },
});
