/**
 * Which cameras a worker should lease, as a pure function of what every worker can read from the lease store: the
 * live workers, the enabled cameras and who holds each lease now.
 *
 * - Fair share: a worker holds at most ceil(cameras / live workers); with fewer it takes free cameras up to that.
 * - Preference: among free cameras a worker first takes those it ranks highest for (rendezvous hashing of camera and
 *   worker ids), so that workers scanning at the same moment mostly reach for different cameras.
 * - Rebalance: a worker above its share (another worker joined) gives up one camera per scan while some live worker
 *   holds fewer than the share; one at a time, because every move interrupts that camera for a moment.
 */
import { createHash } from 'node:crypto';

export interface LeaseSnapshot {
  /** This worker's id. */
  me: string;
  /** Live workers (this one included or not: it is counted either way). */
  workers: readonly string[];
  /** Enabled camera ids. */
  cameras: readonly string[];
  /** Who holds each camera's lease now; absent = nobody. */
  owners: ReadonlyMap<string, string>;
}

export interface LeasePlan {
  /** Free cameras to try to lease, best first. */
  acquire: string[];
  /** Cameras this worker should stop and give up. */
  release: string[];
}

/** The most cameras one worker should run: ceil(cameras / workers). */
export function fairShare(cameras: number, workers: number): number {
  return Math.ceil(cameras / Math.max(1, workers));
}

/** Rendezvous weight of a (camera, worker) pair: the same on every worker, spread evenly. */
export function rendezvousWeight(cameraId: string, workerId: string): bigint {
  return createHash('sha256').update(cameraId).update('\0').update(workerId).digest().readBigUInt64BE(0);
}

/** 0 when `me` is the camera's first choice among `workers`, 1 when second, … */
function rankOf(cameraId: string, me: string, workers: readonly string[]): number {
  const mine = rendezvousWeight(cameraId, me);
  return workers.filter((w) => w !== me && rendezvousWeight(cameraId, w) > mine).length;
}

export function planLeases(s: LeaseSnapshot): LeasePlan {
  const workers = s.workers.includes(s.me) ? [...s.workers] : [...s.workers, s.me];
  const share = fairShare(s.cameras.length, workers.length);
  const held = new Map(workers.map((w) => [w, 0]));
  for (const id of s.cameras) {
    const owner = s.owners.get(id);
    if (owner !== undefined && held.has(owner)) held.set(owner, held.get(owner)! + 1);
  }
  const mine = s.cameras.filter((id) => s.owners.get(id) === s.me);
  const byPreference = (ids: string[]) =>
    ids
      .map((id) => ({ id, rank: rankOf(id, s.me, workers) }))
      .sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((c) => c.id);

  if (mine.length < share) {
    const free = s.cameras.filter((id) => !s.owners.has(id));
    return { acquire: byPreference(free).slice(0, share - mine.length), release: [] };
  }
  const someoneShort = workers.some((w) => w !== s.me && held.get(w)! < share);
  if (mine.length > share && someoneShort) {
    // Give up the camera this worker is least preferred for: the one another worker most likely takes.
    return { acquire: [], release: byPreference(mine).slice(-1) };
  }
  return { acquire: [], release: [] };
}
