// Benchmark: insert throughput, search latency p50/p99 and recall@1 vs exact search.
// usage: node bench.mjs <sdkDir> <address> <serverPid> [indexType=HNSW] [sizes=10000,100000]
import { createRequire } from 'node:module';
import path from 'node:path';
import { execSync } from 'node:child_process';

const [sdkDir, address, serverPid, indexType = 'HNSW', sizesArg = '10000,100000'] = process.argv.slice(2);
const require = createRequire(path.join(sdkDir, 'package.json'));
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const sdkVersion = require('@zilliz/milvus2-sdk-node/package.json').version;
const sizes = sizesArg.split(',').map(Number);
const DIM = 512;
const PER_ID = 5;
const SIGMA = 0.9;
const NQ = 300;
const BATCH = 1000;

// deterministic PRNG + gaussian
let seed = 12345;
function rand() { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 4294967296; }
function gauss() { const u = 1 - rand(); const v = rand(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); }
function unit(dim) { const a = new Float32Array(dim); let n = 0; for (let i = 0; i < dim; i++) { a[i] = gauss(); n += a[i] * a[i]; } n = Math.sqrt(n); for (let i = 0; i < dim; i++) a[i] /= n; return a; }
function sample(center) {
  const nz = unit(DIM); const a = new Float32Array(DIM); let n = 0;
  for (let i = 0; i < DIM; i++) { a[i] = center[i] + SIGMA * nz[i]; n += a[i] * a[i]; }
  n = Math.sqrt(n); for (let i = 0; i < DIM; i++) a[i] /= n; return a;
}
const rss = () => {
  try {
    // sum RSS of the server pid and its children (embedded milvus forks the real binary)
    const out = execSync(`ps -o rss= --pid ${serverPid} --ppid ${serverPid}`).toString().trim().split(/\s+/).map(Number);
    return `${(out.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} MiB`;
  } catch { return 'n/a'; }
};
const pct = (arr, p) => { const s = [...arr].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };

const maxN = Math.max(...sizes);
const centers = [];
const vecs = new Array(maxN);
for (let i = 0; i < maxN; i++) { if (i % PER_ID === 0) centers.push(unit(DIM)); vecs[i] = sample(centers[centers.length - 1]); }
const queries = []; const qIdentity = [];
for (let q = 0; q < NQ; q++) { const idn = Math.floor(rand() * (sizes[0] / PER_ID)); qIdentity.push(idn); queries.push(sample(centers[idn])); }

function exactTop1(q, n) {
  let best = -1; let bestS = -Infinity;
  for (let i = 0; i < n; i++) { const v = vecs[i]; let s = 0; for (let d = 0; d < DIM; d++) s += q[d] * v[d]; if (s > bestS) { bestS = s; best = i; } }
  return best;
}

const client = new MilvusClient({ address, timeout: 600000, ...(sdkVersion.startsWith('3.') ? { telemetry: { enabled: false } } : {}) });
await client.connectPromise;
const version = (await client.getVersion()).version;
const col = `bench_${indexType.toLowerCase()}`;
await client.dropCollection({ collection_name: col }).catch(() => {});
const r0 = await client.createCollection({
  collection_name: col, consistency_level: 'Strong',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
    { name: 'identity_id', data_type: DataType.VarChar, max_length: 64 },
    { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
    { name: 'quality', data_type: DataType.Float },
    { name: 'meta', data_type: DataType.JSON },
  ],
});
if (r0.error_code !== 'Success') throw new Error(JSON.stringify(r0));
const params = indexType === 'HNSW' ? { M: 16, efConstruction: 200 } : indexType === 'IVF_FLAT' ? { nlist: 256 } : {};
const searchParams = indexType === 'HNSW' ? { ef: 64 } : indexType === 'IVF_FLAT' ? { nprobe: 16 } : {};
const ri = await client.createIndex({ collection_name: col, field_name: 'embedding', index_type: indexType, metric_type: 'COSINE', params });
if (ri.error_code !== 'Success') throw new Error(JSON.stringify(ri));
await client.loadCollectionSync({ collection_name: col });

console.log(`server=${version} sdk=${sdkVersion} index=${indexType}/COSINE ${JSON.stringify(params)} search=${JSON.stringify(searchParams)} rss_empty=${rss()}`);
let inserted = 0;
for (const N of sizes) {
  const t0 = performance.now();
  for (let s = inserted; s < N; s += BATCH) {
    const rows = [];
    for (let i = s; i < Math.min(N, s + BATCH); i++) rows.push({ id: i, identity_id: `person-${Math.floor(i / PER_ID)}`, embedding: Array.from(vecs[i]), quality: 0.5, meta: { cam: i % 8 } });
    const r = await client.insert({ collection_name: col, data: rows });
    if (r.status.error_code !== 'Success') throw new Error(JSON.stringify(r.status));
  }
  const tIns = performance.now() - t0;
  const t1 = performance.now();
  await client.flushSync({ collection_names: [col] });
  const tFlush = performance.now() - t1;
  // wait for index build (real Milvus builds asynchronously after flush)
  const t2 = performance.now();
  let idx = '';
  for (let k = 0; k < 600; k++) {
    const d = await client.describeIndex({ collection_name: col, field_name: 'embedding' });
    const desc = d.index_descriptions?.[0] || {};
    idx = `indexed_rows=${desc.indexed_rows} total_rows=${desc.total_rows} pending=${desc.pending_index_rows} state=${desc.state}`;
    if (desc.indexed_rows === undefined || Number(desc.pending_index_rows || 0) === 0 && Number(desc.indexed_rows) >= Number(desc.total_rows)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const tIdx = performance.now() - t2;
  const cnt = (await client.count({ collection_name: col })).data;
  console.log(`N=${N} count=${cnt} insert ${(N - inserted)} rows in ${(tIns / 1000).toFixed(2)}s = ${((N - inserted) / tIns * 1000).toFixed(0)} rows/s; flushSync ${(tFlush / 1000).toFixed(2)}s; index wait ${(tIdx / 1000).toFixed(2)}s (${idx}); rss=${rss()}`);
  inserted = N;

  // warmup
  for (let q = 0; q < 10; q++) await client.search({ collection_name: col, data: [Array.from(queries[q])], limit: 10, params: searchParams, output_fields: ['id'] });
  const lat = []; let hit1 = 0;
  for (let q = 0; q < NQ; q++) {
    const t = performance.now();
    const r = await client.search({ collection_name: col, data: [Array.from(queries[q])], limit: 10, params: searchParams, output_fields: ['id', 'identity_id'] });
    lat.push(performance.now() - t);
    const top = r.results[0];
    if (top && Number(top.id) === exactTop1(queries[q], N)) hit1++;
  }
  let hardHit = 0; let hardHit10 = 0; const HQ = 100;
  for (let q = 0; q < HQ; q++) {
    const hq = unit(DIM);
    const r = await client.search({ collection_name: col, data: [Array.from(hq)], limit: 10, params: searchParams, output_fields: ['id'], consistency_level: 'Eventually' });
    const ex = exactTop1(hq, N);
    if (r.results[0] && Number(r.results[0].id) === ex) hardHit++;
    if (r.results.some((x) => Number(x.id) === ex)) hardHit10++;
  }
  const latE = [];
  for (let q = 0; q < 100; q++) {
    const t = performance.now();
    await client.search({ collection_name: col, data: [Array.from(queries[q])], limit: 10, params: searchParams, output_fields: ['id', 'identity_id'], consistency_level: 'Eventually' });
    latE.push(performance.now() - t);
  }
  const flat = []; let fOk = 0;
  for (let q = 0; q < 100; q++) {
    const t = performance.now();
    const r = await client.search({ collection_name: col, data: [Array.from(queries[q])], limit: 10, params: searchParams, filter: `identity_id == "person-${qIdentity[q]}"`, output_fields: ['id', 'identity_id'] });
    flat.push(performance.now() - t);
    if (r.results.length === PER_ID) fOk++;
  }
  console.log(`N=${N} search top10 nq=1 x${NQ}: p50=${pct(lat, 50).toFixed(1)}ms p99=${pct(lat, 99).toFixed(1)}ms recall@1(vs exact)=${(hit1 / NQ).toFixed(3)} | filtered(identity_id==) p50=${pct(flat, 50).toFixed(1)}ms p99=${pct(flat, 99).toFixed(1)}ms complete=${fOk}/100 | random-query recall@1=${(hardHit / HQ).toFixed(2)} (exact top1 in top10: ${(hardHit10 / HQ).toFixed(2)}) | Eventually p50=${pct(latE, 50).toFixed(1)}ms p99=${pct(latE, 99).toFixed(1)}ms | rss=${rss()}`);
}
await client.dropCollection({ collection_name: col });
await client.closeConnection?.();
process.exit(0);
