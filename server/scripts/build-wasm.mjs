#!/usr/bin/env node
// Compiles the AssemblyScript kernels (server/wasm/preprocess.ts) to dist/engine/simd/preprocess.wasm with 128-bit
// SIMD. The module carries the SHA-256 of its source and compiler flags in a custom section, so that
// `--if-stale` (used by the tests) rebuilds only when the source changed. Run by `npm run build`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(SERVER, 'wasm/preprocess.ts');
const OUT = path.join(SERVER, 'dist/engine/simd/preprocess.wasm');
const SECTION = 'boostface.source-sha256';
// No imports (abort disabled, stub runtime), no assertions: the host validates every argument.
const FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--enable', 'simd', '--initialMemory', '1'];

const source = readFileSync(SOURCE, 'utf8');
const hash = createHash('sha256').update(source).update('\0').update(FLAGS.join(' ')).digest('hex');

if (process.argv.includes('--if-stale') && existsSync(OUT)) {
  try {
    const mod = new WebAssembly.Module(readFileSync(OUT));
    const [stamp] = WebAssembly.Module.customSections(mod, SECTION);
    if (stamp && Buffer.from(stamp).toString('utf8') === hash) process.exit(0);
  } catch {
    // unreadable: rebuild
  }
}

const { default: asc } = await import('assemblyscript/asc');
let binary = null;
const { error, stderr } = await asc.main([SOURCE, '--outFile', 'out.wasm', ...FLAGS], {
  writeFile: (name, contents) => {
    if (name === 'out.wasm') binary = contents;
  },
});
if (error || !binary) {
  process.stderr.write(stderr.toString());
  console.error(`build-wasm: ${error?.message ?? 'no output'}`);
  process.exit(1);
}

// Append the custom section: id 0, size, name (length-prefixed), payload.
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const name = Buffer.from(SECTION, 'utf8');
const payload = Buffer.from(hash, 'utf8');
const body = Buffer.concat([Buffer.from(uleb(name.length)), name, payload]);
const wasm = Buffer.concat([Buffer.from(binary), Buffer.from([0, ...uleb(body.length)]), body]);
new WebAssembly.Module(wasm); // validates
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, wasm);
console.error(`build-wasm: ${path.relative(process.cwd(), OUT)} (${wasm.length} bytes)`);
