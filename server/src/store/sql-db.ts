/**
 * The one query layer of the metadata stores (sightings, alerts): every statement is written once, with `?`
 * placeholders and SQL that both SQLite (the single-box default) and PostgreSQL (shared by the processes of a
 * scale-out deployment, postgres-db.ts) run; an adapter per database executes it.
 */
import type Database from 'better-sqlite3';

export interface SqlDb {
  /** The rows of a query, or of a statement with RETURNING. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** How many rows a statement changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** SQLite through better-sqlite3: synchronous underneath, each statement prepared once. */
export function sqliteDb(db: Database.Database): SqlDb {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => prepared(sql).all(...params) as T[],
    run: async (sql: string, params: readonly unknown[] = []) => prepared(sql).run(...params).changes,
  };
}

/** `?` placeholders as PostgreSQL's numbered ones ($1, $2, …). The statements hold no `?` in literals. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** "camera_id IN (?, ?)" with its parameters; an empty list matches nothing. */
export function inList(column: string, values: readonly string[]): { sql: string; params: string[] } {
  if (values.length === 0) return { sql: 'FALSE', params: [] };
  return { sql: `${column} IN (${values.map(() => '?').join(', ')})`, params: [...values] };
}

/** Conditions joined with AND, with their parameters in order; none at all is TRUE. */
export class SqlConditions {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(condition: { sql: string; params: readonly unknown[] }): this;
  add(sql: string, ...params: unknown[]): this;
  add(condition: string | { sql: string; params: readonly unknown[] }, ...params: unknown[]): this {
    const c = typeof condition === 'string' ? { sql: condition, params } : condition;
    this.parts.push(c.sql);
    this.params.push(...c.params);
    return this;
  }

  get sql(): string {
    return this.parts.length ? this.parts.join(' AND ') : 'TRUE';
  }
}
