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
import { auditFields, decodeCursor, encodeCursor, EXPORT_BATCH, pageSize, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery, type AuditRecord } from './audit-log.js';
import { redisCall } from './redis-channel.js';
import { StoreError } from './store-db.js';

/** Number the record and append it: returns [stream id, seq]. ARGV: cap, id to ask for (`*` or `<ms>-*`), JSON. */
const APPEND = `
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[2], 'seq', seq, 'e', ARGV[3])
return {id, seq}`;

/**
 * Store an exported entry under the id `<at>-<seq>` (ARGV: at, seq, JSON) and move the counter past its seq: 1; 0 when
 * an entry of that time has this seq already; -1 when the stream holds a newer entry (ids only grow).
 */
const IMPORT = `
for _, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])) do
  local f = e[2]
  for i = 1, #f, 2 do if f[i] == 'seq' and f[i + 1] == ARGV[2] then return 0 end end
end
local added = redis.pcall('XADD', KEYS[1], ARGV[1] .. '-' .. ARGV[2], 'seq', ARGV[2], 'e', ARGV[3])
if type(added) == 'table' and added.err then return -1 end
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then redis.call('SET', KEYS[2], ARGV[2]) end
return 1`;

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

  async *exportEntries(): AsyncIterable<AuditEntry> {
    let start = '-';
    for (;;) {
      const batch = (await this.call(() => this.redis.xrange(this.key, start, '+', 'COUNT', EXPORT_BATCH))) as StreamEntry[];
      for (const [id, f] of batch) yield this.toEntry(id, f);
      if (batch.length < EXPORT_BATCH) return;
      start = `(${batch[batch.length - 1][0]}`;
    }
  }

  async importEntry(e: AuditEntry): Promise<boolean> {
    const { seq: _seq, at: _at, ...fields } = e;
    const r = await this.call(() => this.redis.eval(IMPORT, 2, this.key, this.seqKey, String(e.at), String(e.seq), JSON.stringify(fields)));
    if (r === -1) throw new StoreError('CONFLICT', `${this.key} holds entries newer than audit entry ${e.seq} (at ${e.at}): a Redis stream only appends; restore into an empty audit log`);
    return r === 1;
  }

  private toEntry(id: string, fields: string[]): AuditEntry {
    const value = (name: string) => fields[fields.indexOf(name) + 1];
    return { seq: Number(value('seq')), at: idParts(id)[0], ...(JSON.parse(value('e')) as Omit<AuditEntry, 'seq' | 'at'>) };
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    return redisCall('shared audit log', command);
  }
}
