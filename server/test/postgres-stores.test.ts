/**
 * Sightings and alerts in a real PostgreSQL (a throwaway cluster, postgres-server.ts): the SightingStore and
 * AlertStore contracts, as SQLite passes them; and what only a shared database has to get right: processes that set
 * up the schema at the same moment, stranger numbers reserved by several processes at once (never one number twice),
 * a database from a newer BoostFace refused, an unreachable server named; `boostface doctor`'s check of it.
 */
import os from 'node:os';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/ops/doctor.js';
import { alertStoreContract } from '../src/store/alert-store-contract.js';
import { openPostgresMetadata } from '../src/store/postgres-db.js';
import { sighting, sightingStoreContract } from '../src/store/sighting-store-contract.js';
import { startPostgresServer } from './postgres-server.js';

const started = await startPostgresServer();
const server = started.server;
if (started.skipReason) console.warn(`postgres store tests skipped: ${started.skipReason}`);

afterAll(async () => {
  await server?.stop();
});

if (server) {
  sightingStoreContract('postgres', async () => {
    const url = await server.freshDatabase();
    const opened = [await openPostgresMetadata(url, { searchBatch: 2 })];
    return {
      store: opened[0].sightings,
      reopen: async () => {
        opened.push(await openPostgresMetadata(url, { searchBatch: 2 }));
        return opened.at(-1)!.sightings;
      },
      cleanup: async () => {
        for (const m of opened) await m.close();
      },
    };
  });

  alertStoreContract('postgres', async () => {
    const m = await openPostgresMetadata(await server.freshDatabase());
    return { store: m.alerts, cleanup: () => m.close() };
  });

  describe('PostgreSQL metadata shared by several processes', () => {
    it('sets up the schema once when processes open together, and never hands out a stranger number twice', async () => {
      const url = await server.freshDatabase();
      const processes = await Promise.all([1, 2, 3, 4].map(() => openPostgresMetadata(url)));
      try {
        await processes[0].sightings.put(sighting('a', { label: 'Unknown 12' }));
        const rounds = await Promise.all(processes.flatMap((p) => [1, 2, 3].map(() => p.sightings.reserveStrangerNumbers(5))));
        const numbers = rounds.flat();
        expect(numbers).toHaveLength(60);
        expect(new Set(numbers).size).toBe(60);
        // What one process wrote, every other reads.
        expect(await processes[3].sightings.get('a')).toMatchObject({ label: 'Unknown 12' });
      } finally {
        for (const p of processes) await p.close();
      }
    });

    it('refuses a database set up by a newer BoostFace, leaving it untouched', async () => {
      const url = await server.freshDatabase();
      await (await openPostgresMetadata(url)).close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('UPDATE boostface_schema SET version = 99');
      await expect(openPostgresMetadata(url)).rejects.toMatchObject({ code: 'CORRUPT_STORE', message: expect.stringMatching(/schema version 99, newer than this BoostFace/) });
      expect((await client.query('SELECT version FROM boostface_schema')).rows).toEqual([{ version: 99 }]);
      await client.end();
    });

    it('is checked by boostface doctor: reachable, its schema version, one from a newer BoostFace a failure', async () => {
      const url = await server.freshDatabase();
      const doctor = async () => {
        const report = await runDoctor({ env: { BOOSTFACE_DATA_DIR: os.tmpdir(), BOOSTFACE_MODELS: '/nonexistent', BOOSTFACE_POSTGRES_URL: url }, timeoutMs: 5000 });
        return report.checks.find((c) => c.name === 'postgres');
      };
      expect(await doctor()).toMatchObject({ status: 'ok', detail: expect.stringMatching(/PostgreSQL \d+.* answered in \d+ ms, no BoostFace tables yet/) });
      await (await openPostgresMetadata(url)).close();
      expect(await doctor()).toMatchObject({ status: 'ok', detail: expect.stringMatching(/BoostFace schema v1$/), data: { schemaVersion: 1 } });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('UPDATE boostface_schema SET version = 99');
      await client.end();
      expect(await doctor()).toMatchObject({ status: 'fail', detail: expect.stringMatching(/schema v99, newer than this BoostFace/) });
    });

    it('names the server it cannot reach, without the password', async () => {
      const url = `postgres://boostface:s3cret@127.0.0.1:${server.port + 1}/nowhere`;
      const err = await openPostgresMetadata(url).catch((e: Error & { code?: string }) => e);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/cannot reach PostgreSQL at postgres:\/\/boostface:\*\*\*@127\.0\.0\.1:\d+\/nowhere/) });
      expect((err as Error).message).not.toContain('s3cret');
    });
  });
} else {
  describe.skip(`postgres stores (${started.skipReason})`, () => {
    it('needs PostgreSQL', () => {});
  });
}
