#!/usr/bin/env node
// Compiles the AssemblyScript kernels with 128-bit SIMD:
//   server/wasm/preprocess.ts -> dist/engine/simd/preprocess.wasm (image pre-processing)
//   server/wasm/gallery.ts    -> dist/gallery/simd/gallery.wasm    (gallery search)
// Each module carries the SHA-256 of its source and compiler flags in a custom section, so that `--if-stale` (used by
// the tests) rebuilds only a module whose source changed. Run by `npm run build`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// No imports (abort disabled, stub runtime), no assertions: the host validates every argument.
const FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--enable', 'simd', '--initialMemory', '1'];
const MODULES = [
  { source: 'wasm/preprocess.ts', out: 'dist/engine/simd/preprocess.wasm', flags: FLAGS },
  // The gallery's memory is the host's: shared (grown in place, never detached: detaching any ArrayBuffer makes V8
  // check typed-array accesses in all optimized JavaScript of the thread from then on), up to 4 GiB.
  {
    source: 'wasm/gallery.ts',
    out: 'dist/gallery/simd/gallery.wasm',
    flags: [...FLAGS, '--enable', 'threads', '--importMemory', '--sharedMemory', '--maximumMemory', '65536'],
  },
];
const SECTION = 'boostface.source-sha256';
const ifStale = process.argv.includes('--if-stale');

// Custom section: id 0, size, name (length-prefixed), payload.
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

let asc = null;
for (const { source: rel, out: relOut, flags } of MODULES) {
  const SOURCE = path.join(SERVER, rel);
  const OUT = path.join(SERVER, relOut);
  const source = readFileSync(SOURCE, 'utf8');
  const hash = createHash('sha256').update(source).update('\0').update(flags.join(' ')).digest('hex');

  if (ifStale && existsSync(OUT)) {
    try {
      const mod = new WebAssembly.Module(readFileSync(OUT));
      const [stamp] = WebAssembly.Module.customSections(mod, SECTION);
      if (stamp && Buffer.from(stamp).toString('utf8') === hash) continue;
    } catch {
      // unreadable: rebuild
    }
  }

  asc ??= (await import('assemblyscript/asc')).default;
  let binary = null;
  const { error, stderr } = await asc.main([SOURCE, '--outFile', 'out.wasm', ...flags], {
    writeFile: (name, contents) => {
      if (name === 'out.wasm') binary = contents;
    },
  });
  if (error || !binary) {
    process.stderr.write(stderr.toString());
    console.error(`build-wasm: ${rel}: ${error?.message ?? 'no output'}`);
    process.exit(1);
  }

  const name = Buffer.from(SECTION, 'utf8');
  const payload = Buffer.from(hash, 'utf8');
  const body = Buffer.concat([Buffer.from(uleb(name.length)), name, payload]);
  const wasm = Buffer.concat([Buffer.from(binary), Buffer.from([0, ...uleb(body.length)]), body]);
  new WebAssembly.Module(wasm); // validates
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, wasm);
  console.error(`build-wasm: ${path.relative(process.cwd(), OUT)} (${wasm.length} bytes)`);
}
