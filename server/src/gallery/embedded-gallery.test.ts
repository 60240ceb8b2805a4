import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedGallery, GALLERY_FILE, LOCK_FILE } from './embedded-gallery.js';
import { dot, galleryContract, unitVectors } from './gallery-contract.js';
import { GalleryError, type Template, type TemplateKind } from './gallery.js';

const DIM = 512;
const SPACE = { model: 'w600k_r50', dim: DIM };
const HERE = path.dirname(fileURLToPath(import.meta.url));

const temps: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-gallery-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

galleryContract('embedded', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-gallery-contract-'));
  let current = await EmbeddedGallery.open({ dataDir, space: SPACE });
  return {
    gallery: current,
    reopen: async () => {
      await current.close();
      current = await EmbeddedGallery.open({ dataDir, space: SPACE });
      return current;
    },
    cleanup: async () => {
      await current.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

async function openError(dataDir: string, space = SPACE): Promise<GalleryError> {
  try {
    const g = await EmbeddedGallery.open({ dataDir, space });
    await g.close();
  } catch (err) {
    expect(err).toBeInstanceOf(GalleryError);
    return err as GalleryError;
  }
  throw new Error('open succeeded');
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function template(identityId: string, embedding: Float32Array, over: Partial<Template> = {}): Template {
  return { id: `t-${Math.random().toString(36).slice(2)}`, identityId, embedding, kind: 'positive', quality: 0.9, source: 's', createdAt: 1, ...over };
}

describe('EmbeddedGallery: the store', () => {
  it('creates <dataDir>/gallery.sqlite in WAL mode and holds a pid lock while open', async () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(g.file).toBe(path.join(dataDir, GALLERY_FILE));
    expect(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await g.createIdentity({ name: 'Ada' });
    const peek = new Database(g.file, { readonly: true });
    expect(peek.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(peek.prepare("SELECT value FROM meta WHERE key = 'model'").pluck().get()).toBe('w600k_r50');
    peek.close();
    await g.close();
    await g.close(); // idempotent
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    await expect(g.count()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses another model or dimension, saying which model it holds and how to re-embed', async () => {
    const dataDir = tempDir();
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    await g.createIdentity({ name: 'Ada' });
    await g.close();
    const model = await openError(dataDir, { model: 'antelopev2', dim: DIM });
    expect(model.code).toBe('MODEL_MISMATCH');
    expect(model.message).toContain('"w600k_r50"');
    expect(model.message).toContain('"antelopev2"');
    expect(model.message).toMatch(/re-enroll/);
    expect(model.message).toMatch(/export/);
    const dim = await openError(dataDir, { model: 'w600k_r50', dim: 128 });
    expect(dim.code).toBe('MODEL_MISMATCH');
    expect(dim.message).toContain('512-d');
    // The refusals left the gallery as it was, and unlocked.
    const again = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(await again.count()).toEqual({ identities: 1, templates: 0 });
    await again.close();
  });

  describe('refuses what is not a BoostFace gallery, leaving it byte for byte', () => {
    const cases: [string, (file: string) => void][] = [
      ['random bytes', (f) => fs.writeFileSync(f, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) & 0xff)))],
      ['a text file', (f) => fs.writeFileSync(f, 'name,score\nada,1\n')],
      ['a truncated SQLite header', (f) => fs.writeFileSync(f, 'SQLite format 3\0')],
      [
        'another application\'s SQLite database',
        (f) => {
          const db = new Database(f);
          db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('root')");
          db.close();
        },
      ],
      [
        'an empty SQLite database',
        (f) => {
          const db = new Database(f);
          db.pragma('user_version = 7');
          db.close();
        },
      ],
      [
        'a meta table of something else',
        (f) => {
          const db = new Database(f);
          db.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'other-app')");
          db.close();
        },
      ],
    ];
    for (const [what, write] of cases) {
      it(what, async () => {
        const dataDir = tempDir();
        const file = path.join(dataDir, GALLERY_FILE);
        write(file);
        const before = sha(file);
        const err = await openError(dataDir);
        expect(err.code).toBe('CORRUPT_STORE');
        expect(err.message).toContain(file);
        expect(sha(file)).toBe(before);
        expect(fs.readdirSync(dataDir).sort()).toEqual([GALLERY_FILE]); // no lock, journal or WAL left behind
        expect((await openError(dataDir)).code).toBe('CORRUPT_STORE'); // and not locked
      });
    }

    it('a gallery of a newer schema version', async () => {
      const dataDir = tempDir();
      const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
      await g.createIdentity({ name: 'Ada' });
      await g.close();
      const db = new Database(path.join(dataDir, GALLERY_FILE));
      db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
      db.close();
      const file = path.join(dataDir, GALLERY_FILE);
      const before = sha(file);
      const err = await openError(dataDir);
      expect(err.code).toBe('CORRUPT_STORE');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/newer BoostFace.*v99/);
      expect(sha(file)).toBe(before);
    });

    it('a directory in place of the file', async () => {
      const dataDir = tempDir();
      fs.mkdirSync(path.join(dataDir, GALLERY_FILE));
      const err = await openError(dataDir);
      expect(err.code).toBe('CORRUPT_STORE');
      expect(fs.statSync(path.join(dataDir, GALLERY_FILE)).isDirectory()).toBe(true);
    });
  });

  it('treats a zero-length file (a creation that died before its commit) as new', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, GALLERY_FILE), '');
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(await g.count()).toEqual({ identities: 0, templates: 0 });
    await g.close();
  });

  it('normalizes an embedding that is not unit length', async () => {
    const g = await EmbeddedGallery.open({ dataDir: tempDir(), space: SPACE });
    const a = await g.createIdentity({ name: 'Ada' });
    const v = unitVectors(5, DIM)();
    const scaled = v.map((x) => x * 3);
    await g.upsertTemplates([template(a.id, scaled)]);
    const [stored] = await g.listTemplates(a.id);
    expect(dot(stored.embedding, stored.embedding)).toBeCloseTo(1, 5);
    const [hit] = await g.search(v.map((x) => x * 0.5), 1);
    expect(hit.score).toBeCloseTo(1, 5);
    await expect(g.upsertTemplates([template(a.id, new Float32Array(DIM))])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await g.close();
  });
});

describe('EmbeddedGallery: the lock', () => {
  it('refuses a second open in the same process until the first is closed', async () => {
    const dataDir = tempDir();
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    const err = await openError(dataDir);
    expect(err.code).toBe('CONFLICT');
    await g.close();
    await (await EmbeddedGallery.open({ dataDir, space: SPACE })).close();
  });

  it('takes over a stale lock whose process is gone, or that is unreadable', async () => {
    const dataDir = tempDir();
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('exit', resolve));
    const lock = path.join(dataDir, LOCK_FILE);
    fs.writeFileSync(lock, `${deadPid}\n\n`);
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(fs.readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(process.pid));
    await g.close();
    fs.writeFileSync(lock, 'garbage');
    await (await EmbeddedGallery.open({ dataDir, space: SPACE })).close();
    // A lock left under this process's own pid (a restarted container) is not ours, so it is stale.
    fs.writeFileSync(lock, `${process.pid}\n1\nsomeone-else\n`);
    await (await EmbeddedGallery.open({ dataDir, space: SPACE })).close();
  });
});

// --- child processes: the adapter transpiled to plain ESM in a temp dir (no build needed) ---

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

let childDir: string | undefined;
function childModules(): string {
  if (childDir) return childDir;
  const dir = tempDir();
  for (const name of ['gallery', 'gallery-input', 'lock-file', 'template-index', 'embedded-gallery']) {
    const source = fs.readFileSync(path.join(HERE, `${name}.ts`), 'utf8');
    const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
    fs.writeFileSync(path.join(dir, `${name}.js`), out.outputText);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  const pkg = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', 'better-sqlite3'), 'dir');
  fs.writeFileSync(
    path.join(dir, 'child.mjs'),
    `
import fs from 'node:fs';
import { EmbeddedGallery } from './embedded-gallery.js';
const [dataDir, mode, n] = process.argv.slice(2);
const say = (line) => fs.writeSync(1, line + '\\n');
const g = await EmbeddedGallery.open({ dataDir, space: ${JSON.stringify(SPACE)} });
if (mode === 'hold') {
  say('ready');
  setInterval(() => {}, 1 << 30);
} else if (mode === 'crash') {
  const rand = () => { const v = new Float32Array(${DIM}); let s = 0; for (let i = 0; i < v.length; i++) { v[i] = Math.random() - 0.5; s += v[i] * v[i]; } const k = 1 / Math.sqrt(s); for (let i = 0; i < v.length; i++) v[i] *= k; return v; };
  const t = (id, identityId) => ({ id, identityId, embedding: rand(), kind: 'positive', quality: 0.5, source: 'crash', createdAt: 1 });
  await g.createIdentity({ id: 'kept', name: 'Kept' });
  await g.upsertTemplates(Array.from({ length: 100 }, (_, i) => t('kept-' + i, 'kept')));
  await g.createIdentity({ id: 'doomed', name: 'Doomed' });
  const big = Array.from({ length: Number(n) }, (_, i) => t('big-' + i, i % 2 ? 'doomed' : 'kept'));
  say('begin');
  await g.upsertTemplates(big);
  say('done');
  await g.close();
}
`,
  );
  childDir = dir;
  return dir;
}

function startChild(args: string[]): { child: ChildProcess; lines: string[]; waitFor: (line: string) => Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, [path.join(childModules(), 'child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.filter((x) => x.line === line)) w.resolve();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (lines.includes(line)) return resolve();
      waiters.push({ line, resolve });
      void exited.then(() => reject(new Error(`child exited before "${line}" (code ${child.exitCode}, signal ${child.signalCode}): ${stderr}`)));
    });
  return { child, lines, waitFor, exited };
}

describe('EmbeddedGallery: other processes', () => {
  it('refuses to open a data directory another live process holds, and takes it over once that one is killed', async () => {
    const dataDir = tempDir();
    const holder = startChild([dataDir, 'hold']);
    await holder.waitFor('ready');
    const err = await openError(dataDir);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(String(holder.child.pid));
    holder.child.kill('SIGKILL');
    await holder.exited;
    // The killed holder never released its lock: it is stale now.
    expect(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(holder.child.pid));
    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(await g.count()).toEqual({ identities: 0, templates: 0 });
    await g.close();
  });

  it('keeps all or none of a batch when the process is killed in the middle of it', async () => {
    const dataDir = tempDir();
    const wal = path.join(dataDir, `${GALLERY_FILE}-wal`);
    const crash = startChild([dataDir, 'crash', '40000']);
    await crash.waitFor('begin');
    // Kill once the transaction has spilled a few MB of uncommitted pages into the WAL.
    const spilled = 4 * 1024 * 1024;
    let walBytes = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && crash.child.exitCode === null) {
      try {
        walBytes = fs.statSync(wal).size;
      } catch {
        walBytes = 0;
      }
      if (walBytes > spilled) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    crash.child.kill('SIGKILL');
    await crash.exited;
    expect(crash.child.signalCode).toBe('SIGKILL');
    expect(crash.lines).not.toContain('done');
    expect(walBytes).toBeGreaterThan(spilled);

    const g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    // The committed batch whole; the killed one not at all.
    expect(await g.count()).toEqual({ identities: 2, templates: 100 });
    expect((await g.getIdentity('kept'))?.templateCount).toBe(100);
    expect((await g.getIdentity('doomed'))?.templateCount).toBe(0);
    const entries = g.indexEntries();
    expect(entries).toHaveLength(100);
    expect(entries.every((e) => e.templateId.startsWith('kept-'))).toBe(true);
    const [self] = await g.search(entries[7].embedding, 1);
    expect(self).toMatchObject({ templateId: entries[7].templateId, identityId: 'kept' });
    await g.close();
  });
});

describe('EmbeddedGallery: the in-memory index', () => {
  /** Every template row of the database file, read by a connection of its own. */
  function databaseRows(file: string) {
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT id, identity_id AS identityId, kind, embedding FROM templates ORDER BY id').all() as {
      id: string;
      identityId: string;
      kind: TemplateKind;
      embedding: Buffer;
    }[];
    db.close();
    return rows.map((r) => {
      const embedding = new Float32Array(r.embedding.byteLength / 4);
      new Uint8Array(embedding.buffer).set(r.embedding);
      return { templateId: r.id, identityId: r.identityId, kind: r.kind, embedding };
    });
  }

  function expectIndexMatchesDatabase(g: EmbeddedGallery) {
    const index = g.indexEntries().sort((a, b) => (a.templateId < b.templateId ? -1 : 1));
    expect(index).toEqual(databaseRows(g.file));
    return index;
  }

  it('matches the database after a mix of upserts, replacements, deletions and merges, and after a reopen', async () => {
    const dataDir = tempDir();
    let g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    const rand = unitVectors(99, DIM);
    let seed = 7;
    const pick = <T>(xs: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return xs[Math.floor((seed / 2147483648) * xs.length)];
    };
    const identities: string[] = [];
    const templates: string[] = [];
    for (let i = 0; i < 6; i++) identities.push((await g.createIdentity({ name: `P${i}` })).id);
    const ran = new Set<string>();
    for (let step = 0; step < 120; step++) {
      const op = pick(['upsert', 'upsert', 'upsert', 'upsert', 'replace', 'replace', 'delete', 'delete', 'deleteIdentity', 'merge', 'merge', 'create', 'bad']);
      ran.add(identities.length < 2 ? 'create' : op);
      if (op === 'create' || identities.length < 2) {
        identities.push((await g.createIdentity({ name: `P${step}` })).id);
      } else if (op === 'upsert') {
        const batch = Array.from({ length: 1 + (step % 7) }, () =>
          template(pick(identities), rand(), { kind: pick<TemplateKind>(['positive', 'positive', 'negative']) }),
        );
        await g.upsertTemplates(batch);
        templates.push(...batch.map((t) => t.id));
      } else if (op === 'replace' && templates.length) {
        await g.upsertTemplates([template(pick(identities), rand(), { id: pick(templates), kind: pick<TemplateKind>(['positive', 'negative']) })]);
      } else if (op === 'delete' && templates.length) {
        await g.deleteTemplates([pick(templates), pick(templates), 'no-such-template']);
      } else if (op === 'deleteIdentity') {
        const id = pick(identities);
        await g.deleteIdentity(id);
        identities.splice(identities.indexOf(id), 1);
      } else if (op === 'merge') {
        const from = pick(identities);
        const to = pick(identities.filter((x) => x !== from));
        await g.mergeIdentities(from, to);
        identities.splice(identities.indexOf(from), 1);
      } else if (op === 'bad') {
        // A refused batch changes neither the database nor the index.
        const broken = rand();
        broken[0] = NaN;
        await expect(g.upsertTemplates([template(pick(identities), rand()), template(pick(identities), broken)])).rejects.toBeInstanceOf(GalleryError);
      }
      if (step % 20 === 0) expectIndexMatchesDatabase(g);
    }
    const before = expectIndexMatchesDatabase(g);
    expect([...ran].sort()).toEqual(['bad', 'create', 'delete', 'deleteIdentity', 'merge', 'replace', 'upsert']);
    expect(before.length).toBeGreaterThan(15);
    expect(new Set(before.map((e) => e.kind)).size).toBe(2);

    // Search over the index equals brute force over the database rows.
    const query = rand();
    const rows = databaseRows(g.file);
    const expected = rows
      .map((r) => ({ templateId: r.templateId, identityId: r.identityId, kind: r.kind, score: dot(query, r.embedding) }))
      .sort((a, b) => b.score - a.score);
    const hits = await g.search(query, rows.length, { kinds: ['positive', 'negative'] });
    expect(hits.map((h) => h.templateId)).toEqual(expected.map((h) => h.templateId));
    for (let i = 0; i < hits.length; i++) expect(hits[i].score).toBeCloseTo(expected[i].score, 10);

    await g.close();
    g = await EmbeddedGallery.open({ dataDir, space: SPACE });
    expect(expectIndexMatchesDatabase(g)).toEqual(before);
    expect(await g.search(query, rows.length, { kinds: ['positive', 'negative'] })).toEqual(hits);
    await g.close();
  });
});
