// Versioned schema migrations, run on start by every collector instance. Applied versions are recorded in
// schema_migrations; on PostgreSQL an advisory lock makes instances starting together take turns.
// Never edit a released migration: add the next version.
import type { SqlDriver, SqlExecutor } from "./driver.js";

interface Migration {
  version: number;
  name: string;
  /** Portable SQL; {BLOB} becomes BLOB (SQLite) or BYTEA (PostgreSQL). */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "clients, tokens, catalogs, endpoints, scans, findings",
    statements: [
      `CREATE TABLE clients (
        slug TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('agent', 'admin')),
        client_slug TEXT REFERENCES clients (slug),
        hash TEXT NOT NULL UNIQUE,
        label TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT,
        CHECK ((kind = 'agent') = (client_slug IS NOT NULL))
      )`,
      `CREATE TABLE catalogs (
        client_slug TEXT PRIMARY KEY REFERENCES clients (slug),
        document TEXT NOT NULL,
        source TEXT NOT NULL,
        procurement TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE TABLE endpoints (
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        id TEXT NOT NULL,
        hostname TEXT NOT NULL,
        os TEXT NOT NULL,
        type TEXT NOT NULL,
        manufacturer TEXT,
        model TEXT,
        serial TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_scan_id TEXT NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (client_slug, id)
      )`,
      `CREATE TABLE scans (
        scan_id TEXT PRIMARY KEY,
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        endpoint_id TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        software_count INTEGER NOT NULL,
        summary TEXT NOT NULL,
        inventory_gzip {BLOB} NOT NULL
      )`,
      `CREATE INDEX scans_by_endpoint ON scans (client_slug, endpoint_id, collected_at)`,
      `CREATE INDEX scans_by_client ON scans (client_slug, collected_at, scan_id)`,
      `CREATE TABLE findings (
        scan_id TEXT NOT NULL REFERENCES scans (scan_id),
        id TEXT NOT NULL,
        client_slug TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        waived INTEGER NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (scan_id, id)
      )`,
      `CREATE INDEX findings_by_client ON findings (client_slug, rule)`,
    ],
  },
  {
    version: 2,
    name: "audit_events: the per-client hash-chained audit log",
    statements: [
      `CREATE TABLE audit_events (
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (client_slug, seq)
      )`,
    ],
  },
  {
    version: 3,
    name: "acknowledgements: documents sent for signature, signatures, decisions",
    statements: [
      `CREATE TABLE ack_documents (
        id TEXT PRIMARY KEY,
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        kind TEXT NOT NULL CHECK (kind IN ('baseline', 'periodic')),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        as_of TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        signer_email TEXT,
        token_hash TEXT NOT NULL UNIQUE,
        accept_days INTEGER NOT NULL,
        findings TEXT NOT NULL,
        findings_sha256 TEXT NOT NULL,
        view TEXT NOT NULL,
        pdf {BLOB} NOT NULL,
        pdf_sha256 TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'wet-signed')),
        signed_at TEXT
      )`,
      `CREATE INDEX ack_documents_by_client ON ack_documents (client_slug, created_at)`,
      `CREATE TABLE ack_signatures (
        document_id TEXT PRIMARY KEY REFERENCES ack_documents (id),
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        method TEXT NOT NULL CHECK (method IN ('electronic', 'wet-ink')),
        signer_name TEXT NOT NULL,
        signer_title TEXT NOT NULL,
        signer_email TEXT,
        signed_at TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        recorded_by TEXT NOT NULL,
        pdf {BLOB} NOT NULL,
        pdf_sha256 TEXT NOT NULL
      )`,
      `CREATE TABLE ack_decisions (
        document_id TEXT NOT NULL REFERENCES ack_documents (id),
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        finding_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        hostname TEXT NOT NULL,
        subject TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'remediate')),
        until TEXT NOT NULL,
        comment TEXT,
        decided_at TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        PRIMARY KEY (document_id, finding_id)
      )`,
      `CREATE INDEX ack_decisions_by_client ON ack_decisions (client_slug, decided_at)`,
    ],
  },
  {
    version: 4,
    name: "client_notes: the per-client log of communications and escalations",
    statements: [
      `CREATE TABLE client_notes (
        id TEXT PRIMARY KEY,
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        on_date TEXT NOT NULL,
        channel TEXT NOT NULL,
        who TEXT NOT NULL,
        summary TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
      )`,
      `CREATE INDEX client_notes_by_client ON client_notes (client_slug, on_date, recorded_at)`,
    ],
  },
  {
    version: 5,
    name: "outbox: reminders (waiver expiry) waiting for delivery by webhook and email",
    statements: [
      // dedupe_key is unique across instances and restarts: a reminder is queued once per stage.
      `CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        client_slug TEXT NOT NULL REFERENCES clients (slug),
        kind TEXT NOT NULL,
        dedupe_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        delivered_at TEXT,
        failed_at TEXT,
        last_error TEXT
      )`,
      `CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL`,
      `CREATE INDEX outbox_by_client ON outbox (client_slug, created_at)`,
    ],
  },
  {
    version: 6,
    name: "users, sessions: MSP staff who sign in to the dashboard",
    statements: [
      `CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled_at TEXT,
        last_login_at TEXT
      )`,
      // id_hash: SHA-256 of the cookie's secret; the secret itself is never stored.
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        ended_at TEXT
      )`,
      `CREATE INDEX sessions_by_user ON sessions (user_id)`,
    ],
  },
];

export async function migrate(driver: SqlDriver): Promise<{ applied: number[] }> {
  return driver.transaction(async (tx) => {
    // 0x63617665 is "cave": one lock id for caveat's migrations. Taken before anything else, even the
    // CREATE TABLE IF NOT EXISTS, which is not safe when several instances start on an empty database.
    if (tx.dialect === "postgres") await tx.all("SELECT pg_advisory_xact_lock(1667331685)");
    await tx.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    const done = new Set((await tx.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.run(statement.replaceAll("{BLOB}", tx.dialect === "postgres" ? "BYTEA" : "BLOB"));
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [migration.version, migration.name, new Date().toISOString()]);
      applied.push(migration.version);
    }
    return { applied };
  });
}

export async function schemaVersion(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations");
  return Number(rows[0]?.v ?? 0);
}
