// Opens the store a --database value names: a PostgreSQL URL, or a SQLite file path (the default,
// ./caveat.db). Migrations run on open.
import { resolve } from "node:path";
import { openSqlite } from "./sql/sqlite-driver.js";
import { sqlStore } from "./sql/sql-store.js";
import type { Store } from "./types.js";

export const DEFAULT_DATABASE = "./caveat.db";

export async function openStore(database: string = DEFAULT_DATABASE, options: { onCreate?: (path: string) => void } = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(database)) {
    const { openPostgres } = await import("./sql/postgres-driver.js");
    return sqlStore(await openPostgres(database));
  }
  const path = database.replace(/^sqlite:(\/\/)?/i, "");
  return sqlStore(openSqlite(path === ":memory:" ? path : resolve(path), options.onCreate));
}
