/**
 * The audit log shared by every process of a scale-out deployment, in a Redis stream (the AuditLog port; semantics
 * as SqliteAuditLog, pinned by audit-log-contract.ts):
 *
 *   {prefix}:audit       stream: one entry per record (fields `seq` and `e`, the redacted record as JSON)
 *   {prefix}:audit:seq   counter: the entries' sequence numbers (their ids in the API)
 *
 * A stream id is `<ms>-<n>`, ordered by time and then by arrival: the order the API shows, and a cursor that needs no
 * index. The time is Redis' clock, one clock for every replica. The stream is capped (MAXLEN ~, default 100 000
 * entries): the oldest go first. Filters on action and actor are applied while reading, newest first, in batches.
 */
import type { Redis } from 'ioredis';
import { auditFields, decodeCursor, encodeCursor, pageSize, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery, type AuditRecord } from './audit-log.js';
import { redisCall } from './redis-channel.js';

/** Number the record and append it: returns [stream id, seq]. ARGV: cap, id to ask for (`*` or `<ms>-*`), JSON. */
const APPEND = `
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[2], 'seq', seq, 'e', ARGV[3])
return {id, seq}`;

export const DEFAULT_AUDIT_CAP = 100_000;
const BATCH = 200;

type StreamEntry = [id: string, fields: string[]];

const idParts = (id: string): [number, number] => {
  const [ms, n] = id.split('-');
  return [Number(ms), Number(n)];
};

export class RedisAuditLog implements AuditLog {
  private readonly key: string;
  private readonly seqKey: string;

  /** `now`: times of your own (tests); by default Redis stamps every entry with its clock. */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly options: { cap?: number; now?: () => number } = {},
  ) {
    this.key = `${prefix}:audit`;
    this.seqKey = `${prefix}:audit:seq`;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    const fields = auditFields(record);
    const ask = this.options.now ? `${Math.floor(this.options.now())}-*` : '*';
    const [id, seq] = (await this.call(() =>
      this.redis.eval(APPEND, 2, this.key, this.seqKey, String(this.options.cap ?? DEFAULT_AUDIT_CAP), ask, JSON.stringify(fields)),
    )) as [string, number];
    return { seq, at: idParts(id)[0], ...fields };
  }

  async query(q: AuditQuery = {}): Promise<AuditPage> {
    const first = pageSize(q);
    if (q.actions?.length === 0) return { items: [], hasNextPage: false };
    const actions = q.actions && new Set(q.actions);
    const start = q.from === undefined ? '-' : String(Math.max(0, Math.floor(q.from)));
    // The newest id to read: just below the cursor, and no later than `to` (an id of `ms` alone means its last one).
    let end = q.to === undefined ? '+' : String(Math.floor(q.to));
    if (q.after) {
      const [ms, n] = decodeCursor(q.after);
      if (q.to === undefined || ms <= q.to) end = `(${ms}-${n}`;
    }
    if (q.to !== undefined && q.to < 0) return { items: [], hasNextPage: false };
    const found: { id: string; entry: AuditEntry }[] = [];
    while (found.length <= first) {
      const batch = (await this.call(() => this.redis.xrevrange(this.key, end, start, 'COUNT', BATCH))) as StreamEntry[];
      for (const [id, f] of batch) {
        const entry = this.toEntry(id, f);
        if ((actions && !actions.has(entry.action)) || (q.actorId !== undefined && entry.actorId !== q.actorId)) continue;
        found.push({ id, entry });
        if (found.length > first) break;
      }
      if (batch.length < BATCH) break;
      end = `(${batch[batch.length - 1][0]}`;
    }
    const page = found.slice(0, first);
    const last = page.at(-1);
    return { items: page.map((x) => x.entry), hasNextPage: found.length > first, endCursor: last && encodeCursor(...idParts(last.id)) };
  }

  async purge(before: number): Promise<number> {
    return this.call(() => this.redis.xtrim(this.key, 'MINID', String(Math.max(0, Math.floor(before)))));
  }

  private toEntry(id: string, fields: string[]): AuditEntry {
    const value = (name: string) => fields[fields.indexOf(name) + 1];
    return { seq: Number(value('seq')), at: idParts(id)[0], ...(JSON.parse(value('e')) as Omit<AuditEntry, 'seq' | 'at'>) };
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    return redisCall('shared audit log', command);
  }
}
