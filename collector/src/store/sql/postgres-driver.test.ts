// The PostgreSQL driver against a real cluster (test/postgres.ts: a throwaway one, or DATABASE_URL).
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../../../test/postgres.js";
import type { SqlDriver } from "./driver.js";
import { DatabaseUnavailableError, DatabaseUrlError, UniqueViolationError } from "./errors.js";
import { describePostgresUrl, openPostgres, redactDatabaseUrl, translatePlaceholders } from "./postgres-driver.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** A port nothing listens on: the OS hands it out, we close it again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

describe("translatePlaceholders", () => {
  it("numbers ? outside literals, quoted identifiers, dollar quotes and comments", () => {
    const sql = `SELECT ?, 'why?', 'it''s ?', E'a\\'?', "col?", $$body ?$$, $fn$ ? $fn$ -- trailing ?\n/* block ? */ FROM t WHERE a = ? AND b IN (?, ?)`;
    const { text, placeholders } = translatePlaceholders(sql);
    expect(placeholders).toBe(4);
    expect(text).toBe(`SELECT $1, 'why?', 'it''s ?', E'a\\'?', "col?", $$body ?$$, $fn$ ? $fn$ -- trailing ?\n/* block ? */ FROM t WHERE a = $2 AND b IN ($3, $4)`);
  });

  it("collects AS aliases that PostgreSQL would fold to lower case", () => {
    const { aliases } = translatePlaceholders(`SELECT scan_id AS scanId, count(*) AS n, CAST(x AS INTEGER) AS "quotedName" FROM scans`);
    expect([...(aliases ?? [])]).toEqual([
      ["scanid", "scanId"],
      ["integer", "INTEGER"],
    ]);
  });
});

describe("database URLs", () => {
  it("redacts the password in userinfo and in a password= parameter", () => {
    expect(redactDatabaseUrl("postgres://caveat:hunter2@db.internal:5432/caveat")).toBe("postgres://caveat:***@db.internal:5432/caveat");
    expect(redactDatabaseUrl("postgresql://caveat@db/caveat?sslmode=require&password=hunter2")).toBe("postgresql://caveat@db/caveat?sslmode=require&password=***");
    expect(redactDatabaseUrl("postgres://db.internal/caveat")).toBe("postgres://db.internal/caveat");
    expect(redactDatabaseUrl("postgres://caveat@db.internal:5432/caveat")).toBe("postgres://caveat@db.internal:5432/caveat");
    expect(redactDatabaseUrl("postgres://caveat:p@ss/w0rd@db.internal/caveat")).toBe("postgres://caveat:***@db.internal/caveat");
  });

  it("names host, port, database and user, never the password", () => {
    expect(describePostgresUrl("postgresql://caveat:hunter2@db.internal:6543/collector")).toBe('PostgreSQL at db.internal:6543 (database "collector", user "caveat")');
    expect(describePostgresUrl("postgres://caveat@/collector?host=/var/run/postgresql")).toBe('PostgreSQL at socket /var/run/postgresql/.s.PGSQL.5432 (database "collector", user "caveat")');
  });

  it("refuses a bad URL with DatabaseUrlError, the password redacted", async () => {
    for (const url of ["postgres://caveat:hunter2@127.0.0.1:notaport/caveat", "mysql://caveat:hunter2@127.0.0.1/caveat", "caveat:hunter2@127.0.0.1", "postgres://caveat:hunt/er2@127.0.0.1/caveat"]) {
      const error = await rejection(openPostgres(url));
      expect(error).toBeInstanceOf(DatabaseUrlError);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(String(error)).not.toContain("hunter2");
      expect((error as Error).message).toContain("***");
    }
  });

  it("reports a closed port as DatabaseUnavailableError naming host and port, without the password", async () => {
    const port = await closedPort();
    const error = await rejection(openPostgres(`postgres://caveat:hunter2@127.0.0.1:${port}/caveat`));
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const unavailable = error as DatabaseUnavailableError;
    expect(unavailable.message).toBe(`PostgreSQL at 127.0.0.1:${port} (database "caveat", user "caveat") is unavailable: connection refused (ECONNREFUSED); is PostgreSQL running and listening on that address and port?`);
    expect(`${unavailable.stack} ${String(unavailable.cause)} ${(unavailable.cause as Error).stack}`).not.toContain("hunter2");
  });
});

describe("PostgreSQL driver", () => {
  let cluster: TestPostgres;
  let db: SqlDriver;

  beforeAll(async () => {
    cluster = await startPostgres();
    db = await openPostgres(cluster.url, { max: 4 });
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await cluster?.stop();
  });

  it("binds ? parameters and leaves ? inside string literals alone", async () => {
    const rows = await db.all("SELECT ? AS first, 'really?' AS literal, ? AS second, CAST(? AS INTEGER) + 1 AS third", ["a", "b", 41]);
    expect(rows).toEqual([{ first: "a", literal: "really?", second: "b", third: 42 }]);
  });

  it("refuses a statement whose placeholders and parameters do not match", async () => {
    await expect(db.all("SELECT ? AS a, ? AS b", ["only one"])).rejects.toThrow("SQL has 2 ? placeholder(s) but 1 parameter(s) were given");
  });

  it("runs statements, counts changed rows and returns rows", async () => {
    await db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tag TEXT)");
    expect(await db.run("INSERT INTO items (id, name, tag) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)", [1, "one", "x", 2, "two", "x", 3, "three", null])).toEqual({ changes: 3 });
    expect(await db.run("UPDATE items SET name = name || '!' WHERE tag = ?", ["x"])).toEqual({ changes: 2 });
    expect(await db.run("DELETE FROM items WHERE id = ?", [99])).toEqual({ changes: 0 });
    expect(await db.all("SELECT id, name, tag FROM items ORDER BY id")).toEqual([
      { id: 1, name: "one!", tag: "x" },
      { id: 2, name: "two!", tag: "x" },
      { id: 3, name: "three", tag: null },
    ]);
    expect(await db.all("SELECT id FROM items WHERE id > ?", [10])).toEqual([]);
  });

  it("runs several statements without parameters at once (migrations)", async () => {
    expect(await db.run("CREATE TABLE multi_a (x INTEGER); CREATE TABLE multi_b (y INTEGER); INSERT INTO multi_a VALUES (1), (2)")).toEqual({ changes: 2 });
    expect(await db.all("SELECT count(*) AS n FROM multi_a; SELECT count(*) AS m FROM multi_b")).toEqual([{ m: 0 }]);
  });

  it("keeps AS camelCase aliases as written, while ORDER BY the alias still works", async () => {
    const rows = await db.all("SELECT id AS itemId, name AS itemName, 'x' AS \"quotedAlias\" FROM items WHERE id < ? ORDER BY itemId DESC", [3]);
    expect(rows).toEqual([
      { itemId: 2, itemName: "two!", quotedAlias: "x" },
      { itemId: 1, itemName: "one!", quotedAlias: "x" },
    ]);
  });

  it("returns values as SQLite would: int8 as numbers when exact, booleans as 1/0, dates and JSON as text", async () => {
    const [row] = await db.all(
      `SELECT CAST(? AS BIGINT) AS maxSafe, CAST(? AS BIGINT) AS beyond, CAST(? AS BIGINT) AS fromBigint, count(*) AS n, sum(CAST(id AS BIGINT)) AS total,
              CAST(1.5 AS NUMERIC) AS fraction, CAST(0.25 AS DOUBLE PRECISION) AS ratio, true AS yes, 1 > 2 AS no,
              CAST('2026-11-23' AS DATE) AS day, CAST('2026-11-23T10:00:00Z' AS TIMESTAMPTZ) AS at, CAST('{"a": [1]}' AS JSONB) AS doc,
              CAST(? AS BYTEA) AS bytes
         FROM items`,
      [Number.MAX_SAFE_INTEGER, "9007199254740993", 2n ** 62n, new Uint8Array([0, 1, 255])],
    );
    expect(row).toEqual({
      maxSafe: Number.MAX_SAFE_INTEGER,
      beyond: "9007199254740993",
      fromBigint: "4611686018427387904",
      n: 3,
      total: 6,
      fraction: "1.5",
      ratio: 0.25,
      yes: 1,
      no: 0,
      day: "2026-11-23",
      at: "2026-11-23 10:00:00+00",
      doc: '{"a": [1]}',
      bytes: Buffer.from([0, 1, 255]),
    });
  });

  it("commits a transaction when its function resolves", async () => {
    await db.run("CREATE TABLE ledger (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
    const result = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO ledger (id, note) VALUES (?, ?)", [1, "kept"]);
      expect(tx.dialect).toBe("postgres");
      return (await tx.all<{ n: number }>("SELECT count(*) AS n FROM ledger"))[0]?.n;
    });
    expect(result).toBe(1);
    expect(await db.all("SELECT note FROM ledger")).toEqual([{ note: "kept" }]);
  });

  it("rolls a transaction back when its function throws, and rethrows that error", async () => {
    const failure = new Error("the evaluation failed");
    const error = await rejection(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO ledger (id, note) VALUES (?, ?)", [2, "discarded"]);
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(await db.all("SELECT id FROM ledger ORDER BY id")).toEqual([{ id: 1 }]);
  });

  it("refuses statements through a transaction's executor after it ended", async () => {
    let leaked: Parameters<Parameters<SqlDriver["transaction"]>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.all("SELECT 1")).rejects.toThrow("this transaction has already ended");
  });

  it("runs concurrent transactions on separate connections: neither sees the other's uncommitted rows", async () => {
    await db.run("CREATE TABLE events (tx TEXT NOT NULL, step INTEGER NOT NULL)");
    // Each waits for the other at every step, so both have written and read before either ends.
    const barrier = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open, opened };
    };
    const aInserted = barrier();
    const bInserted = barrier();
    const bChecked = barrier();
    const a = db.transaction(async (tx) => {
      await tx.run("INSERT INTO events (tx, step) VALUES ('a', 1)");
      aInserted.open();
      await bInserted.opened;
      const seen = await tx.all("SELECT tx FROM events ORDER BY tx");
      await bChecked.opened;
      await tx.run("INSERT INTO events (tx, step) VALUES ('a', 2)");
      return seen;
    });
    const b = db.transaction(async (tx) => {
      await tx.run("INSERT INTO events (tx, step) VALUES ('b', 1)");
      bInserted.open();
      await aInserted.opened;
      const seen = await tx.all("SELECT tx FROM events ORDER BY tx");
      bChecked.open();
      throw new Error(`b rolls back after seeing ${JSON.stringify(seen)}`);
    });
    const [aSaw, bError] = await Promise.all([a, rejection(b)]);
    expect(aSaw).toEqual([{ tx: "a" }]);
    expect((bError as Error).message).toBe('b rolls back after seeing [{"tx":"b"}]');
    expect(await db.all("SELECT tx, step FROM events ORDER BY step")).toEqual([
      { tx: "a", step: 1 },
      { tx: "a", step: 2 },
    ]);
  });

  it("queues more concurrent transactions than connections, each one whole", async () => {
    await db.run("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)");
    await db.run("INSERT INTO counter (id, value) VALUES (1, 0)");
    // Read-modify-write: a statement of one transaction landing in another would lose increments.
    await Promise.all(
      Array.from({ length: 24 }, () =>
        db.transaction(async (tx) => {
          const [row] = await tx.all<{ value: number }>("SELECT value FROM counter WHERE id = 1 FOR UPDATE");
          await sleep(1);
          await tx.run("UPDATE counter SET value = ? WHERE id = 1", [row!.value + 1]);
        }),
      ),
    );
    expect(await db.all("SELECT value FROM counter")).toEqual([{ value: 24 }]);
  });

  it("maps a duplicate key to UniqueViolationError, and the transaction rolls back", async () => {
    await db.run("CREATE TABLE clients (slug TEXT PRIMARY KEY, name TEXT NOT NULL)");
    await db.run("INSERT INTO clients (slug, name) VALUES (?, ?)", ["acme", "Acme"]);
    const error = await rejection(db.run("INSERT INTO clients (slug, name) VALUES (?, ?)", ["acme", "Again"]));
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error).toMatchObject({ constraint: "clients_pkey", table: "clients", detail: "Key (slug)=(acme) already exists." });
    const inTx = await rejection(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO clients (slug, name) VALUES (?, ?)", ["globex", "Globex"]);
        await tx.run("INSERT INTO clients (slug, name) VALUES (?, ?)", ["acme", "Again"]);
      }),
    );
    expect(inTx).toBeInstanceOf(UniqueViolationError);
    expect(await db.all("SELECT slug FROM clients")).toEqual([{ slug: "acme" }]);
    // The connection that rejected the statement is healthy and back in the pool.
    expect(await db.run("INSERT INTO clients (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING", ["acme", "Again"])).toEqual({ changes: 0 });
  });

  it("passes other SQL errors through unchanged", async () => {
    await expect(db.all("SELECT nope FROM clients")).rejects.toMatchObject({ code: "42703", message: 'column "nope" does not exist' });
  });

  it("reports an unknown database as DatabaseUnavailableError with a hint", async () => {
    const url = new URL(cluster.url);
    url.pathname = "/no_such_database";
    url.password = "hunter2";
    const error = await rejection(openPostgres(url.toString()));
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toContain('database "no_such_database" does not exist (SQLSTATE 3D000); create the database first');
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("survives an idle connection dying: reports it and reconnects on the next statement", async () => {
    const idleErrors: DatabaseUnavailableError[] = [];
    const single = await openPostgres(cluster.url, { max: 1, onIdleError: (error) => idleErrors.push(error) });
    try {
      const [before] = await single.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await db.all("SELECT pg_terminate_backend(?)", [before!.pid]);
      for (let waited = 0; idleErrors.length === 0 && waited < 5000; waited += 20) await sleep(20);
      expect(idleErrors[0]).toBeInstanceOf(DatabaseUnavailableError);
      const [after] = await single.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(after!.pid).not.toBe(before!.pid);
    } finally {
      await single.close();
    }
  });

  it("turns a connection lost inside a transaction into DatabaseUnavailableError, and recovers", async () => {
    const single = await openPostgres(cluster.url, { max: 1, onIdleError: () => undefined });
    try {
      const error = await rejection(
        single.transaction(async (tx) => {
          const [me] = await tx.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await db.all("SELECT pg_terminate_backend(?)", [me!.pid]);
          await sleep(100); // the termination reaches the client while no statement runs: it must not crash the process
          await tx.run("SELECT 1");
        }),
      );
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(await single.all("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await single.close();
    }
  });

  it("answers DatabaseUnavailableError after close, and closes only once", async () => {
    const short = await openPostgres(cluster.url, { max: 1 });
    await short.close();
    await short.close();
    await expect(short.all("SELECT 1")).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
