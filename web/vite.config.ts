import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// `npm run dev -w web` proxies the API and media to a running `boostface serve` (BOOSTFACE_URL, default :8080).
const target = process.env.BOOSTFACE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: {
      '/graphql': { target, ws: true },
      '/media': { target },
    },
  },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
});
