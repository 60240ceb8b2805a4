import { parseArgs } from 'node:util';
import { formatDoctorTable, runDoctor } from '../ops/doctor.js';
import { UsageError } from './usage.js';

export const DOCTOR_USAGE = `Usage: boostface doctor [--json] [--data-dir DIR] [--gallery embedded|milvus] [--config FILE]
  Check what this configuration would use: Node.js, the data directory (writable, free space), the detector and
  recognizer files (sha256 against models/manifest.json), the execution providers that really load, the gallery
  (embedded file, or Milvus reachable), the store, Redis (when BOOSTFACE_REDIS_URL is set), ffmpeg and ffprobe.
  --config FILE as for serve (default BOOSTFACE_CONFIG). Changes nothing. A table by default; --json prints {"ok", "checks": [{"name","status","detail","data"}]}.
Exit status: 0 no check failed (warnings allowed), 1 some check failed, 2 usage error.`;

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, gallery: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(DOCTOR_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  if (values.gallery !== undefined && values.gallery !== 'embedded' && values.gallery !== 'milvus') throw new UsageError(`--gallery must be embedded or milvus, got "${values.gallery}"`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...(values['data-dir'] ? { BOOSTFACE_DATA_DIR: values['data-dir'] } : {}) };
  const report = await runDoctor({ env, configFile: values.config ?? process.env.BOOSTFACE_CONFIG, gallery: values.gallery });
  process.stdout.write((values.json ? JSON.stringify(report) : formatDoctorTable(report)) + '\n');
  return report.ok ? 0 : 1;
}
