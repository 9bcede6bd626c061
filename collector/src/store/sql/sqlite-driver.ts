// SQLite through better-sqlite3: one connection, WAL, synchronous=FULL (a 2xx answer means the scan is
// on disk), statements prepared once. better-sqlite3 is synchronous; transactions here are async
// functions, so a queue makes sure no other statement runs on the connection while one is open.
import Database from "better-sqlite3";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type { SqlDriver, SqlExecutor, SqlValue } from "./driver.js";

/** `onCreate` is told when the file did not exist (an admin command with a mistyped --database should say so). */
export function openSqlite(path: string, onCreate?: (path: string) => void): SqlDriver {
  const fresh = path !== ":memory:" && !existsSync(path);
  if (fresh) {
    mkdirSync(dirname(path), { recursive: true });
    // The database holds every client's inventories: readable by its owner only.
    closeSync(openSync(path, "wx", 0o600));
    onCreate?.(path);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // A 16 MiB page cache (bounded: memory stays flat however large the database grows) and a WAL
  // checkpoint every ~40 MiB instead of every 4 MiB: each checkpoint costs an fsync of the database file.
  db.pragma("cache_size = -16384");
  db.pragma("wal_autocheckpoint = 10000");
  return new SqliteDriver(db);
}

class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlExecutor;

  constructor(private readonly db: Database.Database) {
    this.direct = {
      dialect: "sqlite",
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => this.prepare(sql).all(...params) as T[],
      run: async (sql: string, params: readonly SqlValue[] = []) => ({ changes: this.prepare(sql).run(...params).changes }),
    };
  }

  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.direct);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.db.close();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
