// The one seam between the stores and a database. Stores write portable SQL with `?` placeholders;
// each driver adapts it (PostgreSQL numbers them $1, $2...). Everything a store needs is here.

export type Dialect = "sqlite" | "postgres";

/** Values a statement can take: both databases store these as they are (booleans as 0/1 integers). */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlExecutor {
  readonly dialect: Dialect;
  /** Rows of a query, with columns as named in the SQL (use `AS camelCase` where it matters). */
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** A statement without rows; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface SqlDriver extends SqlExecutor {
  /**
   * Runs fn in one transaction: committed when fn resolves, rolled back when it throws. Statements inside
   * must go through the executor fn receives. Transactions never interleave on one connection.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
