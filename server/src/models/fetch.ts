/**
 * Downloading and verifying model packs (`boostface models fetch|verify|list`).
 *
 * fetchPack() streams a pack's archive into the models directory under a `.partial` name, checks its sha256 and
 * size when the manifest knows them, extracts the pack's files flat into the models directory (archives keep them
 * at the top or in a `<pack>/` folder), checks every extracted file against the manifest, and only then renames the
 * verified temporaries into place. A failed or interrupted fetch removes its temporaries and never leaves a
 * half-written model under a model's real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { loadManifest, ModelConfigError, type ModelManifest, type ModelPack, type ModelSpec } from './manifest.js';

export type ModelFetchErrorCode =
  | 'OFFLINE'
  | 'HTTP_STATUS'
  | 'CHECKSUM_MISMATCH'
  | 'UNKNOWN_PACK'
  | 'NOT_DOWNLOADABLE'
  | 'UNVERIFIED'
  /** The archive is not a readable zip, or lacks a file the pack lists. */
  | 'BAD_ARCHIVE'
  /** The models directory's file system has too little free space for the archive and the extracted files. */
  | 'NO_SPACE'
  /** options.signal was aborted. */
  | 'ABORTED';

export interface ModelFetchErrorDetails {
  packId?: string;
  url?: string;
  /** File the error is about (a model file name or `<pack>.zip`). */
  file?: string;
  expectedSha256?: string | null;
  actualSha256?: string;
  expectedSize?: number | null;
  actualSize?: number;
  /** HTTP status for HTTP_STATUS. */
  status?: number;
  /** Known packs for UNKNOWN_PACK. */
  packs?: string[];
  /** Files that cannot be verified, for UNVERIFIED. */
  unverified?: string[];
}

export class ModelFetchError extends Error {
  readonly code: ModelFetchErrorCode;
  readonly details: ModelFetchErrorDetails;

  constructor(
    code: ModelFetchErrorCode,
    message: string,
    details: ModelFetchErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFetchError';
    this.code = code;
    this.details = details;
  }
}

export interface FetchProgress {
  /** download: archive bytes received; extract: bytes written for one model file. */
  phase: 'download' | 'extract';
  packId: string;
  /** `<pack>.zip` while downloading, the model file name while extracting. */
  file: string;
  bytesDone: number;
  /** null when neither the server nor the manifest states the size. */
  bytesTotal: number | null;
}

export interface FetchPackOptions {
  modelsDir: string;
  manifest?: ModelManifest;
  onProgress?: (p: FetchProgress) => void;
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /** Install files whose sha256 is not known (neither per file nor through a known archive hash). */
  allowUnverified?: boolean;
  /** Abort the download/extraction; temporaries are removed and the error has code ABORTED. */
  signal?: AbortSignal;
}

/**
 * How a file's content was established: its own sha256 from the manifest, the sha256 of the archive it came from
 * (the file's own hash is unknown), or nothing (only with allowUnverified).
 */
export type Verification = 'sha256' | 'archive' | 'unverified';

export interface FetchedFile {
  id: string;
  file: string;
  path: string;
  /** present: already in the directory with the right hash, left untouched; installed: extracted by this call. */
  status: 'present' | 'installed';
  verification: Verification;
  size: number;
  sha256: string;
}

export interface FetchResult {
  packId: string;
  modelsDir: string;
  /** false when every file was already present and verified, so nothing was downloaded. */
  downloaded: boolean;
  /** Whether the archive was checked against a known sha256; null when nothing was downloaded. */
  archiveVerified: boolean | null;
  files: FetchedFile[];
  /** File names installed without any known hash (only possible with allowUnverified). */
  unverified: string[];
}

export type ModelStatus = 'ok' | 'missing' | 'mismatch' | 'unverified';

export interface ModelVerification {
  id: string;
  file: string;
  path: string;
  /** ok: size and sha256 match; unverified: present but the manifest has no sha256 for it (size matched if known). */
  status: ModelStatus;
  expectedSha256: string | null;
  actualSha256?: string;
  expectedSize: number | null;
  actualSize?: number;
}

export interface PackSummary {
  id: string;
  description: string;
  downloadable: boolean;
  url?: string;
  /** Archive size in bytes when known. */
  size: number | null;
  detector: string;
  recognizer: string;
  files: string[];
  /** Sum of the pack's model file sizes (null if one is unknown). */
  installedSize: number | null;
}

const SHA256_RE = /^[0-9a-f]{64}$/;

function normSha256(v: unknown): string | null {
  return typeof v === 'string' && SHA256_RE.test(v.toLowerCase()) ? v.toLowerCase() : null;
}

/** The manifest's sha256 for a model, or null when it is unknown (null, empty, or malformed in the JSON). */
export function knownSha256(spec: Pick<ModelSpec, 'sha256'>): string | null {
  return normSha256((spec as { sha256?: unknown }).sha256);
}

function knownSize(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
}

export function listPacks(manifest: ModelManifest = loadManifest()): PackSummary[] {
  return Object.entries(manifest.packs).map(([id, pack]) => {
    const sizes = pack.files.map((m) => knownSize(manifest.models[m]?.size));
    return {
      id,
      description: pack.description,
      downloadable: typeof pack.url === 'string' && pack.url.length > 0,
      url: pack.url,
      size: knownSize(pack.size),
      detector: pack.detector,
      recognizer: pack.recognizer,
      files: pack.files.map((m) => manifest.models[m]?.file ?? m),
      installedSize: sizes.every((s) => s !== null) ? sizes.reduce((a, b) => a! + b!, 0) : null,
    };
  });
}

/** sha256 and byte count of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function statOrNull(file: string) {
  try {
    return await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Check every manifest model against the directory: size first (cheap), then sha256.
 * A model whose file is absent is 'missing'; a model with no known sha256 is 'unverified' when present.
 */
export async function verifyModels(
  modelsDir: string,
  manifest: ModelManifest = loadManifest(),
  options: { ids?: string[] } = {},
): Promise<ModelVerification[]> {
  const ids = options.ids ?? Object.keys(manifest.models);
  const out: ModelVerification[] = [];
  for (const id of ids) {
    const spec = manifest.models[id];
    if (!spec) throw new ModelConfigError(`unknown model id "${id}"`);
    const file = path.join(modelsDir, spec.file);
    const expectedSha256 = knownSha256(spec);
    const expectedSize = knownSize(spec.size);
    const base = { id, file: spec.file, path: file, expectedSha256, expectedSize };
    const st = await statOrNull(file);
    if (!st || !st.isFile()) {
      out.push({ ...base, status: 'missing' });
      continue;
    }
    if (expectedSize !== null && st.size !== expectedSize) {
      out.push({ ...base, status: 'mismatch', actualSize: st.size });
      continue;
    }
    const actual = await hashFile(file);
    const status: ModelStatus =
      expectedSha256 === null ? 'unverified' : actual.sha256 === expectedSha256 ? 'ok' : 'mismatch';
    out.push({ ...base, status, actualSha256: actual.sha256, actualSize: actual.size });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// fetchPack

interface PlannedFile {
  id: string;
  spec: ModelSpec;
  target: string;
  sha256: string | null;
  size: number | null;
  verification: Verification;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function causeChain(err: unknown): Array<Error & { code?: string; hostname?: string }> {
  const chain: Array<Error & { code?: string; hostname?: string }> = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    chain.push(e as Error & { code?: string });
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return causeChain(err).some((e) => e.name === 'AbortError' || e.code === 'ABORT_ERR');
}

function abortedError(packId: string): ModelFetchError {
  return new ModelFetchError('ABORTED', `fetch of pack "${packId}" was cancelled; no model file was changed`, { packId });
}

function manualInstallHint(packId: string, pack: ModelPack, files: PlannedFile[], modelsDir: string): string {
  return (
    `To install the models by hand: on a machine with internet access download ${pack.url}, unzip it, and copy ` +
    `${files.map((f) => f.spec.file).join(', ')} into the models directory ${modelsDir} ` +
    `(or into any directory you then name in BOOSTFACE_MODELS), then run "boostface models verify" ` +
    `to check them against the manifest.`
  );
}

function offlineError(
  err: unknown,
  packId: string,
  pack: ModelPack,
  files: PlannedFile[],
  modelsDir: string,
  during: 'connect' | 'download',
): ModelFetchError {
  const chain = causeChain(err);
  const coded = chain.find((e) => typeof e.code === 'string');
  const host = chain.find((e) => typeof e.hostname === 'string')?.hostname ?? hostOf(pack.url!);
  const reason = coded ? `${coded.code}${coded.message ? `: ${coded.message}` : ''}` : chain.map((e) => e.message).join(': ');
  const what =
    during === 'connect'
      ? `This machine cannot reach the download host ${host} (${reason}).`
      : `The connection to ${host} was lost while downloading ${packId}.zip (${reason}).`;
  return new ModelFetchError(
    'OFFLINE',
    `${what} ${manualInstallHint(packId, pack, files, modelsDir)}`,
    { packId, url: pack.url },
    { cause: err },
  );
}

async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch(() => undefined);
}

async function syncDir(dir: string): Promise<void> {
  // Make the renames durable where the platform allows opening a directory (not on Windows).
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch {
    /* best effort */
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** An error raised by the byte source (network or archive), as opposed to the file system. */
class SourceError extends Error {}

/**
 * Write an async byte stream to `file` (which must not exist), hashing as it goes; onChunk gets the running byte
 * count. Errors from the source are wrapped in SourceError so callers can tell them from write errors.
 */
async function writeStream(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  onChunk: (done: number) => void,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const it = chunks[Symbol.asyncIterator]();
  let finished = false;
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, 'wx');
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (err) {
        finished = true; // the source has failed; nothing to cancel
        throw new SourceError((err as Error)?.message ?? String(err), { cause: err });
      }
      if (next.done) break;
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      hash.update(next.value);
      await fh.write(next.value);
      size += next.value.length;
      onChunk(size);
    }
    finished = true;
    await fh.sync();
  } finally {
    // Stop an unfinished download or entry stream (abort, write error) instead of leaving it open.
    if (!finished) await it.return?.().catch(() => undefined);
    await fh?.close();
  }
  return { sha256: hash.digest('hex'), size };
}

function checksumError(
  packId: string,
  file: string,
  expectedSha256: string | null,
  actualSha256: string | undefined,
  expectedSize: number | null,
  actualSize: number,
): ModelFetchError {
  const sizePart =
    expectedSize !== null && expectedSize !== actualSize ? ` size: expected ${expectedSize} bytes, got ${actualSize}.` : '';
  const hashPart = expectedSha256 !== null && actualSha256 !== undefined && actualSha256 !== expectedSha256
    ? ` sha256: expected ${expectedSha256}, got ${actualSha256}.`
    : '';
  return new ModelFetchError(
    'CHECKSUM_MISMATCH',
    `checksum mismatch for ${file} (pack ${packId}):${sizePart}${hashPart} The download was discarded; nothing was installed.`,
    { packId, file, expectedSha256, actualSha256, expectedSize, actualSize },
  );
}

/** Pick the zip entry for `fileName`: at the top of the archive or one folder down (`<pack>/file`). */
function pickEntry(entries: yauzl.Entry[], fileName: string, packId: string): yauzl.Entry | undefined {
  const candidates = entries.filter((e) => {
    const parts = e.fileName.split('/');
    if (parts.at(-1) !== fileName || parts.length > 2) return false;
    return !parts[0]!.startsWith('__MACOSX');
  });
  if (candidates.length <= 1) return candidates[0];
  return (
    candidates.find((e) => e.fileName === fileName) ??
    candidates.find((e) => e.fileName === `${packId}/${fileName}`) ??
    candidates[0]
  );
}

async function checkFreeSpace(modelsDir: string, needed: number, packId: string): Promise<void> {
  if (typeof fs.statfs !== 'function' || needed <= 0) return;
  let free: number;
  try {
    const st = await fs.statfs(modelsDir);
    free = Number(st.bavail) * Number(st.bsize);
  } catch {
    return;
  }
  if (free < needed) {
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    throw new ModelFetchError(
      'NO_SPACE',
      `not enough free space in ${modelsDir} to fetch ${packId}: need about ${mb(needed)} ` +
        `(archive plus extracted files), ${mb(free)} available`,
      { packId },
    );
  }
}

function resolvePack(manifest: ModelManifest, packId: string): ModelPack {
  const pack = Object.hasOwn(manifest.packs, packId) ? manifest.packs[packId] : undefined;
  if (!pack) {
    const packs = Object.keys(manifest.packs);
    const names = packs.map((p) => (manifest.packs[p]!.url ? p : `${p} (not downloadable)`));
    throw new ModelFetchError('UNKNOWN_PACK', `unknown model pack "${packId}"; known packs: ${names.join(', ')}`, {
      packId,
      packs,
    });
  }
  return pack;
}

/**
 * Download a pack's archive, verify it and extract its files flat into modelsDir.
 * Files already present with the right sha256 are left alone; if all are, nothing is downloaded.
 */
export async function fetchPack(packId: string, options: FetchPackOptions): Promise<FetchResult> {
  const manifest = options.manifest ?? loadManifest();
  const modelsDir = path.resolve(options.modelsDir);
  const { onProgress, signal } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const pack = resolvePack(manifest, packId);

  const archiveSha = normSha256(pack.sha256);
  const archiveSize = knownSize(pack.size);
  const planned: PlannedFile[] = pack.files.map((id) => {
    const spec = manifest.models[id];
    if (!spec) throw new ModelConfigError(`pack "${packId}" lists unknown model id "${id}"`);
    const sha256 = knownSha256(spec);
    return {
      id,
      spec,
      target: path.join(modelsDir, spec.file),
      sha256,
      size: knownSize(spec.size),
      verification: sha256 !== null ? 'sha256' : archiveSha !== null ? 'archive' : 'unverified',
    };
  });

  if (!pack.url) {
    throw new ModelFetchError(
      'NOT_DOWNLOADABLE',
      `pack "${packId}" cannot be downloaded: ${pack.description} ` +
        `Place ${planned.map((f) => f.spec.file).join(', ')} in a directory and point BOOSTFACE_MODELS at it.`,
      { packId },
    );
  }

  const unverifiable = planned.filter((f) => f.verification === 'unverified').map((f) => f.spec.file);
  if (unverifiable.length > 0 && !options.allowUnverified) {
    throw new ModelFetchError(
      'UNVERIFIED',
      `pack "${packId}" has no known sha256 for ${unverifiable.join(', ')} (and none for its archive), so these ` +
        `files would be installed unverified. Re-run with --allow-unverified to install them anyway.`,
      { packId, unverified: unverifiable },
    );
  }

  // Files already in place with a known, matching hash are kept.
  const present = new Map<string, { sha256: string; size: number }>();
  for (const f of planned) {
    if (f.sha256 === null) continue;
    const st = await statOrNull(f.target);
    if (!st?.isFile() || (f.size !== null && st.size !== f.size)) continue;
    const actual = await hashFile(f.target);
    if (actual.sha256 === f.sha256) present.set(f.id, actual);
  }
  const presentFile = (f: PlannedFile): FetchedFile => ({
    id: f.id,
    file: f.spec.file,
    path: f.target,
    status: 'present',
    verification: 'sha256',
    ...present.get(f.id)!,
  });
  const todo = planned.filter((f) => !present.has(f.id));
  if (todo.length === 0) {
    return { packId, modelsDir, downloaded: false, archiveVerified: null, files: planned.map(presentFile), unverified: [] };
  }

  if (signal?.aborted) throw abortedError(packId);
  await fs.mkdir(modelsDir, { recursive: true });
  const extractSize = todo.reduce((n, f) => n + (f.size ?? 0), 0);
  await checkFreeSpace(modelsDir, (archiveSize ?? 0) + extractSize, packId);

  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const zipTemp = path.join(modelsDir, `${packId}.zip.${token}.partial`);
  const temps = new Map<string, string>(); // model id -> temp path
  const extracted = new Map<string, { sha256: string; size: number }>(); // model id -> verified temp content
  let zip: yauzl.ZipFile | undefined;
  const zipName = `${packId}.zip`;

  try {
    // 1. Download.
    let res: Response;
    try {
      res = await fetchImpl(pack.url, { signal, redirect: 'follow' });
    } catch (err) {
      if (isAbort(err, signal)) throw abortedError(packId);
      throw offlineError(err, packId, pack, todo, modelsDir, 'connect');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new ModelFetchError(
        'HTTP_STATUS',
        `downloading ${pack.url} failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}. ` +
          `The release asset may have moved. ${manualInstallHint(packId, pack, todo, modelsDir)}`,
        { packId, url: pack.url, status: res.status },
      );
    }
    const header = Number(res.headers.get('content-length'));
    const total = Number.isInteger(header) && header > 0 ? header : archiveSize;
    onProgress?.({ phase: 'download', packId, file: zipName, bytesDone: 0, bytesTotal: total });
    let archive: { sha256: string; size: number };
    try {
      archive = await writeStream(
        res.body as AsyncIterable<Uint8Array>,
        zipTemp,
        (done) => onProgress?.({ phase: 'download', packId, file: zipName, bytesDone: done, bytesTotal: total }),
        signal,
      );
    } catch (err) {
      if (isAbort(err, signal)) throw abortedError(packId);
      if (err instanceof SourceError) throw offlineError(err.cause, packId, pack, todo, modelsDir, 'download');
      throw err;
    }
    if ((archiveSize !== null && archive.size !== archiveSize) || (archiveSha !== null && archive.sha256 !== archiveSha)) {
      throw checksumError(packId, zipName, archiveSha, archive.sha256, archiveSize, archive.size);
    }

    // 2. Extract the files that are not already in place, each to a temporary, and verify it.
    try {
      zip = await yauzl.openPromise(zipTemp, { lazyEntries: true, autoClose: false, strictFileNames: false });
    } catch (err) {
      const message = `${zipName} from ${pack.url} is not a readable zip archive: ${(err as Error).message}`;
      throw new ModelFetchError('BAD_ARCHIVE', message, { packId, file: zipName }, { cause: err });
    }
    const entries: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) entries.push(entry);
    } catch (err) {
      const message = `${zipName} is damaged: ${(err as Error).message}`;
      throw new ModelFetchError('BAD_ARCHIVE', message, { packId, file: zipName }, { cause: err });
    }
    for (const f of todo) {
      if (signal?.aborted) throw abortedError(packId);
      const entry = pickEntry(entries, f.spec.file, packId);
      if (!entry) {
        throw new ModelFetchError(
          'BAD_ARCHIVE',
          `${zipName} does not contain ${f.spec.file} (looked at the top level and in one folder); it holds: ` +
            `${entries.map((e) => e.fileName).slice(0, 20).join(', ')}`,
          { packId, file: f.spec.file },
        );
      }
      const temp = path.join(modelsDir, `${f.spec.file}.${token}.partial`);
      temps.set(f.id, temp);
      let written: { sha256: string; size: number };
      try {
        let stream: AsyncIterable<Uint8Array>;
        try {
          stream = await zip.openReadStreamPromise(entry);
        } catch (err) {
          throw new SourceError((err as Error).message, { cause: err });
        }
        const fileTotal = f.size ?? entry.uncompressedSize;
        written = await writeStream(
          stream,
          temp,
          (done) => onProgress?.({ phase: 'extract', packId, file: f.spec.file, bytesDone: done, bytesTotal: fileTotal }),
          signal,
        );
      } catch (err) {
        if (isAbort(err, signal)) throw abortedError(packId);
        if (!(err instanceof SourceError)) throw err;
        const message = `cannot extract ${f.spec.file} from ${zipName}: ${err.message}`;
        throw new ModelFetchError('BAD_ARCHIVE', message, { packId, file: f.spec.file }, { cause: err.cause });
      }
      if ((f.size !== null && written.size !== f.size) || (f.sha256 !== null && written.sha256 !== f.sha256)) {
        throw checksumError(packId, f.spec.file, f.sha256, written.sha256, f.size, written.size);
      }
      extracted.set(f.id, written);
    }
    zip.close();
    zip = undefined;

    // 3. Everything verified: move the temporaries into place.
    if (signal?.aborted) throw abortedError(packId);
    const files: FetchedFile[] = [];
    for (const f of planned) {
      if (present.has(f.id)) {
        files.push(presentFile(f));
        continue;
      }
      await fs.rename(temps.get(f.id)!, f.target);
      temps.delete(f.id);
      files.push({
        id: f.id,
        file: f.spec.file,
        path: f.target,
        status: 'installed',
        verification: f.verification,
        ...extracted.get(f.id)!,
      });
    }
    await syncDir(modelsDir);
    return {
      packId,
      modelsDir,
      downloaded: true,
      archiveVerified: archiveSha !== null,
      files,
      unverified: files.filter((f) => f.verification === 'unverified').map((f) => f.file),
    };
  } finally {
    zip?.close();
    await removeQuietly(zipTemp);
    for (const temp of temps.values()) await removeQuietly(temp);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting helpers for the CLI

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** One progress line, e.g. "buffalo_l.zip: 45.3 MB / 288.6 MB (15.7%)". */
export function formatProgress(p: FetchProgress): string {
  const verb = p.phase === 'download' ? '' : 'extracting ';
  if (p.bytesTotal === null || p.bytesTotal <= 0) return `${verb}${p.file}: ${formatBytes(p.bytesDone)}`;
  const pct = Math.min(100, (p.bytesDone / p.bytesTotal) * 100);
  return `${verb}${p.file}: ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)} (${pct.toFixed(1)}%)`;
}
