import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '../engine/types.js';
import type { EnrollImageResult } from '../gallery/enrollment-service.js';
import { GalleryError, type Identity } from '../gallery/gallery.js';
import { galleryParseOptions, GALLERY_OPTIONS_HELP, openGallerySession } from './gallery-session.js';
import { expandInputs, IMAGE_EXTENSIONS } from './input-files.js';
import { Progress } from './progress.js';
import { UsageError } from './usage.js';

export const GALLERY_USAGE = `Usage:
  boostface enroll (--name NAME | --identity ID) [--tag T]... [--allow-collision] IMAGE...
      Enroll faces (one usable face per image). Prints {"identity", "results": [per image]}.
  boostface import DIR
      Bulk import: one sub-folder per identity (folder name = name). Re-running skips images already imported.
  boostface identify IMAGE...
      One JSON line per image: {"path", "faces": [{"box", "identity": {"id","name"} | null, "score"}]}.
  boostface gallery list | delete ID | rename ID NAME | merge FROM_ID INTO_ID | reject ID IMAGE
      reject: "this is not ID" — the face in IMAGE stops matching that identity.
${GALLERY_OPTIONS_HELP}
Exit status: 0 done, 1 some image or operation failed, 2 usage error.`;

const print = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
const identityJson = (i: Identity) => ({ id: i.id, name: i.name, tags: i.tags, templateCount: i.templateCount });
const round = (v: number) => Math.round(v * 1e4) / 1e4;

async function readImages(files: string[]) {
  return Promise.all(files.map(async (f) => ({ name: f, bytes: new Uint8Array(await readFile(f).catch(() => Buffer.alloc(0))) })));
}

export async function enrollCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...galleryParseOptions, name: { type: 'string' }, identity: { type: 'string' }, tag: { type: 'string', multiple: true }, 'allow-collision': { type: 'boolean', default: false } },
  });
  if (!values.name && !values.identity) throw new UsageError('enroll needs --name NAME or --identity ID');
  if (positionals.length === 0) throw new UsageError('enroll needs at least one IMAGE');
  const files = await expandInputs(positionals);
  const session = await openGallerySession(values);
  try {
    const { identity, results } = await session.service.enroll(
      { name: values.name, identityId: values.identity, tags: values.tag, allowCollision: values['allow-collision'] },
      await readImages(files),
    );
    print({ identity: identity && identityJson(identity), results });
    return results.every((r) => r.status === 'accepted') ? 0 : 1;
  } finally {
    await session.close();
  }
}

export async function identifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...galleryParseOptions } });
  if (positionals.length === 0) throw new UsageError('identify needs at least one IMAGE');
  const files = await expandInputs(positionals);
  const session = await openGallerySession(values);
  const progress = new Progress('identify', files.length);
  let failed = 0;
  try {
    for (const [i, file] of files.entries()) {
      try {
        const faces = await session.service.identify(new Uint8Array(await readFile(file)));
        print({
          path: file,
          faces: faces.map((f) => ({
            box: f.face.box.map((v) => Math.round(v * 100) / 100),
            identity: f.match ? { id: f.match.identityId, name: f.match.name } : null,
            score: round(f.match?.score ?? f.candidates[0]?.score ?? 0),
          })),
        });
      } catch (err) {
        failed++;
        const code = err instanceof EngineError || err instanceof GalleryError ? err.code : (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'FAILED';
        print({ path: file, error: { code, message: (err as Error).message } });
      }
      progress.update(i + 1);
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...galleryParseOptions } });
  if (positionals.length !== 1) throw new UsageError('import needs exactly one DIR');
  const root = path.resolve(positionals[0]);
  const people = (await readdir(root, { withFileTypes: true }).catch(() => { throw new UsageError(`cannot read directory ${root}`); }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => e.name)
    .sort();
  const session = await openGallerySession(values);
  const progress = new Progress('import', people.length);
  const summary = { identities: 0, created: 0, images: 0, accepted: 0, rejected: 0, skipped: 0, reasons: {} as Record<string, number> };
  try {
    for (const [i, name] of people.entries()) {
      const dir = path.join(root, name);
      const files = (await readdir(dir)).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).sort().map((f) => path.join(dir, f));
      const before = await session.service.findByName(name);
      // Resumable: an image whose path is already the source of a template of this identity was imported before.
      const done = new Set(before ? (await session.gallery.listTemplates(before.id)).map((t) => t.source) : []);
      const todo = files.filter((f) => !done.has(f));
      summary.identities++;
      summary.images += files.length;
      summary.skipped += files.length - todo.length;
      if (todo.length > 0) {
        const { identity, results } = await session.service.enroll({ name }, await readImages(todo));
        if (!before && identity) summary.created++;
        tally(summary, results);
      }
      progress.update(i + 1, `${summary.accepted} templates`);
    }
    print(summary);
    return 0;
  } finally {
    await session.close();
  }
}

function tally(summary: { accepted: number; rejected: number; reasons: Record<string, number> }, results: EnrollImageResult[]) {
  for (const r of results) {
    if (r.status === 'accepted') summary.accepted++;
    else {
      summary.rejected++;
      summary.reasons[r.reason!] = (summary.reasons[r.reason!] ?? 0) + 1;
    }
  }
}

export async function galleryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...galleryParseOptions } });
  const [sub, a, b] = positionals;
  const arity: Record<string, number> = { list: 0, delete: 1, rename: 2, merge: 2, reject: 2 };
  if (!sub || !(sub in arity)) throw new UsageError(`gallery needs one of: ${Object.keys(arity).join(', ')}`);
  if (positionals.length - 1 !== arity[sub]) throw new UsageError(`gallery ${sub} takes ${arity[sub]} argument(s)`);
  const session = await openGallerySession(values);
  try {
    const g = session.gallery;
    switch (sub) {
      case 'list': {
        let after: string | undefined;
        do {
          const page = await g.listIdentities({ first: 200, after });
          for (const i of page.items) print(identityJson(i));
          after = page.endCursor;
        } while (after);
        return 0;
      }
      case 'delete':
        print({ deleted: a, ...(await session.admin.delete(a)) });
        return 0;
      case 'reject':
        print({ identity: a, negativeTemplate: await session.service.rejectMatch(a, { name: b, bytes: new Uint8Array(await readFile(b)) }) });
        return 0;
      case 'rename':
        print(identityJson(await session.admin.rename(a, b)));
        return 0;
      default:
        print({ merged: a, into: b, ...(await session.admin.merge(a, b)) });
        return 0;
    }
  } finally {
    await session.close();
  }
}
