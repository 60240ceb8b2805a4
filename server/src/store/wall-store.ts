/**
 * The shared wall: grid size, which camera each tile shows, pinned tiles and the focused tile. Every change is one
 * operation applied in a transaction and bumps the version, so concurrent edits from several operators resolve
 * deterministically: operations apply in the order the server receives them, each to the latest state; a client that
 * passes `expectedVersion` (compare-and-set) gets a CONFLICT instead when someone else changed the wall first.
 *
 * WallStore is the port: SqliteWallStore keeps the wall in the data directory (one process), RedisWallStore
 * (redis-wall-store.ts) shares it between the processes of a deployment. Both apply `applyWallOp`, the one place of
 * the rules, and `checkExpectedVersion`; wall-store-contract.ts pins down what every adapter does.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './store-db.js';

export const WALL_GRIDS = [1, 4, 9, 16] as const;

export interface WallState {
  version: number;
  grid: number;
  /** Camera id per tile (length = grid); null = empty tile. */
  tiles: (string | null)[];
  pinned: number[];
  focused: number | null;
  updatedAt: number;
  updatedBy: string | null;
}

export type WallOp =
  | { op: 'layout'; grid: number; tiles?: (string | null)[] }
  | { op: 'assign'; tile: number; cameraId: string | null }
  | { op: 'pin'; tile: number; pinned: boolean }
  | { op: 'focus'; tile: number | null };

const KEY = 'wall';
const EMPTY: WallState = { version: 0, grid: 4, tiles: [null, null, null, null], pinned: [], focused: null, updatedAt: 0, updatedBy: null };

/** The wall before anyone changed it (a fresh copy each time). */
export const emptyWall = (): WallState => ({ ...EMPTY, tiles: [...EMPTY.tiles], pinned: [] });

export interface WallStore {
  get(): Promise<WallState>;
  /** Apply one operation atomically; CONFLICT when `expectedVersion` is given and the wall moved on. */
  apply(op: WallOp, by: string, expectedVersion?: number, now?: number): Promise<WallState>;
  /** Replaces the wall with an exported state (`get`), its version and times kept (restore). */
  importState(state: WallState): Promise<void>;
}

/** The compare-and-set check of every adapter: StoreError CONFLICT when the wall is not at the expected version. */
export function checkExpectedVersion(cur: WallState, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== cur.version) {
    throw new StoreError('CONFLICT', `the wall changed (version ${cur.version}, expected ${expectedVersion}); reload and retry`);
  }
}

/** The next state of the wall after `op` by `by` at `now`: the version bumped by one. */
export function nextWall(cur: WallState, op: WallOp, by: string, now: number): WallState {
  return { ...applyWallOp(cur, op), version: cur.version + 1, updatedAt: now, updatedBy: by };
}

const bad = (m: string) => new StoreError('BAD_INPUT', m);

export function applyWallOp(s: WallState, o: WallOp): Omit<WallState, 'version' | 'updatedAt' | 'updatedBy'> {
  const tileIn = (t: number, grid = s.grid) => {
    if (!Number.isInteger(t) || t < 0 || t >= grid) throw bad(`tile ${t} is not on a ${grid}-tile wall`);
  };
  switch (o.op) {
    case 'layout': {
      if (!(WALL_GRIDS as readonly number[]).includes(o.grid)) throw bad(`grid must be one of ${WALL_GRIDS.join(', ')}`);
      if (o.tiles && o.tiles.length > o.grid) throw bad(`${o.tiles.length} tiles do not fit a ${o.grid}-tile wall`);
      // Shrinking keeps the first tiles; pins and focus outside the new grid are dropped.
      const base = o.tiles ?? s.tiles;
      const tiles = Array.from({ length: o.grid }, (_, i) => base[i] ?? null);
      return { grid: o.grid, tiles, pinned: s.pinned.filter((t) => t < o.grid), focused: s.focused !== null && s.focused < o.grid ? s.focused : null };
    }
    case 'assign': {
      tileIn(o.tile);
      const tiles = [...s.tiles];
      tiles[o.tile] = o.cameraId;
      return { grid: s.grid, tiles, pinned: s.pinned, focused: s.focused };
    }
    case 'pin': {
      tileIn(o.tile);
      const pinned = new Set(s.pinned);
      if (o.pinned) pinned.add(o.tile);
      else pinned.delete(o.tile);
      return { grid: s.grid, tiles: s.tiles, pinned: [...pinned].sort((a, b) => a - b), focused: s.focused };
    }
    case 'focus':
      if (o.tile !== null) tileIn(o.tile);
      return { grid: s.grid, tiles: s.tiles, pinned: s.pinned, focused: o.tile };
  }
}

/** The wall in the data directory's SQLite store (one process). */
export class SqliteWallStore implements WallStore {
  constructor(private readonly db: Database.Database) {}

  async get(): Promise<WallState> {
    return this.read();
  }

  async apply(op: WallOp, by: string, expectedVersion?: number, now = Date.now()): Promise<WallState> {
    return this.db.transaction(() => {
      const cur = this.read();
      checkExpectedVersion(cur, expectedVersion);
      const next = nextWall(cur, op, by, now);
      this.write(next);
      return next;
    })();
  }

  async importState(state: WallState): Promise<void> {
    this.write(state);
  }

  private write(state: WallState): void {
    const { version, updatedAt, updatedBy, ...value } = state;
    this.db
      .prepare(
        `INSERT INTO wall_state (key, value, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(KEY, JSON.stringify(value), version, updatedAt, updatedBy);
  }

  private read(): WallState {
    const row = this.db.prepare('SELECT value, version, updated_at, updated_by FROM wall_state WHERE key = ?').get(KEY) as
      | { value: string; version: number; updated_at: number; updated_by: string | null }
      | undefined;
    if (!row) return emptyWall();
    return { ...JSON.parse(row.value), version: row.version, updatedAt: row.updated_at, updatedBy: row.updated_by };
  }
}
