import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaSdl } from '../src/api/schema/build-schema.js';
import { REPO_ROOT } from './shared-fixtures.js';

describe('GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run "npm run schema" after changing the API)', async () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'schema/schema.graphql'), 'utf8');
    expect(await schemaSdl()).toBe(committed);
  });

  it('has the operations the API promises', async () => {
    const sdl = await schemaSdl();
    for (const q of ['cameras', 'camera(', 'tracks(', 'identities(', 'identity(', 'sightings(', 'searchFaces(', 'me:', 'auditLog(']) expect(sdl, q).toContain(`  ${q}`);
    for (const m of ['addCamera(', 'updateCamera(', 'removeCamera(', 'enrollIdentity(', 'addTemplates(', 'enrollFromTrack(', 'renameIdentity(', 'mergeIdentities(', 'deleteIdentity(', 'rejectMatch(', 'acknowledgeAlert(', 'createApiToken(', 'revokeApiToken(']) expect(sdl, m).toContain(`  ${m}`);
    for (const s of ['recognitionEvents(', 'track(', 'alerts:', 'wall:', 'cameraStatus(']) expect(sdl, s).toContain(`  ${s}`);
  });
});
