import { ConfigError, ENGINE_ENV_HELP, LIVE_ENV_HELP } from '../config.js';
import { ModelConfigError } from '../models/manifest.js';
import { EngineError } from '../engine/types.js';
import { GalleryError } from '../gallery/gallery.js';
import { StoreError } from '../store/store-db.js';
import { analyzeCommand, ANALYZE_USAGE } from './analyze-command.js';
import { backupCommand, BACKUP_USAGE, restoreCommand } from './backup-command.js';
import { doctorCommand, DOCTOR_USAGE } from './doctor-command.js';
import { enrollCommand, galleryCommand, GALLERY_USAGE, identifyCommand, importCommand } from './gallery-commands.js';
import { modelsCommand, MODELS_USAGE } from './models-command.js';
import { schemaCommand, SCHEMA_USAGE } from './schema-command.js';
import { serveCommand, SERVE_USAGE } from './serve-command.js';
import { trackCommand, TRACK_USAGE } from './track-command.js';
import { verifyCommand, VERIFY_USAGE } from './verify-command.js';
import { UsageError } from './usage.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  analyze: analyzeCommand,
  verify: verifyCommand,
  models: modelsCommand,
  serve: serveCommand,
  enroll: enrollCommand,
  import: importCommand,
  identify: identifyCommand,
  gallery: galleryCommand,
  track: trackCommand,
  schema: schemaCommand,
  doctor: doctorCommand,
  backup: backupCommand,
  restore: restoreCommand,
};

export const USAGE = `BoostFace — self-hosted real-time face recognition.

Usage: boostface <command> [options]

Commands:
  analyze   detect faces (and embeddings) in images, JSON lines on stdout
  verify    compare the main faces of two images
  models    list, fetch and verify model packs
  serve     start the server
  enroll    enroll a person from images
  import    bulk-import a folder of people
  identify  name the faces in images
  gallery   list, delete, rename, merge identities
  track     track and recognize the faces of a recorded video, JSON lines on stdout
  schema    print, write or check the GraphQL schema
  doctor    check the configuration, models, providers, backends and ffmpeg this process would use
  backup    write the gallery, the store and optionally snapshots into one archive
  restore   restore such an archive into an empty data directory / gallery

${ANALYZE_USAGE}

${VERIFY_USAGE}

${MODELS_USAGE}

${SERVE_USAGE}

${GALLERY_USAGE}

${TRACK_USAGE}

${SCHEMA_USAGE}

${DOCTOR_USAGE}

${BACKUP_USAGE}

${ENGINE_ENV_HELP}

${LIVE_ENV_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`boostface: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`boostface ${name}: ${e.message}\n(see "boostface ${name} --help")\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof ModelConfigError || err instanceof EngineError) {
      process.stderr.write(`boostface ${name}: ${e.message}\n`);
      return 2;
    }
    if (err instanceof GalleryError || err instanceof StoreError) {
      process.stderr.write(`boostface ${name}: ${err.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`boostface ${name}: unexpected failure: ${e.stack ?? e.message}\n`);
    return 1;
  }
}
