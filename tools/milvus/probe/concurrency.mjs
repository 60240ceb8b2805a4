// 16 concurrent writers (insert/upsert/delete/filtered search) on one collection; checks the final counts.
// usage: node concurrency.mjs <sdkDir> <address>
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(path.join(process.argv[2], 'package.json'));
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const c = new MilvusClient({ address: process.argv[3] });
await c.connectPromise;
const DIM = 512; const rnd = () => Array.from({ length: DIM }, () => Math.random() - 0.5);
await c.dropCollection({ collection_name: 'conc' }).catch(() => {});
await c.createCollection({ collection_name: 'conc', consistency_level: 'Strong', fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'identity_id', data_type: DataType.VarChar, max_length: 64 }, { name: 'v', data_type: DataType.FloatVector, dim: DIM }] });
await c.createIndex({ collection_name: 'conc', field_name: 'v', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 16, efConstruction: 100 } });
await c.loadCollectionSync({ collection_name: 'conc' });
const t0 = performance.now();
const jobs = [];
for (let w = 0; w < 16; w++) jobs.push((async () => {
  let errs = 0;
  for (let b = 0; b < 10; b++) {
    const base = (w * 10 + b) * 50;
    const rows = Array.from({ length: 50 }, (_, k) => ({ id: base + k, identity_id: `w${w}`, v: rnd() }));
    const r = await c.insert({ collection_name: 'conc', data: rows }); if (r.status.error_code !== 'Success') errs++;
    if (b % 3 === 0) { const u = await c.upsert({ collection_name: 'conc', data: [{ ...rows[0], identity_id: `w${w}-u` }] }); if (u.status.error_code !== 'Success') errs++; }
    if (b % 4 === 0) { const d = await c.delete({ collection_name: 'conc', ids: [base + 49] }); if (d.status.error_code !== 'Success') errs++; }
    const s = await c.search({ collection_name: 'conc', data: [rnd()], limit: 5, filter: `identity_id == "w${w}"`, output_fields: ['id'] }); if (s.status.error_code !== 'Success') errs++;
  }
  return errs;
})());
const errs = (await Promise.all(jobs)).reduce((a, b) => a + b, 0);
const expected = 16 * 10 * 50 - 16 * 3; // deletes at b=0,4,8
const cnt = (await c.count({ collection_name: 'conc' })).data;
const q = await c.query({ collection_name: 'conc', filter: `identity_id in [${Array.from({ length: 16 }, (_, w) => `"w${w}-u"`).join(',')}]`, output_fields: ['id'] });
console.log(`16 concurrent writers: errors=${errs} count=${cnt} expected=${expected} upserted rows=${q.data.length} (expected ${16 * 4}) in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
await c.dropCollection({ collection_name: 'conc' });
process.exit(0);
