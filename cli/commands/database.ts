import { DEFAULT_DATABASE, openStore } from "../../collector/src/store/open-store.js";
import { DatabaseUnavailableError } from "../../collector/src/store/sql/errors.js";
import { redactDatabaseUrl } from "../../collector/src/store/sql/postgres-driver.js";
import type { Store } from "../../collector/src/store/types.js";
import { CliError } from "../errors.js";
import { log } from "../io.js";
import { parseClientSlug } from "../options.js";

/** --database, else CAVEAT_DATABASE, else ./caveat.db; a database that cannot be opened is a one-line error. */
export async function openDatabase(database?: string): Promise<{ store: Store; label: string }> {
  const target = database ?? process.env.CAVEAT_DATABASE ?? DEFAULT_DATABASE;
  try {
    const store = await openStore(target, { onCreate: (path) => log(`created a new SQLite database at ${path}`) });
    return { store, label: store.kind === "sqlite" ? `SQLite ${target}` : `PostgreSQL ${redactDatabaseUrl(target)}` };
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw new CliError(error.message);
    if ((error as { code?: string }).code === "SQLITE_CANTOPEN") throw new CliError(`cannot open the SQLite database ${target}`);
    throw error;
  }
}

/** withDatabase for one client's data: a client slug that is not in the database is a one-line error. */
export async function withClient<T>(database: string | undefined, slug: string, work: (store: Store) => Promise<T>): Promise<T> {
  parseClientSlug(slug, "--client");
  return withDatabase(database, async (store) => {
    if (!(await store.clients.get(slug))) throw new CliError(`no client "${slug}"`);
    return work(store);
  });
}

export async function withDatabase<T>(database: string | undefined, work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openDatabase(database);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
