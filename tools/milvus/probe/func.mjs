// Functional probe of a Milvus endpoint with a given SDK install.
// usage: node func.mjs <sdkDir> <address>
import { createRequire } from 'node:module';
import path from 'node:path';

const sdkDir = process.argv[2];
const address = process.argv[3] || '127.0.0.1:19530';
const require = createRequire(path.join(sdkDir, 'package.json'));
const sdk = require('@zilliz/milvus2-sdk-node');
const { MilvusClient, DataType } = sdk;
const sdkVersion = require('@zilliz/milvus2-sdk-node/package.json').version;

const results = [];
async function step(name, fn) {
  const t0 = performance.now();
  try {
    const r = await fn();
    const ms = (performance.now() - t0).toFixed(1);
    results.push({ name, ok: true, ms, note: r === undefined ? '' : String(r).slice(0, 160) });
  } catch (e) {
    const ms = (performance.now() - t0).toFixed(1);
    results.push({ name, ok: false, ms, note: String((e && e.message) || JSON.stringify(e)).replace(/\s+/g, ' ').slice(0, 220) });
  }
}
function check(res, what) {
  // SDK returns {status:{error_code, reason, code}} or {error_code, reason}
  const st = res && (res.status || res);
  if (st && st.error_code !== undefined && st.error_code !== 'Success' && st.error_code !== 0) {
    throw new Error(`${what}: ${st.error_code} ${st.reason || ''}`);
  }
  if (st && st.code !== undefined && st.code !== 0) {
    throw new Error(`${what}: code=${st.code} ${st.reason || ''}`);
  }
  return res;
}
function rnd(dim) {
  const v = new Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) { v[i] = Math.random() * 2 - 1; n += v[i] * v[i]; }
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] /= n;
  return v;
}

const DIM = 512;
const client = new MilvusClient({ address, timeout: 60000, ...(sdkVersion.startsWith('3.') ? { telemetry: { enabled: false } } : {}) });

await step('connect+getVersion', async () => {
  await client.connectPromise;
  const v = check(await client.getVersion(), 'getVersion');
  return v.version;
});
await step('checkHealth', async () => JSON.stringify(await client.checkHealth()));

// databases
await step('listDatabases', async () => JSON.stringify(check(await client.listDatabases(), 'listDatabases').db_names));
{
  // cleanup leftovers of a previous run
  const dbs = (await client.listDatabases()).db_names || [];
  if (dbs.includes('bf_probe_db')) {
    await client.useDatabase({ db_name: 'bf_probe_db' });
    for (const c of ((await client.showCollections()).data || [])) await client.dropCollection({ collection_name: c.name });
    await client.useDatabase({ db_name: 'default' });
    await client.dropDatabase({ db_name: 'bf_probe_db' });
  }
}
await step('createDatabase', async () => { check(await client.createDatabase({ db_name: 'bf_probe_db' }), 'createDatabase'); });
await step('useDatabase+createCollection in db', async () => {
  await client.useDatabase({ db_name: 'bf_probe_db' });
  check(await client.createCollection({ collection_name: 'in_db', fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: 8 }] }), 'createCollection');
  const l = check(await client.showCollections(), 'showCollections');
  await client.useDatabase({ db_name: 'default' });
  const l2 = check(await client.showCollections(), 'showCollections');
  const inDb = l.data.map((c) => c.name);
  const inDefault = l2.data.map((c) => c.name);
  if (!inDb.includes('in_db') || inDefault.includes('in_db')) throw new Error(`db isolation wrong: ${inDb} / ${inDefault}`);
  await client.useDatabase({ db_name: 'bf_probe_db' });
  check(await client.dropCollection({ collection_name: 'in_db' }), 'drop');
  await client.useDatabase({ db_name: 'default' });
});
await step('dropDatabase', async () => { check(await client.dropDatabase({ db_name: 'bf_probe_db' }), 'dropDatabase'); });

const configs = [
  { pk: 'int64', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 16, efConstruction: 200 }, search_params: { ef: 64 } },
  { pk: 'varchar', index_type: 'HNSW', metric_type: 'IP', params: { M: 16, efConstruction: 200 }, search_params: { ef: 64 } },
  { pk: 'int64', index_type: 'IVF_FLAT', metric_type: 'COSINE', params: { nlist: 16 }, search_params: { nprobe: 16 } },
  { pk: 'int64', index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: 16 }, search_params: { nprobe: 16 } },
  { pk: 'int64', index_type: 'FLAT', metric_type: 'COSINE', params: {}, search_params: {} },
  { pk: 'varchar', index_type: 'AUTOINDEX', metric_type: 'COSINE', params: {}, search_params: {} },
];

for (const cfg of configs) {
  const tag = `${cfg.index_type}/${cfg.metric_type}/${cfg.pk}`;
  const col = `probe_${cfg.index_type.toLowerCase()}_${cfg.metric_type.toLowerCase()}_${cfg.pk}`;
  const pkField = cfg.pk === 'int64'
    ? { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false }
    : { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 64, autoID: false };
  const idOf = (i) => (cfg.pk === 'int64' ? i : `f-${i}`);
  const idExpr = (ids) => (cfg.pk === 'int64' ? `id in [${ids.join(',')}]` : `id in [${ids.map((x) => `"${x}"`).join(',')}]`);
  await client.dropCollection({ collection_name: col }).catch(() => {});
  let ok = true;
  await step(`[${tag}] createCollection (Strong)`, async () => {
    check(await client.createCollection({
      collection_name: col,
      consistency_level: 'Strong',
      fields: [
        pkField,
        { name: 'identity_id', data_type: DataType.VarChar, max_length: 64 },
        { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
        { name: 'quality', data_type: DataType.Float },
        { name: 'meta', data_type: DataType.JSON },
        { name: 'camera', data_type: DataType.VarChar, max_length: 128 },
      ],
    }), 'createCollection');
  });
  await step(`[${tag}] createIndex`, async () => {
    check(await client.createIndex({ collection_name: col, field_name: 'embedding', index_type: cfg.index_type, metric_type: cfg.metric_type, params: cfg.params }), 'createIndex');
  });
  await step(`[${tag}] createIndex scalar INVERTED on identity_id`, async () => {
    check(await client.createIndex({ collection_name: col, field_name: 'identity_id', index_type: 'INVERTED' }), 'createIndex scalar');
  });
  await step(`[${tag}] describeIndex`, async () => {
    const r = check(await client.describeIndex({ collection_name: col, field_name: 'embedding' }), 'describeIndex');
    return JSON.stringify(r.index_descriptions.map((d) => d.params));
  });
  await step(`[${tag}] loadCollectionSync`, async () => { check(await client.loadCollectionSync({ collection_name: col }), 'load'); });

  const N = 300;
  const vecs = [];
  const rows = [];
  for (let i = 0; i < N; i++) {
    const v = rnd(DIM);
    vecs.push(v);
    rows.push({ id: idOf(i), identity_id: `person-${i % 30}`, embedding: v, quality: Math.random(), meta: { cam: i % 4, tags: ['a'] }, camera: `cam-${i % 4}` });
  }
  await step(`[${tag}] insert ${N}`, async () => {
    const r = check(await client.insert({ collection_name: col, data: rows }), 'insert');
    return `insert_cnt=${r.insert_cnt}`;
  });
  await step(`[${tag}] search: id returned without listing pk in output_fields`, async () => {
    const r = check(await client.search({ collection_name: col, data: [vecs[5]], limit: 3, params: cfg.search_params }), 'search');
    if (!r.results[0] || r.results[0].id === undefined) throw new Error(`hit has no id: ${JSON.stringify(r.results[0])}`);
    return `hit keys=${Object.keys(r.results[0])}`;
  });
  await step(`[${tag}] search right after insert (no flush, Strong)`, async () => {
    const r = check(await client.search({ collection_name: col, data: [vecs[5]], limit: 10, output_fields: ['id', 'identity_id', 'quality'], params: cfg.search_params, consistency_level: 'Strong' }), 'search');
    const top = r.results[0];
    if (!top || String(top.id) !== String(idOf(5))) throw new Error(`top1=${JSON.stringify(top)}`);
    return `top1=${top.id} score=${top.score.toFixed(4)} n=${r.results.length}`;
  });
  await step(`[${tag}] Session consistency: insert then search at once`, async () => {
    const v = rnd(DIM);
    check(await client.insert({ collection_name: col, data: [{ id: idOf(77777), identity_id: 'sess', embedding: v, quality: 1, meta: {}, camera: 'c' }] }), 'insert');
    const t = performance.now();
    const r = check(await client.search({ collection_name: col, data: [v], limit: 1, output_fields: ['id'], params: cfg.search_params, consistency_level: 'Session' }), 'search');
    const ms = (performance.now() - t).toFixed(1);
    check(await client.delete({ collection_name: col, ids: [idOf(77777)] }), 'delete');
    if (!r.results[0] || String(r.results[0].id) !== String(idOf(77777))) throw new Error(`not visible (${ms}ms)`);
    return `visible; search ${ms}ms; typeof id in search hit=${typeof r.results[0].id}`;
  });
  await step(`[${tag}] flushSync`, async () => { check(await client.flushSync({ collection_names: [col] }), 'flush'); });
  await step(`[${tag}] search top10 filter identity_id`, async () => {
    const r = check(await client.search({ collection_name: col, data: [vecs[7]], limit: 10, filter: 'identity_id == "person-7"', output_fields: ['id', 'identity_id', 'quality', 'meta', 'camera'], params: cfg.search_params }), 'search');
    const bad = r.results.filter((x) => x.identity_id !== 'person-7');
    if (bad.length) throw new Error('filter leak');
    if (r.results.length !== 10) throw new Error(`expected 10 got ${r.results.length}`);
    if (String(r.results[0].id) !== String(idOf(7))) throw new Error('top1 mismatch');
    return `n=${r.results.length} meta=${JSON.stringify(r.results[0].meta)}`;
  });
  await step(`[${tag}] search filter 'in' + json expr`, async () => {
    const r = check(await client.search({ collection_name: col, data: [vecs[8]], limit: 10, filter: 'identity_id in ["person-8","person-9"] and meta["cam"] == 0 and quality >= 0', output_fields: ['identity_id', 'meta'], params: cfg.search_params }), 'search');
    if (r.results.some((x) => x.meta.cam !== 0)) throw new Error('json filter leak');
    return `n=${r.results.length}`;
  });
  await step(`[${tag}] search nq=3`, async () => {
    const r = check(await client.search({ collection_name: col, data: [vecs[1], vecs[2], vecs[3]], limit: 10, output_fields: ['id'], params: cfg.search_params }), 'search');
    if (r.results.length !== 3 || String(r.results[2][0].id) !== String(idOf(3))) throw new Error(JSON.stringify(r.results).slice(0, 200));
    return 'ok';
  });
  await step(`[${tag}] query by id`, async () => {
    const r = check(await client.query({ collection_name: col, filter: idExpr([idOf(1), idOf(2)]), output_fields: ['id', 'identity_id', 'quality', 'meta'] }), 'query');
    if (r.data.length !== 2) throw new Error(`got ${r.data.length}`);
    return JSON.stringify(r.data[0]).slice(0, 100);
  });
  await step(`[${tag}] get by ids (with vector)`, async () => {
    const r = check(await client.get({ collection_name: col, ids: [idOf(3)], output_fields: ['embedding', 'identity_id'] }), 'get');
    if (r.data.length !== 1 || r.data[0].embedding.length !== DIM) throw new Error(JSON.stringify(r.data).slice(0, 100));
    return `dim=${r.data[0].embedding.length}`;
  });
  await step(`[${tag}] upsert`, async () => {
    check(await client.upsert({ collection_name: col, data: [{ ...rows[4], quality: 42.5, identity_id: 'person-upserted' }] }), 'upsert');
    const r = check(await client.query({ collection_name: col, filter: idExpr([idOf(4)]), output_fields: ['quality', 'identity_id'] }), 'query');
    if (r.data.length !== 1 || r.data[0].quality !== 42.5 || r.data[0].identity_id !== 'person-upserted') throw new Error(JSON.stringify(r.data));
    return 'visible immediately';
  });
  await step(`[${tag}] count (count(*))`, async () => {
    const r = check(await client.count({ collection_name: col }), 'count');
    if (Number(r.data) !== N) throw new Error(`count=${r.data}`);
    return r.data;
  });
  await step(`[${tag}] count with expr`, async () => {
    const r = check(await client.count({ collection_name: col, expr: 'identity_id == "person-3"' }), 'count');
    if (Number(r.data) !== 10) throw new Error(`count=${r.data}`);
    return r.data;
  });
  await step(`[${tag}] delete by expr identity_id`, async () => {
    const d = check(await client.delete({ collection_name: col, filter: 'identity_id == "person-3"' }), 'delete');
    const c = check(await client.count({ collection_name: col }), 'count');
    const s = check(await client.search({ collection_name: col, data: [vecs[3]], limit: 10, filter: 'identity_id == "person-3"', params: cfg.search_params }), 'search');
    if (Number(c.data) !== N - 10 || s.results.length !== 0) throw new Error(`count=${c.data} hits=${s.results.length}`);
    return `delete_cnt=${d.delete_cnt} count=${c.data}`;
  });
  await step(`[${tag}] delete by ids`, async () => {
    const d = check(await client.delete({ collection_name: col, ids: [idOf(0)] }), 'delete');
    const c = check(await client.count({ collection_name: col }), 'count');
    if (Number(c.data) !== N - 11) throw new Error(`count=${c.data}`);
    return `delete_cnt=${d.delete_cnt}`;
  });
  await step(`[${tag}] partitions create/insert/search`, async () => {
    check(await client.createPartition({ collection_name: col, partition_name: 'p_site_a' }), 'createPartition');
    const v = rnd(DIM);
    check(await client.insert({ collection_name: col, partition_name: 'p_site_a', data: [{ id: idOf(99999), identity_id: 'part-person', embedding: v, quality: 1, meta: {}, camera: 'x' }] }), 'insert');
    const s = check(await client.search({ collection_name: col, partition_names: ['p_site_a'], data: [v], limit: 10, params: cfg.search_params }), 'search');
    const ps = check(await client.showPartitions({ collection_name: col }), 'showPartitions');
    if (s.results.length !== 1) throw new Error(`hits=${s.results.length}`);
    return `partitions=${ps.partition_names}`;
  });
  await step(`[${tag}] describeCollection/hasCollection/showCollections`, async () => {
    const d = check(await client.describeCollection({ collection_name: col }), 'describe');
    const h = check(await client.hasCollection({ collection_name: col }), 'has');
    const s = check(await client.showCollections(), 'show');
    return `fields=${d.schema.fields.map((f) => f.name + ':' + f.data_type).join(',')} cl=${d.consistency_level} has=${h.value} n=${s.data.length}`;
  });
  await step(`[${tag}] getCollectionStatistics`, async () => JSON.stringify(check(await client.getCollectionStatistics({ collection_name: col }), 'stats').data));
  await step(`[${tag}] releaseCollection + dropIndex + dropCollection`, async () => {
    check(await client.releaseCollection({ collection_name: col }), 'release');
    check(await client.dropCollection({ collection_name: col }), 'drop');
    const h = check(await client.hasCollection({ collection_name: col }), 'has');
    if (h.value) throw new Error('still exists');
  });
}

await step('quick createCollection({dimension}) (server-side default index)', async () => {
  await client.dropCollection({ collection_name: 'probe_quick' }).catch(() => {});
  check(await client.createCollection({ collection_name: 'probe_quick', dimension: 8 }), 'createCollection(quick)');
  check(await client.insert({ collection_name: 'probe_quick', data: [{ id: 1, vector: [1, 0, 0, 0, 0, 0, 0, 0] }] }), 'insert');
  const s = check(await client.search({ collection_name: 'probe_quick', data: [[1, 0, 0, 0, 0, 0, 0, 0]], limit: 1 }), 'search');
  check(await client.dropCollection({ collection_name: 'probe_quick' }), 'drop');
  return JSON.stringify(s.results);
});
// alias / rename misc
await step('alias + renameCollection', async () => {
  await client.dropCollection({ collection_name: 'probe_misc' }).catch(() => {});
  await client.dropCollection({ collection_name: 'probe_misc2' }).catch(() => {});
  check(await client.createCollection({ collection_name: 'probe_misc', fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: 8 }] }), 'create');
  check(await client.createAlias({ collection_name: 'probe_misc', alias: 'probe_alias' }), 'alias');
  check(await client.dropAlias({ alias: 'probe_alias' }), 'dropAlias');
  check(await client.renameCollection({ collection_name: 'probe_misc', new_collection_name: 'probe_misc2' }), 'rename');
  check(await client.dropCollection({ collection_name: 'probe_misc2' }), 'drop');
});

const okN = results.filter((r) => r.ok).length;
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${r.ms}ms) ${r.note}`);
console.log(`SDK ${sdkVersion} @ ${address}: ${okN} passed, ${results.length - okN} failed`);
await client.closeConnection?.();
process.exit(0);
