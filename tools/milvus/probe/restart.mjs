// Kill the server mid-insert, restart it, check persistence and SDK reconnect.
// usage: node restart.mjs <sdkDir> <address> "<kill cmd>" "<start cmd (returns when ready)>"
import { createRequire } from 'node:module';
import path from 'node:path';
import { execSync } from 'node:child_process';

const [sdkDir, address, killCmd, startCmd] = process.argv.slice(2);
const require = createRequire(path.join(sdkDir, 'package.json'));
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const sdkVersion = require('@zilliz/milvus2-sdk-node/package.json').version;
const DIM = 512;
const rnd = () => { const v = Array.from({ length: DIM }, () => Math.random() - 0.5); const n = Math.hypot(...v); return v.map((x) => x / n); };
const rows = (from, n) => Array.from({ length: n }, (_, k) => ({ id: from + k, identity_id: `p-${(from + k) % 50}`, embedding: rnd(), quality: 1, meta: {} }));
const log = (...a) => console.log(`[${(performance.now() / 1000).toFixed(2)}s]`, ...a);
const ok = (r) => (r.status || r).error_code === 'Success';

const client = new MilvusClient({ address, timeout: 15000, ...(sdkVersion.startsWith('3.') ? { telemetry: { enabled: false } } : {}) });
await client.connectPromise;
const col = 'restart_probe';
await client.dropCollection({ collection_name: col }).catch(() => {});
await client.createCollection({ collection_name: col, consistency_level: 'Strong', fields: [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'identity_id', data_type: DataType.VarChar, max_length: 64 },
  { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
  { name: 'quality', data_type: DataType.Float },
  { name: 'meta', data_type: DataType.JSON },
] });
await client.createIndex({ collection_name: col, field_name: 'embedding', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 16, efConstruction: 100 } });
await client.loadCollectionSync({ collection_name: col });
log('insert 1000 + flushSync:', ok(await client.insert({ collection_name: col, data: rows(0, 1000) })), ok(await client.flushSync({ collection_names: [col] })));
log('insert 500 without flush:', ok(await client.insert({ collection_name: col, data: rows(1000, 500) })));
let acked = 1500; let loopErr = null; let next = 1500;
const loop = (async () => {
  for (;;) {
    try {
      const r = await client.insert({ collection_name: col, data: rows(next, 100) });
      if (!ok(r)) { loopErr = JSON.stringify(r.status); break; }
      next += 100; acked = next;
    } catch (e) { loopErr = String(e.message || e).slice(0, 200); break; }
  }
})();
await new Promise((r) => setTimeout(r, 700));
log(`kill: ${killCmd}`); execSync(killCmd, { shell: '/bin/bash' });
const tk = performance.now();
await loop;
log(`in-flight insert loop ended after ${((performance.now() - tk) / 1000).toFixed(2)}s, acked rows=${acked}, error: ${loopErr}`);
const td = performance.now();
try { const r = await client.count({ collection_name: col }); log('count while down ->', JSON.stringify(r).slice(0, 200)); } catch (e) { log(`count while down threw after ${((performance.now() - td) / 1000).toFixed(2)}s: ${String(e.message || e).slice(0, 200)}`); }
const ts = performance.now();
execSync(startCmd, { shell: '/bin/bash', stdio: ['ignore', 'ignore', 'inherit'] });
log(`restart ready after ${((performance.now() - ts) / 1000).toFixed(2)}s`);
// same client object, no reconnect call
const t0 = performance.now();
for (let i = 0; i < 60; i++) {
  try {
    const c = await client.count({ collection_name: col });
    if (ok(c)) { log(`same client: count OK after ${((performance.now() - t0) / 1000).toFixed(2)}s, tries=${i + 1}: rows=${c.data} (acked=${acked}, flushed=1000)`); break; }
    log(`same client: count not ok: ${JSON.stringify(c.status).slice(0, 200)}`);
  } catch (e) { log(`same client: count threw: ${String(e.message || e).slice(0, 160)}`); }
  await new Promise((r) => setTimeout(r, 1000));
}
try {
  const ls = await client.getLoadState({ collection_name: col });
  log('load state after restart:', ls.state);
  const s = await client.search({ collection_name: col, data: [rnd()], limit: 3, output_fields: ['id'] });
  log('search after restart:', ok(s), s.results.length, s.status.reason);
  const ins = await client.insert({ collection_name: col, data: rows(1000000, 10) });
  log('insert after restart:', ok(ins));
  const q = await client.query({ collection_name: col, filter: 'id in [0, 999, 1000, 1499]', output_fields: ['id'] });
  log('query ids 0,999 (flushed) 1000,1499 (unflushed):', q.data.map((x) => x.id).join(','));
} catch (e) { log('post-restart ops threw', String(e.message || e).slice(0, 200)); }
const fresh = new MilvusClient({ address, ...(sdkVersion.startsWith('3.') ? { telemetry: { enabled: false } } : {}) });
await fresh.connectPromise;
log('fresh client count:', JSON.stringify((await fresh.count({ collection_name: col })).data));
await fresh.dropCollection({ collection_name: col });
process.exit(0);
