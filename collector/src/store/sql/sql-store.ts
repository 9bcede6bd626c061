// The store interfaces over a SqlDriver: one implementation, portable SQL, for SQLite and PostgreSQL.
import { gunzipSync, gzipSync } from "node:zlib";
import type { Finding } from "../../../../schemas/findings.v1.js";
import type {
  AckDecision,
  AckDocument,
  AckSignature,
  AckStore,
  AuditStore,
  CatalogStore,
  ClientNote,
  NoteStore,
  OutboxMessage,
  OutboxStore,
  Client,
  ClientStore,
  EndpointRecord,
  EndpointStore,
  FindingStore,
  IngestSummary,
  NewScan,
  ScanRecord,
  ScanStore,
  Store,
  StoredCatalog,
  TokenRecord,
  TokenStore,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from "../types.js";
import type { SqlDriver, SqlExecutor, SqlValue } from "./driver.js";
import { migrate } from "./migrations.js";
import { collate } from "../../domain/collate.js";
import { canonicalJson, chainEvent, type AuditEvent } from "../../domain/audit-chain.js";
import { UniqueViolationError } from "./errors.js";

export async function sqlStore(raw: SqlDriver): Promise<Store> {
  const driver = withoutNul(raw);
  await migrate(driver);
  return {
    kind: driver.dialect,
    clients: clientStore(driver),
    tokens: tokenStore(driver),
    catalogs: catalogStore(driver),
    endpoints: endpointStore(driver),
    scans: scanStore(driver),
    findings: findingStore(driver),
    audit: auditStore(driver),
    acks: ackStore(driver),
    notes: noteStore(driver),
    outbox: outboxStore(driver),
    users: userStore(driver),
    sessions: sessionStore(driver),
    close: () => driver.close(),
  };
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLSTATE 22021) and SQLite would keep it: every text parameter has
 * it replaced by U+FFFD, so both databases store the same thing and a hostname with a NUL is not a 500.
 * Stored inventories are bytes (gzip) and keep the document exactly.
 */
function withoutNul(driver: SqlDriver): SqlDriver {
  const clean = (params?: readonly SqlValue[]) => params?.map((p) => (typeof p === "string" && p.includes("\u0000") ? p.replaceAll("\u0000", "\uFFFD") : p));
  const wrap = (ex: SqlExecutor): SqlExecutor => ({
    dialect: ex.dialect,
    all: (sql, params) => ex.all(sql, clean(params)),
    run: (sql, params) => ex.run(sql, clean(params)),
  });
  return { ...wrap(driver), transaction: (fn) => driver.transaction((tx) => fn(wrap(tx))), close: () => driver.close() };
}

const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function clientStore(db: SqlDriver): ClientStore {
  return {
    async create(client) {
      const { changes } = await db.run("INSERT INTO clients (slug, name, created_at) VALUES (?, ?, ?) ON CONFLICT (slug) DO NOTHING", [client.slug, client.name, client.createdAt]);
      return changes === 1;
    },
    async get(slug) {
      return (await db.all<Client>(`SELECT slug, name, created_at AS "createdAt" FROM clients WHERE slug = ?`, [slug]))[0];
    },
    list: () => db.all<Client>(`SELECT slug, name, created_at AS "createdAt" FROM clients ORDER BY slug`),
  };
}

const TOKEN_COLUMNS = `id, kind, client_slug AS "clientSlug", hash, label, created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

function toToken(row: Record<string, unknown>): TokenRecord {
  return withoutUndefined({
    id: String(row.id),
    kind: row.kind as TokenRecord["kind"],
    clientSlug: opt(row.clientSlug),
    hash: String(row.hash),
    label: opt(row.label),
    createdAt: String(row.createdAt),
    expiresAt: opt(row.expiresAt),
    revokedAt: opt(row.revokedAt),
    lastUsedAt: opt(row.lastUsedAt),
  });
}

function tokenStore(db: SqlDriver): TokenStore {
  return {
    async create(t) {
      await db.run("INSERT INTO tokens (id, kind, client_slug, hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
        t.id,
        t.kind,
        t.clientSlug ?? null,
        t.hash,
        t.label ?? null,
        t.createdAt,
        t.expiresAt ?? null,
      ]);
    },
    async findByHash(hash) {
      const row = (await db.all(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`, [hash]))[0];
      return row ? toToken(row) : undefined;
    },
    async list(clientSlug) {
      const rows = clientSlug === undefined ? await db.all(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id`) : await db.all(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE client_slug = ? ORDER BY created_at, id`, [clientSlug]);
      return rows.map(toToken);
    },
    async revoke(id, at) {
      return (await db.run("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [at, id])).changes === 1;
    },
    async touch(id, at) {
      await db.run("UPDATE tokens SET last_used_at = ? WHERE id = ?", [at, id]);
    },
  };
}

function catalogStore(db: SqlDriver): CatalogStore {
  return {
    async put(slug, c) {
      await db.run(
        `INSERT INTO catalogs (client_slug, document, source, procurement, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (client_slug) DO UPDATE SET document = excluded.document, source = excluded.source, procurement = excluded.procurement, updated_at = excluded.updated_at`,
        [slug, JSON.stringify(c.catalog), c.source, JSON.stringify(c.procurement), c.updatedAt],
      );
    },
    async updatedAt(slug) {
      return (await db.all<{ updatedAt: string }>(`SELECT updated_at AS "updatedAt" FROM catalogs WHERE client_slug = ?`, [slug]))[0]?.updatedAt;
    },
    async get(slug) {
      const row = (await db.all<{ document: string; source: string; procurement: string; updatedAt: string }>(`SELECT document, source, procurement, updated_at AS "updatedAt" FROM catalogs WHERE client_slug = ?`, [slug]))[0];
      return row ? ({ catalog: JSON.parse(row.document), source: row.source, procurement: JSON.parse(row.procurement), updatedAt: row.updatedAt } satisfies StoredCatalog) : undefined;
    },
  };
}

const ENDPOINT_COLUMNS = `client_slug AS "clientSlug", id, hostname, os, type, manufacturer, model, serial, first_seen AS "firstSeen", last_seen AS "lastSeen", last_scan_id AS "lastScanId", scans`;

function toEndpoint(row: Record<string, unknown>): EndpointRecord {
  return withoutUndefined({
    clientSlug: String(row.clientSlug),
    id: String(row.id),
    hostname: String(row.hostname),
    os: String(row.os),
    type: String(row.type),
    manufacturer: opt(row.manufacturer),
    model: opt(row.model),
    serial: opt(row.serial),
    firstSeen: String(row.firstSeen),
    lastSeen: String(row.lastSeen),
    lastScanId: String(row.lastScanId),
    scans: Number(row.scans),
  });
}

function endpointStore(db: SqlDriver): EndpointStore {
  return {
    async list(slug) {
      // Ordered here, not by the database: PostgreSQL would use its own collation (see domain/collate.ts).
      return (await db.all(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE client_slug = ?`, [slug])).map(toEndpoint).sort((a, b) => collate(a.hostname, b.hostname) || collate(a.id, b.id));
    },
    async get(slug, id) {
      const row = (await db.all(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE client_slug = ? AND id = ?`, [slug, id]))[0];
      return row ? toEndpoint(row) : undefined;
    },
  };
}

const SCAN_COLUMNS = `scan_id AS "scanId", client_slug AS "clientSlug", endpoint_id AS "endpointId", collected_at AS "collectedAt", received_at AS "receivedAt", software_count AS "softwareCount", summary`;

function toScan(row: Record<string, unknown>): ScanRecord {
  return {
    scanId: String(row.scanId),
    clientSlug: String(row.clientSlug),
    endpointId: String(row.endpointId),
    collectedAt: String(row.collectedAt),
    receivedAt: String(row.receivedAt),
    softwareCount: Number(row.softwareCount),
    summary: JSON.parse(String(row.summary)) as IngestSummary,
  };
}

/** Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const BATCH = 200;

async function insertMany(tx: SqlExecutor, table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const tuple = `(${columns.map(() => "?").join(", ")})`;
    await tx.run(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${batch.map(() => tuple).join(", ")}`, batch.flat());
  }
}

function scanStore(db: SqlDriver): ScanStore {
  const get = async (ex: SqlExecutor, scanId: string) => {
    const row = (await ex.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE scan_id = ?`, [scanId]))[0];
    return row ? toScan(row) : undefined;
  };
  // One scan: its row (or nothing, when the scanId exists), findings and the endpoint row.
  const addOne = async (tx: SqlExecutor, scan: NewScan): Promise<{ created: boolean; record: ScanRecord }> => {
    const inserted = await tx.run(
      `INSERT INTO scans (scan_id, client_slug, endpoint_id, collected_at, received_at, software_count, summary, inventory_gzip) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scan_id) DO NOTHING`,
      [scan.scanId, scan.clientSlug, scan.endpoint.id, scan.collectedAt, scan.receivedAt, scan.softwareCount, JSON.stringify(scan.summary), scan.inventory.gzip ?? gzipSync(scan.inventory.text, { level: 1 })],
    );
    if (inserted.changes === 0) return { created: false, record: (await get(tx, scan.scanId))! };
    await insertFindings(tx, scan.scanId, scan.clientSlug, scan.endpoint.id, scan.findings);
    const e = scan.endpoint;
    // The endpoint row follows its newest scan; a late (spooled) older scan only widens firstSeen.
    await tx.run(
      `INSERT INTO endpoints (client_slug, id, hostname, os, type, manufacturer, model, serial, first_seen, last_seen, last_scan_id, scans)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (client_slug, id) DO UPDATE SET
         scans = endpoints.scans + 1,
         first_seen = CASE WHEN excluded.first_seen < endpoints.first_seen THEN excluded.first_seen ELSE endpoints.first_seen END,
         hostname = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.hostname ELSE endpoints.hostname END,
         os = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.os ELSE endpoints.os END,
         type = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.type ELSE endpoints.type END,
         manufacturer = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.manufacturer ELSE endpoints.manufacturer END,
         model = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.model ELSE endpoints.model END,
         serial = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.serial ELSE endpoints.serial END,
         last_scan_id = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.last_scan_id ELSE endpoints.last_scan_id END,
         last_seen = CASE WHEN excluded.last_seen >= endpoints.last_seen THEN excluded.last_seen ELSE endpoints.last_seen END`,
      [scan.clientSlug, e.id, e.hostname, e.os, e.type, e.manufacturer ?? null, e.model ?? null, e.serial ?? null, scan.collectedAt, scan.collectedAt, scan.scanId],
    );
    return { created: true, record: (await get(tx, scan.scanId))! };
        };
  // SQLite has one writer and makes every commit durable with an fsync: concurrent adds are grouped
  // into one transaction (each in its own savepoint, so one failure does not undo the others), and
  // every caller is answered after that commit. PostgreSQL runs them in parallel on its pool.
  const batcher = db.dialect === "sqlite" ? new GroupCommit(db, addOne) : undefined;
  return {
    add(scan: NewScan) {
      return batcher ? batcher.add(scan) : db.transaction((tx) => addOne(tx, scan));
    },
    async get(slug, scanId) {
      const record = await get(db, scanId);
      return record?.clientSlug === slug ? record : undefined;
    },
    async inventoryText(slug, scanId) {
      const row = (await db.all<{ inventory: Uint8Array }>(`SELECT inventory_gzip AS "inventory" FROM scans WHERE scan_id = ? AND client_slug = ?`, [scanId, slug]))[0];
      return row ? gunzipSync(row.inventory).toString("utf8") : undefined;
    },
    async previous(slug, endpointId, before) {
      const row = (await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE client_slug = ? AND endpoint_id = ? AND collected_at < ? ORDER BY collected_at DESC, scan_id DESC LIMIT 1`, [slug, endpointId, before]))[0];
      return row ? toScan(row) : undefined;
    },
    async list(slug, options = {}) {
      const limit = Math.min(options.limit ?? 100, 1000);
      const rows = options.endpointId
        ? await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE client_slug = ? AND endpoint_id = ? ORDER BY collected_at DESC LIMIT ?`, [slug, options.endpointId, limit])
        : await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE client_slug = ? ORDER BY collected_at DESC LIMIT ?`, [slug, limit]);
      return rows.map(toScan);
    },
    replaceFindings(scanId, findings, summary) {
      return db.transaction(async (tx) => {
        const row = (await tx.all<{ clientSlug: string; endpointId: string }>(`SELECT client_slug AS "clientSlug", endpoint_id AS "endpointId" FROM scans WHERE scan_id = ?`, [scanId]))[0];
        if (!row) throw new Error(`internal: no scan ${scanId} to re-evaluate`);
        await tx.run("DELETE FROM findings WHERE scan_id = ?", [scanId]);
        await insertFindings(tx, scanId, row.clientSlug, row.endpointId, findings);
        await tx.run("UPDATE scans SET summary = ? WHERE scan_id = ?", [JSON.stringify(summary), scanId]);
      });
    },
    async count() {
      return Number((await db.all<{ n: number }>("SELECT COUNT(*) AS n FROM scans"))[0]?.n ?? 0);
    },
  };
}

/**
 * Group commit: adds wait up to WAIT_MS (or until MAX_GROUP are queued) and are written in one transaction.
 * better-sqlite3 blocks the event loop while it writes, so without the short wait a group would rarely
 * hold more than the one or two requests that happened to be ready.
 */
class GroupCommit<T> {
  private static readonly MAX_GROUP = 64;
  private static readonly WAIT_MS = 1;
  private timer?: NodeJS.Timeout;
  private pending: { scan: NewScan; resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly db: SqlDriver,
    private readonly write: (tx: SqlExecutor, scan: NewScan) => Promise<T>,
  ) {}

  add(scan: NewScan): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ scan, resolve, reject });
      if (this.running) return;
      if (this.pending.length >= GroupCommit.MAX_GROUP) this.start();
      else this.timer ??= setTimeout(() => this.start(), GroupCommit.WAIT_MS);
    });
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    void this.flush();
  }

  private async flush(): Promise<void> {
    const group = this.pending.splice(0, GroupCommit.MAX_GROUP);
    const outcomes: ({ ok: true; value: T } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction(async (tx) => {
        for (const item of group) {
          await tx.run("SAVEPOINT scan_add");
          try {
            outcomes.push({ ok: true, value: await this.write(tx, item.scan) });
            await tx.run("RELEASE scan_add");
          } catch (error) {
            await tx.run("ROLLBACK TO scan_add");
            await tx.run("RELEASE scan_add");
            outcomes.push({ ok: false, error });
          }
        }
      });
      group.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (error) {
      for (const item of group) item.reject(error);
    }
    this.running = false;
    if (this.pending.length >= GroupCommit.MAX_GROUP) this.start();
    else if (this.pending.length > 0) this.timer ??= setTimeout(() => this.start(), GroupCommit.WAIT_MS);
  }
}

function insertFindings(tx: SqlExecutor, scanId: string, slug: string, endpointId: string, findings: Finding[]): Promise<void> {
  return insertMany(
    tx,
    "findings",
    ["scan_id", "id", "client_slug", "endpoint_id", "rule", "severity", "waived", "document"],
    findings.map((f) => [scanId, f.id, slug, endpointId, f.rule, f.severity, f.waived ? 1 : 0, JSON.stringify(f)]),
  );
}

function findingStore(db: SqlDriver): FindingStore {
  return {
    async current(slug) {
      const rows = await db.all<{ document: string }>(`SELECT f.document FROM findings f JOIN endpoints e ON e.client_slug = f.client_slug AND e.last_scan_id = f.scan_id WHERE f.client_slug = ?`, [slug]);
      return rows.map((r) => JSON.parse(r.document) as Finding).sort((a, b) => collate(a.endpoint.hostname, b.endpoint.hostname) || collate(a.rule, b.rule) || collate(a.id, b.id));
    },
    async history(slug, options = {}) {
      const limit = Math.min(options.limit ?? 1000, 10_000);
      const rows = await db.all(
        `SELECT ${SCAN_COLUMNS.replace(/\b(scan_id|client_slug|endpoint_id|collected_at|received_at|software_count|summary)\b/g, "s.$1")}, e.hostname FROM scans s JOIN endpoints e ON e.client_slug = s.client_slug AND e.id = s.endpoint_id
         WHERE s.client_slug = ? AND s.collected_at >= ? ORDER BY s.collected_at, s.scan_id LIMIT ?`,
        [slug, options.since ?? "", limit],
      );
      return rows.map((r) => ({ ...toScan(r), hostname: String(r.hostname) }));
    },
    async firstSeen(slug) {
      // Both sides filtered by client: a scan id never lends its date to another tenant's finding.
      const rows = await db.all<{ id: string; firstSeen: string }>(
        `SELECT f.id AS "id", MIN(s.collected_at) AS "firstSeen" FROM findings f JOIN scans s ON s.scan_id = f.scan_id AND s.client_slug = f.client_slug
         WHERE f.client_slug = ? GROUP BY f.id`,
        [slug],
      );
      return new Map(rows.map((r) => [String(r.id), String(r.firstSeen)]));
    },
    async at(slug, moment) {
      // Each endpoint's newest scan at the moment; scan_id breaks a tie of two scans collected in the same millisecond.
      const rows = await db.all<{ document: string }>(
        `SELECT f.document FROM findings f JOIN scans s ON s.scan_id = f.scan_id AND s.client_slug = f.client_slug
         WHERE f.client_slug = ? AND s.scan_id = (
           SELECT s2.scan_id FROM scans s2 WHERE s2.client_slug = s.client_slug AND s2.endpoint_id = s.endpoint_id AND s2.collected_at <= ?
           ORDER BY s2.collected_at DESC, s2.scan_id DESC LIMIT 1)`,
        [slug, moment],
      );
      return rows.map((r) => JSON.parse(r.document) as Finding).sort((a, b) => collate(a.endpoint.hostname, b.endpoint.hostname) || collate(a.rule, b.rule) || collate(a.id, b.id));
    },
  };
}

function toAuditEvent(row: Record<string, unknown>): AuditEvent {
  return {
    clientSlug: String(row.client_slug),
    seq: Number(row.seq),
    at: String(row.at),
    actor: String(row.actor),
    kind: String(row.kind),
    data: JSON.parse(String(row.data)) as Record<string, unknown>,
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

function auditStore(db: SqlDriver): AuditStore {
  return {
    async append(slug, event) {
      // The chain needs the newest event: read it and insert the next in one transaction. Two collector
      // instances appending at once both compute the same seq; the primary key refuses the second, which
      // reads the new newest event and tries again.
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction(async (tx) => {
            const last = (await tx.all("SELECT seq, hash FROM audit_events WHERE client_slug = ? ORDER BY seq DESC LIMIT 1", [slug]))[0];
            const next = chainEvent(slug, last ? { seq: Number(last.seq), hash: String(last.hash) } : undefined, event);
            await tx.run("INSERT INTO audit_events (client_slug, seq, at, actor, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
              slug,
              next.seq,
              next.at,
              next.actor,
              next.kind,
              canonicalJson(next.data),
              next.prevHash,
              next.hash,
            ]);
            return next;
          });
        } catch (error) {
          if (!(error instanceof UniqueViolationError) || attempt >= 20) throw error;
        }
      }
    },
    async list(slug) {
      const rows = await db.all("SELECT client_slug, seq, at, actor, kind, data, prev_hash, hash FROM audit_events WHERE client_slug = ? ORDER BY seq", [slug]);
      return rows.map(toAuditEvent);
    },
  };
}

const ACK_COLUMNS = `id, client_slug AS "clientSlug", kind, created_at AS "createdAt", created_by AS "createdBy", as_of AS "asOf", expires_at AS "expiresAt", signer_email AS "signerEmail", token_hash AS "tokenHash", accept_days AS "acceptDays", findings_sha256 AS "findingsSha256", pdf_sha256 AS "pdfSha256", status, signed_at AS "signedAt"`;

function toAck(row: Record<string, unknown>): AckDocument {
  return withoutUndefined({
    id: String(row.id),
    clientSlug: String(row.clientSlug),
    kind: row.kind as AckDocument["kind"],
    createdAt: String(row.createdAt),
    createdBy: String(row.createdBy),
    asOf: String(row.asOf),
    expiresAt: String(row.expiresAt),
    signerEmail: opt(row.signerEmail),
    tokenHash: String(row.tokenHash),
    acceptDays: Number(row.acceptDays),
    findingsSha256: String(row.findingsSha256),
    pdfSha256: String(row.pdfSha256),
    status: row.status as AckDocument["status"],
    signedAt: opt(row.signedAt),
  });
}

const DECISION_COLUMNS = `document_id AS "documentId", finding_id AS "findingId", rule, endpoint_id AS "endpointId", hostname, subject, decision, until, comment, decided_at AS "decidedAt", decided_by AS "decidedBy"`;

function toDecision(row: Record<string, unknown>): AckDecision {
  return withoutUndefined({
    documentId: String(row.documentId),
    findingId: String(row.findingId),
    rule: String(row.rule),
    endpointId: String(row.endpointId),
    hostname: String(row.hostname),
    subject: String(row.subject),
    decision: row.decision as AckDecision["decision"],
    until: String(row.until),
    comment: opt(row.comment),
    decidedAt: String(row.decidedAt),
    decidedBy: String(row.decidedBy),
  });
}

const SIGNATURE_COLUMNS = `document_id AS "documentId", method, signer_name AS "signerName", signer_title AS "signerTitle", signer_email AS "signerEmail", signed_at AS "signedAt", ip, user_agent AS "userAgent", recorded_by AS "recordedBy", pdf_sha256 AS "pdfSha256"`;

function toSignature(row: Record<string, unknown>): AckSignature {
  return withoutUndefined({
    documentId: String(row.documentId),
    method: row.method as AckSignature["method"],
    signerName: String(row.signerName),
    signerTitle: String(row.signerTitle),
    signerEmail: opt(row.signerEmail),
    signedAt: String(row.signedAt),
    ip: opt(row.ip),
    userAgent: opt(row.userAgent),
    recordedBy: String(row.recordedBy),
    pdfSha256: String(row.pdfSha256),
  });
}

function ackStore(db: SqlDriver): AckStore {
  return {
    async create(d) {
      // Only the id may exist already; a token hash that does is an error (it would open two documents).
      const { changes } = await db.run(
        `INSERT INTO ack_documents (id, client_slug, kind, created_at, created_by, as_of, expires_at, signer_email, token_hash, accept_days, findings, findings_sha256, view, pdf, pdf_sha256, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (id) DO NOTHING`,
        [d.id, d.clientSlug, d.kind, d.createdAt, d.createdBy, d.asOf, d.expiresAt, d.signerEmail ?? null, d.tokenHash, d.acceptDays, d.findings, d.findingsSha256, d.view, d.pdf, d.pdfSha256],
      );
      return changes === 1;
    },
    async get(slug, id) {
      const row = (await db.all(`SELECT ${ACK_COLUMNS} FROM ack_documents WHERE client_slug = ? AND id = ?`, [slug, id]))[0];
      return row ? toAck(row) : undefined;
    },
    async byTokenHash(hash) {
      const row = (await db.all(`SELECT ${ACK_COLUMNS} FROM ack_documents WHERE token_hash = ?`, [hash]))[0];
      return row ? toAck(row) : undefined;
    },
    async list(slug) {
      return (await db.all(`SELECT ${ACK_COLUMNS} FROM ack_documents WHERE client_slug = ? ORDER BY created_at DESC, id DESC`, [slug])).map(toAck);
    },
    async findings(slug, id) {
      const row = (await db.all<{ findings: string }>(`SELECT findings FROM ack_documents WHERE client_slug = ? AND id = ?`, [slug, id]))[0];
      return row?.findings;
    },
    async view(slug, id) {
      const row = (await db.all<{ view: string }>(`SELECT view FROM ack_documents WHERE client_slug = ? AND id = ?`, [slug, id]))[0];
      return row?.view;
    },
    async pdf(slug, id, which) {
      const sql = which === "report" ? `SELECT pdf FROM ack_documents WHERE client_slug = ? AND id = ?` : `SELECT pdf FROM ack_signatures WHERE client_slug = ? AND document_id = ?`;
      const row = (await db.all<{ pdf: Uint8Array }>(sql, [slug, id]))[0];
      return row ? new Uint8Array(row.pdf) : undefined;
    },
    async sign(slug, signature, decisions, pdf, now) {
      return db.transaction(async (tx) => {
        const status = signature.method === "electronic" ? "signed" : "wet-signed";
        // The conditional update is the single use of the link: of two submissions racing, one changes the row.
        const open = signature.method === "electronic" ? "status = 'pending' AND expires_at > ?" : "status = 'pending'";
        const params: SqlValue[] = [status, signature.signedAt, slug, signature.documentId, ...(signature.method === "electronic" ? [now] : [])];
        const { changes } = await tx.run(`UPDATE ack_documents SET status = ?, signed_at = ? WHERE client_slug = ? AND id = ? AND ${open}`, params);
        if (changes !== 1) return false;
        const s = signature;
        await tx.run(
          `INSERT INTO ack_signatures (document_id, client_slug, method, signer_name, signer_title, signer_email, signed_at, ip, user_agent, recorded_by, pdf, pdf_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [s.documentId, slug, s.method, s.signerName, s.signerTitle, s.signerEmail ?? null, s.signedAt, s.ip ?? null, s.userAgent ?? null, s.recordedBy, pdf, s.pdfSha256],
        );
        await insertMany(
          tx,
          "ack_decisions",
          ["document_id", "client_slug", "finding_id", "rule", "endpoint_id", "hostname", "subject", "decision", "until", "comment", "decided_at", "decided_by"],
          decisions.map((d) => [d.documentId, slug, d.findingId, d.rule, d.endpointId, d.hostname, d.subject, d.decision, d.until, d.comment ?? null, d.decidedAt, d.decidedBy]),
        );
        return true;
      });
    },
    async signature(slug, id) {
      const row = (await db.all(`SELECT ${SIGNATURE_COLUMNS} FROM ack_signatures WHERE client_slug = ? AND document_id = ?`, [slug, id]))[0];
      return row ? toSignature(row) : undefined;
    },
    async decisions(slug, documentId) {
      const rows = documentId === undefined
        ? await db.all(`SELECT ${DECISION_COLUMNS} FROM ack_decisions WHERE client_slug = ? ORDER BY decided_at, document_id, finding_id`, [slug])
        : await db.all(`SELECT ${DECISION_COLUMNS} FROM ack_decisions WHERE client_slug = ? AND document_id = ? ORDER BY finding_id`, [slug, documentId]);
      return rows.map(toDecision);
    },
    async decisionsVersion(slug) {
      const row = (await db.all<{ n: number; last: string | null }>(`SELECT COUNT(*) AS n, MAX(decided_at) AS last FROM ack_decisions WHERE client_slug = ?`, [slug]))[0];
      return `${Number(row?.n ?? 0)}@${row?.last ?? ""}`;
    },
  };
}

function noteStore(db: SqlDriver): NoteStore {
  return {
    async add(n) {
      await db.run("INSERT INTO client_notes (id, client_slug, on_date, channel, who, summary, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [n.id, n.clientSlug, n.date, n.channel, n.who, n.summary, n.recordedAt, n.recordedBy]);
    },
    async list(slug) {
      const rows = await db.all<ClientNote>(
        `SELECT id, client_slug AS "clientSlug", on_date AS "date", channel, who, summary, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM client_notes WHERE client_slug = ? ORDER BY on_date, recorded_at, id`,
        [slug],
      );
      return rows.map((r) => ({ ...r }));
    },
  };
}

const OUTBOX_COLUMNS = `id, client_slug AS "clientSlug", kind, dedupe_key AS "dedupeKey", payload, created_at AS "createdAt", attempts, next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", failed_at AS "failedAt", last_error AS "lastError"`;

function toOutboxMessage(row: Record<string, unknown>): OutboxMessage {
  return withoutUndefined({
    id: String(row.id),
    clientSlug: String(row.clientSlug),
    kind: String(row.kind),
    dedupeKey: String(row.dedupeKey),
    payload: JSON.parse(String(row.payload)) as Record<string, unknown>,
    createdAt: String(row.createdAt),
    attempts: Number(row.attempts),
    nextAttemptAt: String(row.nextAttemptAt),
    deliveredAt: opt(row.deliveredAt),
    failedAt: opt(row.failedAt),
    lastError: opt(row.lastError),
  });
}

function outboxStore(db: SqlDriver): OutboxStore {
  return {
    async enqueue(m) {
      const { changes } = await db.run(
        `INSERT INTO outbox (id, client_slug, kind, dedupe_key, payload, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
        [m.id, m.clientSlug, m.kind, m.dedupeKey, JSON.stringify(m.payload), m.createdAt, m.createdAt],
      );
      return changes === 1;
    },
    async due(now, limit) {
      const rows = await db.all(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at, id LIMIT ?`,
        [now, limit],
      );
      return rows.map(toOutboxMessage);
    },
    async markDelivered(id, at) {
      await db.run("UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ? AND delivered_at IS NULL", [at, id]);
    },
    async markFailed(id, error, nextAttemptAt, at) {
      await db.run(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), failed_at = ? WHERE id = ? AND delivered_at IS NULL AND failed_at IS NULL",
        [error, nextAttemptAt ?? null, nextAttemptAt === undefined ? at : null, id],
      );
    },
    async list(slug) {
      return (await db.all(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE client_slug = ? ORDER BY created_at, id`, [slug])).map(toOutboxMessage);
    },
  };
}

const USER_COLUMNS = `id, email, name, password_hash AS "passwordHash", created_at AS "createdAt", disabled_at AS "disabledAt", last_login_at AS "lastLoginAt"`;

function toUser(row: Record<string, unknown>): UserRecord {
  return withoutUndefined({
    id: String(row.id),
    email: String(row.email),
    name: String(row.name),
    passwordHash: String(row.passwordHash),
    createdAt: String(row.createdAt),
    disabledAt: opt(row.disabledAt),
    lastLoginAt: opt(row.lastLoginAt),
  });
}

function userStore(db: SqlDriver): UserStore {
  return {
    async create(u) {
      const { changes } = await db.run("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING", [u.id, u.email, u.name, u.passwordHash, u.createdAt]);
      return changes === 1;
    },
    async byEmail(email) {
      const row = (await db.all(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`, [email]))[0];
      return row ? toUser(row) : undefined;
    },
    async get(id) {
      const row = (await db.all(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]))[0];
      return row ? toUser(row) : undefined;
    },
    async list() {
      return (await db.all(`SELECT ${USER_COLUMNS} FROM users ORDER BY email`)).map(toUser);
    },
    async setPassword(id, passwordHash) {
      await db.run("UPDATE users SET password_hash = ? WHERE id = ?", [passwordHash, id]);
    },
    disable(id, at) {
      return db.transaction(async (tx) => {
        if ((await tx.run("UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL", [at, id])).changes !== 1) return false;
        await tx.run("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL", [at, id]);
        return true;
      });
    },
    async recordLogin(id, at) {
      await db.run("UPDATE users SET last_login_at = ? WHERE id = ?", [at, id]);
    },
  };
}

function toSession(row: Record<string, unknown>): SessionRecord {
  return withoutUndefined({
    idHash: String(row.idHash),
    userId: String(row.userId),
    createdAt: String(row.createdAt),
    expiresAt: String(row.expiresAt),
    lastSeenAt: String(row.lastSeenAt),
    ip: opt(row.ip),
    userAgent: opt(row.userAgent),
    endedAt: opt(row.endedAt),
  });
}

function sessionStore(db: SqlDriver): SessionStore {
  return {
    async create(s) {
      await db.run("INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)", [s.idHash, s.userId, s.createdAt, s.expiresAt, s.lastSeenAt, s.ip ?? null, s.userAgent ?? null]);
    },
    async get(idHash) {
      const row = (
        await db.all(`SELECT id_hash AS "idHash", user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt", last_seen_at AS "lastSeenAt", ip, user_agent AS "userAgent", ended_at AS "endedAt" FROM sessions WHERE id_hash = ?`, [idHash])
      )[0];
      return row ? toSession(row) : undefined;
    },
    async touch(idHash, at) {
      await db.run("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL", [at, idHash]);
    },
    async end(idHash, at) {
      await db.run("UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL", [at, idHash]);
    },
    async endAll(userId, at) {
      return (await db.run("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL", [at, userId])).changes;
    },
  };
}
