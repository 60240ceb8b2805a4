import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { schemaSdl } from '../api/schema/build-schema.js';

export const SCHEMA_USAGE = `Usage: boostface schema [--write FILE | --check FILE]
  Print the GraphQL schema (SDL) built from the code; --write saves it (schema/schema.graphql is the committed copy),
  --check exits 1 when FILE differs from the code.`;

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { write: { type: 'string' }, check: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(SCHEMA_USAGE + '\n');
    return 0;
  }
  const sdl = await schemaSdl();
  if (values.check) {
    const committed = fs.existsSync(values.check) ? fs.readFileSync(values.check, 'utf8') : '';
    if (committed === sdl) return 0;
    process.stderr.write(`boostface schema: ${values.check} differs from the schema in the code; run "npm run schema" and commit it\n`);
    return 1;
  }
  if (values.write) {
    fs.writeFileSync(`${values.write}.tmp`, sdl);
    fs.renameSync(`${values.write}.tmp`, values.write);
    process.stderr.write(`boostface schema: wrote ${values.write}\n`);
    return 0;
  }
  process.stdout.write(sdl);
  return 0;
}
