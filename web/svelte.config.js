// Read by the Vite plugin (build, dev, component tests) and by svelte-check: Svelte 5 runes everywhere.
export default { compilerOptions: { runes: true } };
