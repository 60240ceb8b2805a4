// After `vite build`: the gzip size of the JavaScript a first visit loads (the entry script and its modulepreloads,
// read from dist/index.html), checked against the budget. Lazy chunks (admin screens) are listed apart.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]);
const gz = (rel) => gzipSync(fs.readFileSync(path.join(dist, rel.replace(/^\//, ''))), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const initialBytes = initial.reduce((s, f) => s + gz(f), 0);
const assets = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const lazy = assets.map((f) => `/assets/${f}`).filter((f) => !initial.includes(f));
const lazyBytes = lazy.reduce((s, f) => s + gz(f), 0);
console.log(`web: initial JS ${kb(initialBytes)} gzip (${initial.length} file(s); budget ${BUDGET_KB} KB); lazy chunks ${kb(lazyBytes)} gzip (${lazy.length} file(s))`);
if (initialBytes > BUDGET_KB * 1024) {
  console.error(`web: initial JS is over the ${BUDGET_KB} KB gzip budget`);
  process.exit(1);
}
