import { parseArgs } from 'node:util';
import { engineSettings } from '../config.js';
import { fetchPack, formatBytes, formatProgress, listPacks, ModelFetchError, verifyModels } from '../models/fetch.js';
import { loadManifest } from '../models/manifest.js';
import { UsageError } from './usage.js';

export const MODELS_USAGE = `Usage: boostface models list | fetch PACK [--allow-unverified] | ensure PACK | verify
  list     packs in the manifest and whether their files are in BOOSTFACE_MODELS
  fetch    download an official pack, verify every sha256, install the files into BOOSTFACE_MODELS
  ensure   fetch PACK only when its detector or recognizer is missing or damaged
  verify   check size and sha256 of every known model file in BOOSTFACE_MODELS
Exit status: 0 done, 1 download or verification failed, 2 usage error.`;

function throttledProgress(): (p: Parameters<typeof formatProgress>[0]) => void {
  let last = 0;
  return (p) => {
    const t = performance.now();
    if (t - last < 1000 && p.bytesDone !== p.bytesTotal) return;
    last = t;
    process.stderr.write(`models: ${formatProgress(p)}\n`);
  };
}

async function fetchAndReport(packId: string, modelsDir: string, allowUnverified: boolean): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const res = await fetchPack(packId, { modelsDir, onProgress: throttledProgress(), allowUnverified, signal: abort.signal });
    process.stdout.write(JSON.stringify({ pack: res.packId, modelsDir: res.modelsDir, downloaded: res.downloaded, files: res.files.map((f) => ({ file: f.file, status: f.status, verification: f.verification })) }) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof ModelFetchError) {
      process.stderr.write(`models: ${err.code}: ${err.message}\n`);
      return err.code === 'UNKNOWN_PACK' ? 2 : 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function modelsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'allow-unverified': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [sub, pack, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(MODELS_USAGE + '\n');
    return 0;
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const { modelsDir } = engineSettings();
  const manifest = loadManifest();
  switch (sub) {
    case 'list': {
      const present = new Map((await verifyModels(modelsDir, manifest, { ids: Object.keys(manifest.models) })).map((v) => [v.id, v.status]));
      for (const p of listPacks(manifest)) {
        const ok = manifest.packs[p.id].files.filter((id) => present.get(id) === 'ok').length;
        const state = ok === p.files.length ? 'installed' : ok > 0 ? `partial (${ok}/${p.files.length})` : 'not installed';
        const size = p.size ? formatBytes(p.size) : '-';
        process.stdout.write(`${p.id.padEnd(12)} ${state.padEnd(16)} ${size.padStart(9)}  detector ${p.detector}, recognizer ${p.recognizer}${p.downloadable ? '' : ' (not downloadable)'}\n`);
      }
      process.stdout.write(`models directory: ${modelsDir}\n`);
      return 0;
    }
    case 'fetch':
      if (!pack) throw new UsageError('models fetch needs a PACK name');
      return fetchAndReport(pack, modelsDir, values['allow-unverified']);
    case 'ensure': {
      if (!pack) throw new UsageError('models ensure needs a PACK name');
      const p = manifest.packs[pack];
      if (!p) throw new UsageError(`unknown pack "${pack}" (packs: ${Object.keys(manifest.packs).join(', ')})`);
      const status = await verifyModels(modelsDir, manifest, { ids: [p.detector, p.recognizer] });
      if (status.every((s) => s.status === 'ok')) {
        process.stderr.write(`models: ${pack} is installed in ${modelsDir}\n`);
        return 0;
      }
      return fetchAndReport(pack, modelsDir, values['allow-unverified']);
    }
    case 'verify': {
      const results = await verifyModels(modelsDir, manifest);
      let bad = 0;
      for (const r of results.filter((x) => x.status !== 'missing')) {
        if (r.status === 'mismatch') bad++;
        process.stdout.write(JSON.stringify(r) + '\n');
      }
      process.stderr.write(`models: ${results.filter((r) => r.status === 'ok').length} ok, ${bad} damaged, ${results.filter((r) => r.status === 'missing').length} not present in ${modelsDir}\n`);
      return bad > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(sub ? `unknown models subcommand "${sub}"` : 'models needs a subcommand');
  }
}
