// PostgreSQL behind the SqlDriver seam, on node-postgres (pg). Stores write portable SQL with `?`
// placeholders; this driver numbers them ($1, $2...), keeps `AS camelCase` aliases as written (PostgreSQL
// folds unquoted names to lower case), returns values as SQLite would (bigint as number, booleans as 1/0,
// dates and JSON as text), and turns connection failures into DatabaseUnavailableError (503, retry later)
// and duplicate keys into UniqueViolationError. No message carries the password.
import pg from "pg";
import type { Dialect, SqlDriver, SqlExecutor, SqlValue } from "./driver.js";
import { DatabaseUnavailableError, DatabaseUrlError, UniqueViolationError } from "./errors.js";

export interface PostgresOptions {
  /** Connections in the pool (default 10). Each open transaction holds one until it ends. */
  max?: number;
  /** How long to wait for a new connection or a free pool slot before DatabaseUnavailableError (default 10 s). */
  connectionTimeoutMillis?: number;
  /**
   * Called when a pooled connection fails while nobody is using it (server restart, network cut, idle
   * timeout on a proxy). The pool drops it and reconnects on the next statement. Default: one line on stderr.
   */
  onIdleError?: (error: DatabaseUnavailableError) => void;
}

/** Opens a pool and checks that the database answers; throws DatabaseUnavailableError (or DatabaseUrlError) if not. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlDriver> {
  const target = parseTarget(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
    // A URL's own application_name wins (pg merges the parsed URL over these options).
    application_name: "caveat",
    types: sqliteLikeTypes,
  });
  const onIdleError = options.onIdleError ?? ((error: DatabaseUnavailableError) => process.stderr.write(`caveat: ${error.message} (an idle connection was dropped; the pool reconnects on the next statement)\n`));
  // Without a listener, an idle client's error (e.g. the server restarting) is an uncaught 'error' event.
  pool.on("error", (error) => onIdleError(asUnavailable(error, target)));
  const driver = new PostgresDriver(pool, target);
  try {
    await driver.all("SELECT 1");
  } catch (error) {
    await driver.close();
    throw error;
  }
  return driver;
}

// ---- placeholders ------------------------------------------------------------------------------------

export interface TranslatedStatement {
  /** The SQL with `$1, $2...` in place of each `?` outside literals, identifiers and comments. */
  readonly text: string;
  readonly placeholders: number;
  /** `AS` aliases with upper-case letters, by their lower-cased form: PostgreSQL returns `scanid` for `AS scanId`. */
  readonly aliases: ReadonlyMap<string, string> | undefined;
}

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/**
 * Numbers `?` placeholders. Skips '...' literals ('' escapes; E'...' with backslash escapes), "..."
 * identifiers, $tag$...$tag$ bodies, -- and /* *\/ comments. Our statements are written by us, so this is a
 * scanner, not a parser: it does not know PostgreSQL's `?` JSON operators (stores do not use them).
 */
export function translatePlaceholders(sql: string): TranslatedStatement {
  let text = "";
  let copiedUpTo = 0;
  let placeholders = 0;
  let aliases: Map<string, string> | undefined;
  let afterAs = false;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      i = skipQuoted(sql, i, "'", false);
      afterAs = false;
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
      afterAs = false;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "$") {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else {
        i++;
      }
      afterAs = false;
    } else if (c === "?") {
      text += `${sql.slice(copiedUpTo, i)}$${++placeholders}`;
      copiedUpTo = ++i;
      afterAs = false;
    } else if (WORD_START.test(c)) {
      const start = i;
      while (i < sql.length && WORD_CHAR.test(sql[i]!)) i++;
      const word = sql.slice(start, i);
      if ((word === "E" || word === "e") && sql[i] === "'") {
        i = skipQuoted(sql, i, "'", true);
        afterAs = false;
        continue;
      }
      if (afterAs && word !== word.toLowerCase()) (aliases ??= new Map()).set(word.toLowerCase(), word);
      afterAs = word.toUpperCase() === "AS";
    } else {
      if (!/\s/.test(c)) afterAs = false;
      i++;
    }
  }
  text += sql.slice(copiedUpTo);
  return { text, placeholders, aliases };
}

/** Index just past the literal that opens at `start`; a doubled quote is an escaped quote. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

// Statements are a fixed set written in the stores; the bound only matters if one is built per call.
const translations = new Map<string, TranslatedStatement>();
const MAX_CACHED_TRANSLATIONS = 1000;

function translate(sql: string): TranslatedStatement {
  let translated = translations.get(sql);
  if (!translated) {
    translated = translatePlaceholders(sql);
    if (translations.size >= MAX_CACHED_TRANSLATIONS) translations.clear();
    translations.set(sql, translated);
  }
  return translated;
}

// ---- values ------------------------------------------------------------------------------------------

const asText = (value: string): string => value;

/** int8 (count(*), sums of integers, BIGINT ids) as a number when exact, else the digits as a string. */
function parseInt8(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** numeric: whole numbers (sum(bigint)) as numbers when exact; fractions stay exact strings (cast to float8 for a number). */
function parseNumeric(value: string): number | string {
  return /^-?\d+$/.test(value) ? parseInt8(value) : value;
}

// By type OID (pg_type). Anything not here keeps node-postgres's parser (int2/int4/float as numbers, bytea as Buffer).
const parsers = new Map<number, (value: string) => unknown>([
  [20, parseInt8], // int8
  [1700, parseNumeric], // numeric
  [16, (value) => (value === "t" ? 1 : 0)], // bool: SQLite has no booleans; stores compare with 0/1
  [114, asText], // json: parsed by the store, as from SQLite's TEXT
  [3802, asText], // jsonb
  [1082, asText], // date: ISO text, never a Date (which would also shift by the process's time zone)
  [1083, asText], // time
  [1114, asText], // timestamp
  [1184, asText], // timestamptz
  [1186, asText], // interval
  [1266, asText], // timetz
]);

const sqliteLikeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    const parser = format === "binary" ? undefined : parsers.get(oid);
    return parser ?? pg.types.getTypeParser(oid, (format ?? "text") as "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

// ---- the driver --------------------------------------------------------------------------------------

type RunQuery = (text: string, values: unknown[] | undefined) => Promise<pg.QueryResult | pg.QueryResult[]>;

class PostgresExecutor implements SqlExecutor {
  readonly dialect: Dialect = "postgres";

  constructor(private readonly runQuery: RunQuery) {}

  async all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const statement = translate(sql);
    const results = await this.runQuery(statement.text, boundValues(statement, params));
    // Several statements without parameters (a migration) answer with one result each: the last one's rows.
    const result = Array.isArray(results) ? results[results.length - 1] : results;
    if (!result) return [];
    return restoreAliases(result, statement.aliases) as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const statement = translate(sql);
    const results = await this.runQuery(statement.text, boundValues(statement, params));
    const changes = (Array.isArray(results) ? results : [results]).reduce((sum, r) => sum + (r.rowCount ?? 0), 0);
    return { changes };
  }
}

function boundValues(statement: TranslatedStatement, params: readonly SqlValue[]): unknown[] | undefined {
  if (params.length !== statement.placeholders) {
    throw new Error(`SQL has ${statement.placeholders} ? placeholder(s) but ${params.length} parameter(s) were given: ${statement.text.slice(0, 200)}`);
  }
  // No parameters: node-postgres uses the simple protocol, which also runs several statements at once.
  return params.length === 0 ? undefined : [...params];
}

function restoreAliases(result: pg.QueryResult, aliases: ReadonlyMap<string, string> | undefined): Record<string, unknown>[] {
  const rows = result.rows as Record<string, unknown>[];
  if (!aliases || rows.length === 0 || !result.fields.some((f) => aliases.has(f.name))) return rows;
  const names = result.fields.map((f) => aliases.get(f.name) ?? f.name);
  return rows.map((row) => {
    const renamed: Record<string, unknown> = {};
    for (const [index, field] of result.fields.entries()) renamed[names[index]!] = row[field.name];
    return renamed;
  });
}

class PostgresDriver extends PostgresExecutor implements SqlDriver {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: PostgresTarget,
  ) {
    super((text, values) => this.queryOnPool(text, values));
  }

  private async checkout(): Promise<pg.PoolClient> {
    if (this.closing) throw new DatabaseUnavailableError(this.target.description, "the connection pool is closed (the collector is shutting down)");
    try {
      return await this.pool.connect();
    } catch (error) {
      // Everything that fails while connecting means the database is out of reach (or refuses us).
      throw asUnavailable(error, this.target);
    }
  }

  private async queryOnPool(text: string, values: unknown[] | undefined): Promise<pg.QueryResult | pg.QueryResult[]> {
    const client = await this.checkout();
    try {
      const result = await client.query(text, values);
      client.release();
      return result;
    } catch (error) {
      const mapped = mapError(error, this.target);
      // A connection that failed is discarded; one that only rejected a statement is ready for the next.
      client.release(mapped instanceof DatabaseUnavailableError ? mapped : undefined);
      throw mapped;
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    // While fn awaits other work the client has no query running; a connection error then is emitted on
    // the client, and an unheard 'error' event would crash the process. The next statement reports it.
    let lost: Error | undefined;
    const onError = (error: Error): void => {
      lost = error;
    };
    client.on("error", onError);
    let finished = false;
    const query = async (text: string, values?: unknown[]): Promise<pg.QueryResult | pg.QueryResult[]> => {
      try {
        return await client.query(text, values);
      } catch (error) {
        const mapped = mapError(error, this.target);
        if (mapped instanceof DatabaseUnavailableError) lost ??= mapped;
        throw mapped;
      }
    };
    const tx = new PostgresExecutor((text, values) => {
      if (finished) return Promise.reject(new Error("this transaction has already ended: run the statement in a new transaction or on the driver"));
      return query(text, values);
    });
    try {
      await query("BEGIN");
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        finished = true;
        // The connection may be gone (that may be why fn threw): then there is nothing to roll back.
        if (!lost) {
          try {
            await query("ROLLBACK");
          } catch (rollbackError) {
            // fn's error is the one to report; this connection's state is unknown, so it is discarded below.
            lost ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          }
        }
        throw error;
      }
      finished = true;
      await query("COMMIT");
      return result;
    } finally {
      finished = true;
      client.off("error", onError);
      client.release(lost);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

// ---- errors ------------------------------------------------------------------------------------------

interface PostgresTarget {
  /** `PostgreSQL at HOST:PORT (database "DB", user "USER")`. */
  description: string;
  /** The password as written and percent-decoded, to scrub from any message; empty when none. */
  secrets: string[];
}

/** The URL with its password (userinfo and `password=` parameter) replaced by ***, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  // Up to the last @: a password may hold an unescaped @ or /; hiding too much of a broken URL is the safe side.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:).*@/i : /^([^:/?#@]*:).*@/;
  return url.replace(userinfo, "$1***@").replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/** Validates a postgres:// or postgresql:// URL and names its server for messages (no password). */
export function describePostgresUrl(url: string): string {
  return parseTarget(url).description;
}

function parseTarget(url: string): PostgresTarget {
  let parsed: URL;
  let hostless = false;
  try {
    parsed = new URL(url);
  } catch {
    // `postgres://user@/db?host=/socket/dir` has no host, which URL refuses; pg parses it with a stand-in host.
    try {
      parsed = new URL(url.replace("@/", "@stand-in.invalid/"));
      hostless = true;
    } catch {
      // Node's own error would repeat the URL with its password; ours carries the redacted one.
      throw new DatabaseUrlError(redactDatabaseUrl(url), "it is not a valid URL");
    }
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new DatabaseUrlError(redactDatabaseUrl(url), `the scheme must be postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new DatabaseUrlError(redactDatabaseUrl(url), "it has a malformed %-escape");
    }
  };
  const queryHost = parsed.searchParams.get("host");
  const host = (hostless ? "" : decode(parsed.hostname)) || queryHost || process.env.PGHOST || "localhost";
  const port = parsed.port || parsed.searchParams.get("port") || process.env.PGPORT || "5432";
  const user = decode(parsed.username) || process.env.PGUSER || undefined;
  const database = decode(parsed.pathname.replace(/^\//, "")) || process.env.PGDATABASE || user;
  const where = host.startsWith("/") ? `socket ${host}/.s.PGSQL.${port}` : `${host}:${port}`;
  const named = [database ? `database "${database}"` : undefined, user ? `user "${user}"` : undefined].filter(Boolean).join(", ");
  const secrets = [parsed.password, decode(parsed.password), parsed.searchParams.get("password") ?? ""].filter((s) => s.length > 0);
  return { description: `PostgreSQL at ${where}${named ? ` (${named})` : ""}`, secrets };
}

function scrub(message: string, target: PostgresTarget): string {
  let clean = message;
  for (const secret of target.secrets) clean = clean.split(secret).join("***");
  return clean;
}

// Node socket errors while connecting or talking to the server.
const NETWORK_REASONS: Record<string, [reason: string, hint: string]> = {
  ECONNREFUSED: ["connection refused (ECONNREFUSED)", "is PostgreSQL running and listening on that address and port?"],
  ENOTFOUND: ["host name not found (ENOTFOUND)", "check the host in the database URL"],
  EAI_AGAIN: ["host name lookup failed (EAI_AGAIN)", "check DNS and the host in the database URL"],
  ETIMEDOUT: ["connection timed out (ETIMEDOUT)", "check the host, the port and any firewall in between"],
  EHOSTUNREACH: ["host unreachable (EHOSTUNREACH)", "check the host and the network"],
  ENETUNREACH: ["network unreachable (ENETUNREACH)", "check the host and the network"],
  ECONNRESET: ["the server closed the connection (ECONNRESET)", "check the server's log; it may have restarted"],
  EPIPE: ["the connection broke (EPIPE)", "check the server's log; it may have restarted"],
  ENOENT: ["no server socket at that path (ENOENT)", "is PostgreSQL running, with that socket directory?"],
  EACCES: ["permission denied on the server socket (EACCES)", "check the socket directory's permissions"],
};

// SQLSTATE codes and classes that mean "this database cannot serve us now", not "this statement is wrong".
const UNAVAILABLE_SQLSTATE_HINTS: Record<string, string> = {
  "08": "the connection failed; check the server's log",
  "28": "check the user and password in the database URL and pg_hba.conf",
  "3D000": "create the database first (createdb) or fix its name in the URL",
  "53300": "too many connections: lower the pool size or raise max_connections",
  "53": "the server is out of resources (disk, memory); check the server",
  "57P01": "the server was shut down by an administrator",
  "57P02": "the server is in crash recovery; try again shortly",
  "57P03": "the server is starting up or shutting down; try again shortly",
};

// node-postgres's own messages for a connection that timed out, broke or was closed under a query.
const LOST_CONNECTION = /Connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable|Client was closed/i;

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function unavailableHint(state: string): string | undefined {
  return UNAVAILABLE_SQLSTATE_HINTS[state] ?? UNAVAILABLE_SQLSTATE_HINTS[state.slice(0, 2)];
}

function asUnavailable(error: unknown, target: PostgresTarget): DatabaseUnavailableError {
  if (error instanceof DatabaseUnavailableError) return error;
  scrubError(error, target);
  const code = (error as { code?: unknown } | null)?.code;
  const network = typeof code === "string" ? NETWORK_REASONS[code] : undefined;
  const message = scrub(error instanceof Error ? error.message : String(error), target);
  const state = sqlState(error);
  const [reason, hint] = network ?? [state ? `${message} (SQLSTATE ${state})` : message, state ? unavailableHint(state) : undefined];
  return new DatabaseUnavailableError(target.description, reason, hint, { cause: error });
}

/** pg's errors as ours where callers act on them; any other error unchanged (its message scrubbed). */
function mapError(error: unknown, target: PostgresTarget): unknown {
  const state = sqlState(error);
  if (state === "23505") {
    const e = error as pg.DatabaseError;
    return new UniqueViolationError(scrub(e.message, target), e.constraint, e.table, e.detail, { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const isNetwork = typeof code === "string" && code in NETWORK_REASONS;
  const isLost = !state && error instanceof Error && LOST_CONNECTION.test(error.message);
  if (isNetwork || isLost || (state && unavailableHint(state))) return asUnavailable(error, target);
  scrubError(error, target);
  return error;
}

/** Errors kept as a cause or passed on are logged whole: their message and stack must not leak the password either. */
function scrubError(error: unknown, target: PostgresTarget): void {
  if (!(error instanceof Error) || target.secrets.length === 0) return;
  error.message = scrub(error.message, target);
  if (error.stack) error.stack = scrub(error.stack, target);
}
