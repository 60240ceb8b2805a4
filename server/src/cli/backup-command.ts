import { parseArgs } from 'node:util';
import { applyConfigFile } from '../config-file.js';
import { createBackup, type OpsProgress } from '../ops/backup.js';
import { BackupError } from '../ops/backup-format.js';
import { restoreBackup } from '../ops/restore.js';
import { Progress } from './progress.js';
import { UsageError } from './usage.js';

export const BACKUP_USAGE = `Usage:
  boostface backup --out FILE [--with-snapshots] [--force] [--data-dir DIR] [--gallery embedded|milvus] [--role R] [--config FILE]
      Write the gallery (identities, templates with embeddings), the stores (API tokens with their hashes, audit log,
      wall, cameras, sightings, alerts) and, with --with-snapshots, the snapshot JPEGs into one archive (tar.gz with a
      sha256 manifest). Each store is read from where the configuration keeps it, as serve does: the data directory,
      Redis (BOOSTFACE_REDIS_URL) or PostgreSQL (BOOSTFACE_POSTGRES_URL); snapshots from BOOSTFACE_SNAPSHOT_DIR.
      Works while the server runs. The file appears only when complete; --force replaces an existing FILE.
  boostface restore FILE [--force] [--data-dir DIR] [--gallery embedded|milvus] [--role R] [--config FILE]
      Verify every checksum of FILE, then restore it into the configured gallery (embedded, or Milvus via
      BOOSTFACE_MILVUS_*) and stores, wherever this configuration keeps them: a single box's backup restores into a
      scale-out deployment (Redis, PostgreSQL) and back (docs/scale-out.md). Refuses a data directory, Milvus gallery
      or store that is not empty unless --force (data directory: replaced; Milvus, Redis, PostgreSQL: upserted), and a
      backup made with another recognizer. Stop the servers first.
  --role R      all | api | worker, as for serve (default BOOSTFACE_ROLE or all): with api or worker the camera
                configurations are the ones shared in Redis; with all, those of the data directory.
  --config FILE as for serve (default BOOSTFACE_CONFIG): the data directory, recognizer, Milvus, Redis and PostgreSQL.
Exit status: 0 done, 1 failed (nothing restored when the archive is damaged), 2 usage error.`;

const print = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');

/** One throttled progress line per stage on stderr. */
function progressReporter(label: string): (p: OpsProgress) => void {
  const stages = new Map<string, Progress>();
  return (p) => {
    const key = p.stage;
    let bar = stages.get(key);
    if (!bar) stages.set(key, (bar = new Progress(`${label}: ${p.stage} (${p.unit})`, p.total)));
    bar.update(p.done);
  };
}

function galleryFlag(value: string | undefined): string | undefined {
  if (value !== undefined && value !== 'embedded' && value !== 'milvus') throw new UsageError(`--gallery must be embedded or milvus, got "${value}"`);
  return value;
}

/** The process environment, --data-dir over it, then the config file for what is still unset (as serve reads it). */
function commandEnv(values: { 'data-dir'?: string; config?: string }): NodeJS.ProcessEnv {
  const env = { ...process.env, ...(values['data-dir'] ? { BOOSTFACE_DATA_DIR: values['data-dir'] } : {}) };
  const file = values.config ?? process.env.BOOSTFACE_CONFIG;
  if (file) applyConfigFile(file, env);
  return env;
}

function failed(label: string, err: unknown): number {
  if (err instanceof BackupError) {
    process.stderr.write(`boostface ${label}: ${err.code}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** The options backup and restore both take. */
const SHARED_OPTIONS = {
  force: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  gallery: { type: 'string' },
  role: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function backupCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...SHARED_OPTIONS, out: { type: 'string', short: 'o' }, 'with-snapshots': { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(BACKUP_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  if (!values.out) throw new UsageError('backup needs --out FILE');
  try {
    const r = await createBackup({
      env: commandEnv(values),
      out: values.out,
      gallery: galleryFlag(values.gallery),
      role: values.role,
      withSnapshots: values['with-snapshots'],
      force: values.force,
      onProgress: progressReporter('backup'),
    });
    process.stderr.write(`backup: wrote ${r.file} (${(r.bytes / 1024 / 1024).toFixed(1)} MiB) in ${r.seconds.toFixed(1)} s\n`);
    print(r);
    return 0;
  } catch (err) {
    return failed('backup', err);
  }
}

export async function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: SHARED_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(BACKUP_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('restore needs exactly one FILE');
  try {
    const r = await restoreBackup({
      env: commandEnv(values),
      file: positionals[0],
      gallery: galleryFlag(values.gallery),
      role: values.role,
      force: values.force,
      onProgress: progressReporter('restore'),
    });
    process.stderr.write(`restore: ${r.gallery.identities} identities, ${r.gallery.templates} templates into the ${r.backend} gallery, store ${r.store ? `${Object.values(r.store).reduce((a, b) => a + b, 0)} records` : 'not in the backup'}, ${r.snapshots} snapshots, in ${r.seconds.toFixed(1)} s\n`);
    print(r);
    return 0;
  } catch (err) {
    return failed('restore', err);
  }
}
