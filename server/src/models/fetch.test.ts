import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import {
  fetchPack,
  formatBytes,
  formatProgress,
  listPacks,
  ModelFetchError,
  verifyModels,
  type FetchProgress,
} from './fetch.js';
import { loadManifest, type ModelManifest, type ModelSpec } from './manifest.js';

// ---------------------------------------------------------------------------------------------------------------
// A minimal zip writer (stored or deflated entries), enough to build test archives.

interface ZipInput {
  name: string;
  data?: Buffer; // absent: directory entry
  deflate?: boolean;
}

function buildZip(inputs: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const input of inputs) {
    const name = Buffer.from(input.name, 'utf8');
    const raw = input.data ?? Buffer.alloc(0);
    const method = input.deflate && input.data ? 8 : 0;
    const body = method === 8 ? zlib.deflateRawSync(raw) : raw;
    const crc = zlib.crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------------------------------------------
// Fake model files, archives and a local HTTP server

const DET = randomBytes(300_000); // stored: its bytes appear verbatim in the zip
const REC = Buffer.concat([Buffer.from('fake recognizer '), randomBytes(50_000), Buffer.alloc(100_000, 7)]);
const EXTRA = Buffer.from('fake landmarks model\n'.repeat(500));

const FLAT_ZIP = buildZip([
  { name: 'fake_det.onnx', data: DET },
  { name: 'fake_rec.onnx', data: REC, deflate: true },
  { name: 'fake_extra.onnx', data: EXTRA, deflate: true },
]);
const NESTED_ZIP = buildZip([
  { name: 'nested/' },
  { name: 'nested/fake_det.onnx', data: DET },
  { name: 'nested/fake_rec.onnx', data: REC, deflate: true },
  { name: '__MACOSX/nested/._fake_rec.onnx', data: Buffer.from('resource fork') },
]);
/** FLAT_ZIP with one byte of fake_det.onnx's (stored) data flipped. */
const CORRUPT_ZIP = (() => {
  const z = Buffer.from(FLAT_ZIP);
  const at = z.indexOf(DET.subarray(0, 64)) + 1000;
  z[at] = z[at]! ^ 0xff;
  return z;
})();
const INCOMPLETE_ZIP = buildZip([{ name: 'fake_det.onnx', data: DET }]);

const routes: Record<string, Buffer> = {
  '/flat.zip': FLAT_ZIP,
  '/nested.zip': NESTED_ZIP,
  '/corrupt.zip': CORRUPT_ZIP,
  '/incomplete.zip': INCOMPLETE_ZIP,
  '/garbage.zip': Buffer.from('this is not a zip file at all'),
};
const requests: string[] = [];
let server: http.Server;
let base = '';
let closedPortBase = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/drop.zip') {
      // Promise the whole archive, send a third of it, then cut the connection.
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': FLAT_ZIP.length });
      res.write(FLAT_ZIP.subarray(0, Math.floor(FLAT_ZIP.length / 3)), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const body = routes[req.url ?? ''];
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length });
    // Several writes, so the client sees the body in more than one chunk.
    const step = 64 * 1024;
    for (let i = 0; i < body.length; i += step) res.write(body.subarray(i, i + step));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A port that was just free and is closed again: connecting to it is refused.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPortBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function model(file: string, data: Buffer, role: ModelSpec['role'], sha?: string | null): Omit<ModelSpec, 'id'> {
  return {
    file,
    role,
    family: role === 'detector' ? 'scrfd' : 'arcface',
    sha256: (sha === undefined ? sha256(data) : sha) as string,
    size: data.length,
    input: { layout: 'NCHW', height: null, width: null, batch: 1 },
    preprocess: { colorOrder: 'RGB', mean: 127.5, std: 128 },
    license: 'test',
    source: 'test',
  };
}

function testManifest(): ModelManifest {
  const models = {
    fake_det: model('fake_det.onnx', DET, 'detector'),
    fake_rec: model('fake_rec.onnx', REC, 'recognizer'),
    fake_extra: model('fake_extra.onnx', EXTRA, 'landmarks'),
    fake_extra_nohash: model('fake_extra.onnx', EXTRA, 'landmarks', null),
  };
  const pack = (url: string, files: string[], zip?: Buffer) => ({
    description: 'test pack',
    url,
    ...(zip ? { sha256: sha256(zip), size: zip.length } : {}),
    detector: 'fake_det',
    recognizer: 'fake_rec',
    files,
  });
  const all = ['fake_det', 'fake_rec', 'fake_extra'];
  return {
    version: 1,
    models: Object.fromEntries(Object.entries(models).map(([id, m]) => [id, { id, ...m }])),
    packs: {
      flat: pack(`${base}/flat.zip`, all, FLAT_ZIP),
      nested: pack(`${base}/nested.zip`, ['fake_det', 'fake_rec'], NESTED_ZIP),
      // Served corrupted; the manifest has the good archive's hash.
      corrupt: pack(`${base}/corrupt.zip`, all, FLAT_ZIP),
      // Served corrupted, no archive hash: the per-file check must catch it.
      corrupt_nozip: pack(`${base}/corrupt.zip`, all),
      flat_nozip: pack(`${base}/flat.zip`, all),
      incomplete: pack(`${base}/incomplete.zip`, ['fake_det', 'fake_rec']),
      garbage: pack(`${base}/garbage.zip`, ['fake_det']),
      gone: pack(`${base}/gone.zip`, all),
      drop: pack(`${base}/drop.zip`, all),
      offline: pack(`${closedPortBase}/flat.zip`, all),
      unhashed: pack(`${base}/flat.zip`, ['fake_det', 'fake_extra_nohash']),
      archive_only: pack(`${base}/flat.zip`, ['fake_det', 'fake_extra_nohash'], FLAT_ZIP),
      local: { description: 'Not downloadable; place the files yourself.', detector: 'fake_det', recognizer: 'fake_rec', files: all },
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boostface-fetch-'));
  requests.length = 0;
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function expectFetchError(p: Promise<unknown>, code: string): Promise<ModelFetchError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ModelFetchError ${code}, but the fetch succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFetchError);
  expect((err as ModelFetchError).code).toBe(code);
  return err as ModelFetchError;
}

const listDir = async () => (await fs.readdir(dir)).sort();

// ---------------------------------------------------------------------------------------------------------------

describe('fetchPack', () => {
  it('downloads, verifies and extracts a top-level archive flat into the models directory', async () => {
    const manifest = testManifest();
    const result = await fetchPack('flat', { modelsDir: dir, manifest });
    expect(await listDir()).toEqual(['fake_det.onnx', 'fake_extra.onnx', 'fake_rec.onnx']);
    expect(sha256(await fs.readFile(path.join(dir, 'fake_det.onnx')))).toBe(sha256(DET));
    expect(sha256(await fs.readFile(path.join(dir, 'fake_rec.onnx')))).toBe(sha256(REC));
    expect(result.downloaded).toBe(true);
    expect(result.archiveVerified).toBe(true);
    expect(result.unverified).toEqual([]);
    expect(result.files.map((f) => [f.file, f.status, f.verification])).toEqual([
      ['fake_det.onnx', 'installed', 'sha256'],
      ['fake_rec.onnx', 'installed', 'sha256'],
      ['fake_extra.onnx', 'installed', 'sha256'],
    ]);
    const verified = await verifyModels(dir, manifest, { ids: ['fake_det', 'fake_rec', 'fake_extra'] });
    expect(verified.map((v) => v.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('extracts files kept in a <pack>/ folder flat, ignoring __MACOSX entries', async () => {
    const result = await fetchPack('nested', { modelsDir: dir, manifest: testManifest() });
    expect(await listDir()).toEqual(['fake_det.onnx', 'fake_rec.onnx']);
    expect(sha256(await fs.readFile(path.join(dir, 'fake_rec.onnx')))).toBe(sha256(REC));
    expect(result.files.every((f) => f.status === 'installed')).toBe(true);
  });

  it('creates the models directory when it does not exist', async () => {
    const sub = path.join(dir, 'a', 'models');
    await fetchPack('nested', { modelsDir: sub, manifest: testManifest() });
    expect((await fs.readdir(sub)).sort()).toEqual(['fake_det.onnx', 'fake_rec.onnx']);
  });

  it('reports download progress with increasing byte counts ending at the total', async () => {
    const events: FetchProgress[] = [];
    await fetchPack('flat', { modelsDir: dir, manifest: testManifest(), onProgress: (p) => events.push({ ...p }) });
    const download = events.filter((e) => e.phase === 'download');
    expect(download.length).toBeGreaterThan(2);
    expect(download.every((e) => e.bytesTotal === FLAT_ZIP.length && e.file === 'flat.zip')).toBe(true);
    for (let i = 1; i < download.length; i++) expect(download[i]!.bytesDone).toBeGreaterThan(download[i - 1]!.bytesDone);
    expect(download.at(-1)!.bytesDone).toBe(FLAT_ZIP.length);
    // Extraction progress ends at each file's size.
    const lastExtract = (file: string) => events.filter((e) => e.phase === 'extract' && e.file === file).at(-1);
    expect(lastExtract('fake_det.onnx')).toMatchObject({ bytesDone: DET.length, bytesTotal: DET.length });
    expect(lastExtract('fake_rec.onnx')).toMatchObject({ bytesDone: REC.length, bytesTotal: REC.length });
  });

  it('skips files already present with the right hash; downloads nothing when all are', async () => {
    const manifest = testManifest();
    await fetchPack('flat', { modelsDir: dir, manifest });
    expect(requests).toEqual(['/flat.zip']);
    const detStat = await fs.stat(path.join(dir, 'fake_det.onnx'));

    const again = await fetchPack('flat', { modelsDir: dir, manifest });
    expect(again.downloaded).toBe(false);
    expect(again.files.every((f) => f.status === 'present')).toBe(true);
    expect(requests).toEqual(['/flat.zip']);

    // One damaged file: the archive is fetched again, only that file is replaced.
    await fs.writeFile(path.join(dir, 'fake_rec.onnx'), 'damaged');
    const repaired = await fetchPack('flat', { modelsDir: dir, manifest });
    expect(requests).toEqual(['/flat.zip', '/flat.zip']);
    expect(repaired.files.map((f) => [f.file, f.status])).toEqual([
      ['fake_det.onnx', 'present'],
      ['fake_rec.onnx', 'installed'],
      ['fake_extra.onnx', 'present'],
    ]);
    expect(sha256(await fs.readFile(path.join(dir, 'fake_rec.onnx')))).toBe(sha256(REC));
    expect((await fs.stat(path.join(dir, 'fake_det.onnx'))).mtimeMs).toBe(detStat.mtimeMs);
    expect(await listDir()).toEqual(['fake_det.onnx', 'fake_extra.onnx', 'fake_rec.onnx']);
  });

  it('rejects a corrupted archive by its sha256 and leaves nothing behind', async () => {
    const err = await expectFetchError(fetchPack('corrupt', { modelsDir: dir, manifest: testManifest() }), 'CHECKSUM_MISMATCH');
    expect(err.details.file).toBe('corrupt.zip');
    expect(err.details.expectedSha256).toBe(sha256(FLAT_ZIP));
    expect(err.details.actualSha256).toBe(sha256(CORRUPT_ZIP));
    expect(err.message).toContain('corrupt.zip');
    expect(err.message).toContain(sha256(FLAT_ZIP));
    expect(err.message).toContain(sha256(CORRUPT_ZIP));
    expect(await listDir()).toEqual([]);
  });

  it('rejects a corrupted model file by its sha256 (no archive hash), keeps existing files and leaves no temporaries', async () => {
    // A good copy of another file is already installed and must survive the failed fetch untouched.
    await fs.writeFile(path.join(dir, 'fake_rec.onnx'), REC);
    const err = await expectFetchError(
      fetchPack('corrupt_nozip', { modelsDir: dir, manifest: testManifest() }),
      'CHECKSUM_MISMATCH',
    );
    const corruptedDet = Buffer.from(DET);
    corruptedDet[1000] = corruptedDet[1000]! ^ 0xff; // the byte CORRUPT_ZIP flipped

    expect(err.details.file).toBe('fake_det.onnx');
    expect(err.details.expectedSha256).toBe(sha256(DET));
    expect(err.details.actualSha256).toBe(sha256(corruptedDet));
    expect(err.message).toMatch(/fake_det\.onnx.*expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    expect(await listDir()).toEqual(['fake_rec.onnx']);
    expect(sha256(await fs.readFile(path.join(dir, 'fake_rec.onnx')))).toBe(sha256(REC));
  });

  it('reports OFFLINE with manual-install instructions when the host cannot be reached', async () => {
    const err = await expectFetchError(fetchPack('offline', { modelsDir: dir, manifest: testManifest() }), 'OFFLINE');
    const host = new URL(closedPortBase).host;
    expect(err.message).toContain(`cannot reach the download host ${host}`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('BOOSTFACE_MODELS');
    expect(err.message).toContain(`${closedPortBase}/flat.zip`);
    expect(err.message).toContain('fake_det.onnx, fake_rec.onnx, fake_extra.onnx');
    expect(await listDir()).toEqual([]);
  });

  it('reports OFFLINE when the connection drops mid-download, and removes the partial archive', async () => {
    const err = await expectFetchError(fetchPack('drop', { modelsDir: dir, manifest: testManifest() }), 'OFFLINE');
    expect(err.message).toContain('lost while downloading drop.zip');
    expect(err.message).toContain('BOOSTFACE_MODELS');
    expect(await listDir()).toEqual([]);
  });

  it('reports HTTP_STATUS for a 404', async () => {
    const err = await expectFetchError(fetchPack('gone', { modelsDir: dir, manifest: testManifest() }), 'HTTP_STATUS');
    expect(err.details.status).toBe(404);
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain(`${base}/gone.zip`);
    expect(await listDir()).toEqual([]);
  });

  it('reports UNKNOWN_PACK listing the known packs', async () => {
    const err = await expectFetchError(fetchPack('nope', { modelsDir: dir, manifest: testManifest() }), 'UNKNOWN_PACK');
    expect(err.message).toContain('"nope"');
    expect(err.message).toContain('flat');
    expect(err.message).toContain('local (not downloadable)');
    expect(err.details.packs).toContain('nested');
    // Not fooled by Object.prototype keys.
    await expectFetchError(fetchPack('toString', { modelsDir: dir, manifest: testManifest() }), 'UNKNOWN_PACK');
  });

  it('reports NOT_DOWNLOADABLE for a pack without a URL (the real manifest\'s dev pack)', async () => {
    const err = await expectFetchError(fetchPack('dev', { modelsDir: dir }), 'NOT_DOWNLOADABLE');
    expect(err.message).toContain('BOOSTFACE_MODELS');
    expect(err.message).toContain('scrfd_2.5g_bnkps.onnx');
    await expectFetchError(fetchPack('local', { modelsDir: dir, manifest: testManifest() }), 'NOT_DOWNLOADABLE');
    expect(requests).toEqual([]);
  });

  it('refuses files with no known hash unless allowUnverified, then reports them as unverified', async () => {
    const manifest = testManifest();
    const err = await expectFetchError(fetchPack('unhashed', { modelsDir: dir, manifest }), 'UNVERIFIED');
    expect(err.details.unverified).toEqual(['fake_extra.onnx']);
    expect(err.message).toContain('--allow-unverified');
    expect(requests).toEqual([]);

    const result = await fetchPack('unhashed', { modelsDir: dir, manifest, allowUnverified: true });
    expect(result.unverified).toEqual(['fake_extra.onnx']);
    expect(result.archiveVerified).toBe(false);
    expect(result.files.map((f) => [f.file, f.verification])).toEqual([
      ['fake_det.onnx', 'sha256'],
      ['fake_extra.onnx', 'unverified'],
    ]);
    expect(sha256(await fs.readFile(path.join(dir, 'fake_extra.onnx')))).toBe(sha256(EXTRA));
  });

  it('accepts a file without its own hash when the archive hash is known', async () => {
    const result = await fetchPack('archive_only', { modelsDir: dir, manifest: testManifest() });
    expect(result.unverified).toEqual([]);
    expect(result.files.map((f) => [f.file, f.verification])).toEqual([
      ['fake_det.onnx', 'sha256'],
      ['fake_extra.onnx', 'archive'],
    ]);
  });

  it('verifies per-file hashes when the archive hash is unknown', async () => {
    const result = await fetchPack('flat_nozip', { modelsDir: dir, manifest: testManifest() });
    expect(result.archiveVerified).toBe(false);
    expect(result.unverified).toEqual([]);
    expect(await listDir()).toEqual(['fake_det.onnx', 'fake_extra.onnx', 'fake_rec.onnx']);
  });

  it('reports BAD_ARCHIVE for an archive that lacks a file or is not a zip, leaving nothing behind', async () => {
    const missing = await expectFetchError(fetchPack('incomplete', { modelsDir: dir, manifest: testManifest() }), 'BAD_ARCHIVE');
    expect(missing.message).toContain('does not contain fake_rec.onnx');
    expect(await listDir()).toEqual([]);
    await expectFetchError(fetchPack('garbage', { modelsDir: dir, manifest: testManifest() }), 'BAD_ARCHIVE');
    expect(await listDir()).toEqual([]);
  });

  it('stops with ABORTED when the signal fires mid-download, leaving nothing behind', async () => {
    const ac = new AbortController();
    const err = await expectFetchError(
      fetchPack('flat', {
        modelsDir: dir,
        manifest: testManifest(),
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'download' && p.bytesDone > 0) ac.abort();
        },
      }),
      'ABORTED',
    );
    expect(err.message).toContain('cancelled');
    expect(await listDir()).toEqual([]);
  });

  it('uses options.fetchImpl', async () => {
    const seen: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(new Uint8Array(NESTED_ZIP), { status: 200, headers: { 'content-length': String(NESTED_ZIP.length) } });
    };
    await fetchPack('nested', { modelsDir: dir, manifest: testManifest(), fetchImpl });
    expect(seen).toEqual([`${base}/nested.zip`]);
    expect(requests).toEqual([]);
    expect(await listDir()).toEqual(['fake_det.onnx', 'fake_rec.onnx']);
  });
});

describe('verifyModels', () => {
  it('reports ok, missing, mismatch and unverified', async () => {
    const manifest = testManifest();
    await fs.writeFile(path.join(dir, 'fake_det.onnx'), DET);
    const wrong = Buffer.from(REC);
    wrong[5] = wrong[5]! ^ 1; // same size, different content
    await fs.writeFile(path.join(dir, 'fake_rec.onnx'), wrong);
    await fs.writeFile(path.join(dir, 'fake_extra.onnx'), EXTRA);
    const byId = Object.fromEntries((await verifyModels(dir, manifest)).map((v) => [v.id, v]));
    expect(byId.fake_det).toMatchObject({ status: 'ok', file: 'fake_det.onnx', actualSha256: sha256(DET) });
    expect(byId.fake_rec).toMatchObject({ status: 'mismatch', expectedSha256: sha256(REC), actualSha256: sha256(wrong) });
    expect(byId.fake_extra!.status).toBe('ok');
    expect(byId.fake_extra_nohash!.status).toBe('unverified');

    await fs.writeFile(path.join(dir, 'fake_det.onnx'), 'short');
    await fs.rm(path.join(dir, 'fake_extra.onnx'));
    const again = Object.fromEntries((await verifyModels(dir, manifest)).map((v) => [v.id, v]));
    expect(again.fake_det).toMatchObject({ status: 'mismatch', expectedSize: DET.length, actualSize: 5 });
    expect(again.fake_extra!.status).toBe('missing');
  });

  it('reports every model missing in an empty or absent directory', async () => {
    const result = await verifyModels(path.join(dir, 'absent'), testManifest());
    expect(result.every((v) => v.status === 'missing')).toBe(true);
  });

  // The staged real model files, when this checkout sits beside the shared folder.
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  // BOOSTFACE_SHARED names the shared folder (its models/ subfolder is used) or the models folder itself.
  const sharedEnv = process.env.BOOSTFACE_SHARED ? path.resolve(process.env.BOOSTFACE_SHARED) : undefined;
  const sharedModels = sharedEnv
    ? existsSync(path.join(sharedEnv, 'models')) || !existsSync(sharedEnv)
      ? path.join(sharedEnv, 'models')
      : sharedEnv
    : path.resolve(repoRoot, '../shared/models');
  const haveShared = existsSync(sharedModels);
  if (!haveShared && process.env.CI === 'true') {
    it('verifies the real model files in the shared models directory (required when CI=true)', () => {
      throw new Error(`CI=true but the shared models directory ${sharedModels} does not exist (set BOOSTFACE_SHARED)`);
    });
  } else {
    it.skipIf(!haveShared)(
      `reports ok for the real model files in ${sharedModels}${haveShared ? '' : ' (skipped: directory not found; set BOOSTFACE_SHARED)'}`,
      async () => {
        const manifest = loadManifest();
        const results = await verifyModels(sharedModels, manifest);
        const present = results.filter((r) => r.status !== 'missing');
        expect(present.length).toBeGreaterThan(0);
        for (const r of present) expect({ file: r.file, status: r.status }).toEqual({ file: r.file, status: 'ok' });
        // The dev pack's files are the ones staged there.
        const dev = new Set(manifest.packs.dev!.files);
        expect(results.filter((r) => dev.has(r.id)).map((r) => r.status)).toEqual(manifest.packs.dev!.files.map(() => 'ok'));
      },
      60_000,
    );
  }
});

describe('official insightface packs in models/manifest.json', () => {
  const manifest = loadManifest();
  const official = ['buffalo_l', 'buffalo_m', 'buffalo_s', 'buffalo_sc'];

  it('lists each pack with its release URL, archive hash and size, detector and recognizer', () => {
    for (const id of official) {
      const pack = manifest.packs[id]!;
      expect(pack, id).toBeDefined();
      expect(pack.url).toBe(`https://github.com/deepinsight/insightface/releases/download/v0.7/${id}.zip`);
      expect(pack.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isInteger(pack.size)).toBe(true);
      expect(pack.files).toContain(pack.detector);
      expect(pack.files).toContain(pack.recognizer);
      expect(manifest.models[pack.detector]!.role).toBe('detector');
      expect(manifest.models[pack.recognizer]!.role).toBe('recognizer');
      for (const m of pack.files) expect(manifest.models[m], `${id}: ${m}`).toBeDefined();
    }
    expect(manifest.packs.buffalo_sc!.files).toEqual(['det_500m', 'w600k_mbf']);
    expect(manifest.packs.buffalo_l!.files).toEqual(['det_10g', 'w600k_r50', '1k3d68', '2d106det', 'genderage']);
  });

  it('gives every model a sha256, a size, and input/preprocessing that match insightface', () => {
    for (const [id, m] of Object.entries(manifest.models)) {
      expect(m.sha256, id).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isInteger(m.size) && m.size > 0, id).toBe(true);
    }
    for (const id of ['det_10g', 'det_2.5g', 'det_500m']) {
      expect(manifest.models[id]).toMatchObject({
        family: 'scrfd',
        input: { height: null, width: null, defaultSize: 640 },
        preprocess: { colorOrder: 'RGB', mean: 127.5, std: 128 },
      });
    }
    for (const id of ['w600k_r50', 'w600k_mbf']) {
      expect(manifest.models[id]).toMatchObject({
        family: 'arcface',
        embeddingSize: 512,
        input: { height: 112, width: 112, batch: null },
        preprocess: { colorOrder: 'RGB', mean: 127.5, std: 127.5 },
      });
    }
    // Sizes and hashes given in the task brief.
    expect(manifest.models.w600k_mbf).toMatchObject({
      size: 13_616_099,
      sha256: '9cc6e4a75f0e2bf0b1aed94578f144d15175f357bdc05e815e5c4a02b319eb4f',
    });
    expect(manifest.models['det_2.5g']).toMatchObject({
      size: 3_292_009,
      sha256: '041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9',
    });
    expect(manifest.packs.buffalo_sc!.sha256).toBe('57d31b56b6ffa911c8a73cfc1707c73cab76efe7f13b675a05223bf42de47c72');
  });

  it('keeps one file name per model id among the packs (they extract into one flat directory)', () => {
    const byFile = new Map<string, string>();
    for (const id of official) {
      for (const m of manifest.packs[id]!.files) {
        const file = manifest.models[m]!.file;
        expect(byFile.get(file) ?? m, file).toBe(m);
        byFile.set(file, m);
      }
    }
  });

  it('summarises packs for `models list`', () => {
    const l = listPacks(manifest).find((p) => p.id === 'buffalo_sc')!;
    expect(l).toMatchObject({ downloadable: true, size: 14_969_382, files: ['det_500m.onnx', 'w600k_mbf.onnx'] });
    expect(l.installedSize).toBe(2_524_817 + 13_616_099);
    expect(listPacks(manifest).find((p) => p.id === 'dev')!.downloadable).toBe(false);
  });
});

describe('formatProgress', () => {
  it('formats bytes and percentages', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(288_621_354)).toBe('288.6 MB');
    expect(formatProgress({ phase: 'download', packId: 'buffalo_l', file: 'buffalo_l.zip', bytesDone: 45_300_000, bytesTotal: 288_621_354 })).toBe(
      'buffalo_l.zip: 45.3 MB / 288.6 MB (15.7%)',
    );
    expect(formatProgress({ phase: 'extract', packId: 'x', file: 'a.onnx', bytesDone: 1500, bytesTotal: null })).toBe(
      'extracting a.onnx: 1.50 kB',
    );
  });
});
