/** Consistent copies of live SQLite files, and what is in them. */
import Database from 'better-sqlite3';

/**
 * Copy a SQLite database with SQLite's online backup API: the copy is one consistent point in time even while a
 * server writes to the source (WAL), and nothing in the source changes.
 */
export async function copySqlite(source: string, dest: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(dest);
  } finally {
    db.close();
  }
}

/**
 * Row counts of every table, and PRAGMA user_version, of a SQLite file; only reads. Not opened read-only: a read-only
 * connection to a WAL database cannot remove the -wal and -shm files it creates, and would leave them behind.
 */
export function sqliteSummary(file: string): { userVersion: number; tables: Record<string, number> } {
  const db = new Database(file, { fileMustExist: true });
  try {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const tables: Record<string, number> = {};
    for (const name of names) tables[name] = (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n;
    return { userVersion: Number(db.pragma('user_version', { simple: true })), tables };
  } finally {
    db.close();
  }
}
