/**
 * Sightings with their snapshot files: retention (purge after N days, in batches, as a periodic job) and the
 * identity-wide operations that must reach sightings too (delete removes them with their snapshots; rename and merge
 * relabel them).
 */
import type { Sighting, SightingStore } from '../store/sighting-store.js';
import type { SnapshotStore } from '../store/snapshot-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const snapshotFiles = (rows: Sighting[]) => rows.flatMap((s) => [s.faceSnapshot, s.contextSnapshot]);

export class SightingRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sightings: SightingStore,
    private readonly snapshots: SnapshotStore,
    /** Keep sightings this many days (0 = forever). */
    private readonly retentionDays: number,
  ) {}

  /** Delete every sighting that ended more than retentionDays ago, with its snapshots. Returns how many. */
  async purgeExpired(now = Date.now()): Promise<number> {
    if (this.retentionDays <= 0) return 0;
    const before = now - this.retentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const rows = await this.sightings.purgeEndedBefore(before);
      if (rows.length === 0) return total;
      await this.snapshots.remove(snapshotFiles(rows));
      total += rows.length;
    }
  }

  /** Run purgeExpired now and then every `everyMs` (default hourly) until stop(). */
  start(everyMs = 60 * 60 * 1000, log: (m: string) => void = () => undefined): void {
    const run = () =>
      this.purgeExpired().then(
        (n) => n && log(`retention: purged ${n} sightings older than ${this.retentionDays} days`),
        (err) => log(`retention: purge failed: ${(err as Error).message}`),
      );
    void run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** An identity was deleted: its sightings and their snapshots go too. */
  async deleteIdentity(identityId: string): Promise<number> {
    const rows = await this.sightings.deleteByIdentity(identityId);
    await this.snapshots.remove(snapshotFiles(rows));
    return rows.length;
  }

  /** An identity was renamed, or merged into another: its sightings follow. */
  relabel(identityId: string, to: { id: string; name: string }): Promise<number> {
    return this.sightings.relabelIdentity(identityId, to);
  }
}
