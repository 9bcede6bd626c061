// Database failures the rest of the collector can act on, whichever driver raised them. The HTTP layer
// answers 503 (temporary: agents retry) for DatabaseUnavailableError; messages never carry a password.

/**
 * The database cannot be reached or refused us: server down, wrong host or port, unknown database,
 * authentication failed, too many connections, the pool already closed. Temporary from an agent's view.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    /** Where we tried, without credentials: `PostgreSQL at db.internal:5432 (database "caveat", user "caveat")`. */
    readonly target: string,
    /** What went wrong, for a person: `connection refused (ECONNREFUSED)`. */
    readonly reason: string,
    /** What to check next, when we know; part of the message. */
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(`${target} is unavailable: ${reason}${hint ? `; ${hint}` : ""}`, options);
    this.name = "DatabaseUnavailableError";
  }
}

/**
 * The database URL itself is wrong (unknown scheme, bad port, unparsable). A DatabaseUnavailableError too,
 * so a server maps it to 503 like any other; the CLI can single it out as a usage error (exit 2).
 */
export class DatabaseUrlError extends DatabaseUnavailableError {
  constructor(redactedUrl: string, reason: string) {
    super(`database URL ${redactedUrl}`, reason, "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE");
    this.name = "DatabaseUrlError";
  }
}

/** A row would duplicate a unique key (PostgreSQL SQLSTATE 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export class UniqueViolationError extends Error {
  constructor(
    message: string,
    /** The violated constraint or index, when the database names it. */
    readonly constraint?: string,
    readonly table?: string,
    /** The database's own detail, e.g. `Key (slug)=(acme-dental) already exists.` */
    readonly detail?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UniqueViolationError";
  }
}
