// Store interfaces, one small interface per aggregate (clients, tokens, catalogs, endpoints, scans,
// findings). Services depend on these only; collector/src/store/sql implements them for SQLite and
// PostgreSQL, and one contract test suite (store.contract.test.ts) runs against both.
import type { Catalog, Purchase } from "../../../schemas/catalog.v1.js";
import type { Finding } from "../../../schemas/findings.v1.js";
import type { AuditEvent, AuditEventInput } from "../domain/audit-chain.js";

export interface Client {
  slug: string;
  name: string;
  createdAt: string;
}

export type TokenKind = "agent" | "admin";

export interface TokenRecord {
  id: string;
  kind: TokenKind;
  /** The client an agent token writes to; undefined for admin tokens. */
  clientSlug?: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  hash: string;
  label?: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

export interface StoredCatalog {
  catalog: Catalog;
  /** The text as uploaded (YAML or JSON), kept for audit and download. */
  source: string;
  procurement: Purchase[];
  updatedAt: string;
}

export interface EndpointRecord {
  clientSlug: string;
  id: string;
  hostname: string;
  os: string;
  type: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  firstSeen: string;
  lastSeen: string;
  lastScanId: string;
  scans: number;
}

export interface ScanRecord {
  scanId: string;
  clientSlug: string;
  endpointId: string;
  collectedAt: string;
  receivedAt: string;
  softwareCount: number;
  /** What ingest answered for this scan; a retry gets the same answer. */
  summary: IngestSummary;
}

export interface IngestSummary {
  findings: number;
  waived: number;
  bySeverity: Record<string, number>;
}

export interface NewScan {
  scanId: string;
  clientSlug: string;
  collectedAt: string;
  receivedAt: string;
  /** The document as received: its text, and the gzip bytes the agent sent when it sent gzip (stored as they came). */
  inventory: { text: string; gzip?: Uint8Array };
  endpoint: Omit<EndpointRecord, "clientSlug" | "firstSeen" | "lastSeen" | "lastScanId" | "scans">;
  softwareCount: number;
  findings: Finding[];
  summary: IngestSummary;
}

export interface ClientStore {
  /** Returns false when the slug exists already. */
  create(client: Client): Promise<boolean>;
  get(slug: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
}

export interface TokenStore {
  create(token: TokenRecord): Promise<void>;
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  list(clientSlug?: string): Promise<TokenRecord[]>;
  /** Returns false when no such (unrevoked) token exists. */
  revoke(id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
}

export interface CatalogStore {
  put(clientSlug: string, catalog: StoredCatalog): Promise<void>;
  get(clientSlug: string): Promise<StoredCatalog | undefined>;
  /** When the catalog last changed (cheap: lets every collector instance notice another's upload). */
  updatedAt(clientSlug: string): Promise<string | undefined>;
}

export interface EndpointStore {
  list(clientSlug: string): Promise<EndpointRecord[]>;
  get(clientSlug: string, id: string): Promise<EndpointRecord | undefined>;
}

export interface ScanStore {
  /**
   * Stores a scan (the whole inventory, compressed), its findings and the endpoint update in one transaction. Idempotent by
   * scanId: when it exists already nothing is written and the stored record is returned (created: false).
   */
  add(scan: NewScan): Promise<{ created: boolean; record: ScanRecord }>;
  get(clientSlug: string, scanId: string): Promise<ScanRecord | undefined>;
  /** The stored document of a scan (exactly as received). */
  inventoryText(clientSlug: string, scanId: string): Promise<string | undefined>;
  /** The newest scan of an endpoint collected before a moment (the previous scan, for drift). */
  previous(clientSlug: string, endpointId: string, before: string): Promise<ScanRecord | undefined>;
  list(clientSlug: string, options?: { endpointId?: string; limit?: number }): Promise<ScanRecord[]>;
  /** Replaces the findings stored for a scan (re-evaluation after a catalog change). */
  replaceFindings(scanId: string, findings: Finding[], summary: IngestSummary): Promise<void>;
  count(): Promise<number>;
}

export interface FindingStore {
  /** The findings of every endpoint's latest scan. */
  current(clientSlug: string): Promise<Finding[]>;
  /** Per scan, oldest first: what ingest found then. */
  history(clientSlug: string, options?: { since?: string; limit?: number }): Promise<(ScanRecord & { hostname: string })[]>;
  /**
   * Finding id -> the earliest collectedAt (as stored: ISO 8601 UTC) of the client's scans whose stored
   * findings hold that id. Ids hash rule, endpoint and subject, so this is when the store first saw a risk,
   * however many scans ago.
   */
  firstSeen(clientSlug: string): Promise<Map<string, string>>;
  /** The findings of each endpoint's newest scan collected at or before a moment (what current() was then). */
  at(clientSlug: string, moment: string): Promise<Finding[]>;
}

/** The per-client audit log: append-only, each event chained to the one before it (domain/audit-chain.ts). */
export interface AuditStore {
  /** Appends an event after the client's newest one; concurrent appends for one client take turns. */
  append(clientSlug: string, event: AuditEventInput): Promise<AuditEvent>;
  /** Oldest first. */
  list(clientSlug: string): Promise<AuditEvent[]>;
}

export type AckKind = "baseline" | "periodic";
export type AckStatus = "pending" | "signed" | "wet-signed";

/** An acknowledgement document: the findings frozen at request time, the PDF made from them, a signing link. */
export interface AckDocument {
  id: string;
  clientSlug: string;
  kind: AckKind;
  createdAt: string;
  createdBy: string;
  asOf: string;
  /** When the signing link stops working. */
  expiresAt: string;
  signerEmail?: string;
  /** SHA-256 of the signing link's token, hex; the token itself is never stored. */
  tokenHash: string;
  /** How long an accepted risk stays accepted (days from signing). */
  acceptDays: number;
  findingsSha256: string;
  pdfSha256: string;
  status: AckStatus;
  /** When it was signed (or the wet-signed scan recorded). */
  signedAt?: string;
}

export interface NewAckDocument extends Omit<AckDocument, "status" | "signedAt"> {
  /** The findings document exactly as frozen (its bytes are what findingsSha256 is of). */
  findings: string;
  /** What the signing page shows, frozen with the document (JSON: the report's view model and its waiver statement). */
  view: string;
  pdf: Uint8Array;
}

export type AckDecisionKind = "accept" | "remediate";

/** One decision of a signed acknowledgement, about one finding of its snapshot. */
export interface AckDecision {
  documentId: string;
  findingId: string;
  rule: string;
  endpointId: string;
  hostname: string;
  subject: string;
  decision: AckDecisionKind;
  /** accept: the waiver's expiry; remediate: the promised date. ISO date. */
  until: string;
  comment?: string;
  /** The signing time (ISO 8601). */
  decidedAt: string;
  /** Name and title of who decided, as typed. */
  decidedBy: string;
}

export interface AckSignature {
  documentId: string;
  method: "electronic" | "wet-ink";
  signerName: string;
  signerTitle: string;
  signerEmail?: string;
  signedAt: string;
  ip?: string;
  userAgent?: string;
  /** Who recorded it: "signing-page", or the CLI actor that imported a wet-signed scan. */
  recordedBy: string;
  /** SHA-256 of the signed PDF (electronic) or of the scanned paper (wet-ink). */
  pdfSha256: string;
}

export interface AckStore {
  /** Returns false when the id exists already. */
  create(document: NewAckDocument): Promise<boolean>;
  get(clientSlug: string, id: string): Promise<AckDocument | undefined>;
  /** The document a signing link opens; any client (the token is the only key the signer has). */
  byTokenHash(tokenHash: string): Promise<AckDocument | undefined>;
  /** Newest first. */
  list(clientSlug: string): Promise<AckDocument[]>;
  findings(clientSlug: string, id: string): Promise<string | undefined>;
  view(clientSlug: string, id: string): Promise<string | undefined>;
  /** report: the PDF sent for signature; signed: the signed PDF or the imported scan. */
  pdf(clientSlug: string, id: string, which: "report" | "signed"): Promise<Uint8Array | undefined>;
  /**
   * Records a signature, its decisions and its PDF in one transaction, if the document is still open:
   * electronic signatures need it pending and its link unexpired at `now`; a wet-ink scan may come back
   * after the link expired. Returns false (nothing written) when it is not open: signed already, or expired.
   */
  sign(clientSlug: string, signature: AckSignature, decisions: AckDecision[], pdf: Uint8Array, now: string): Promise<boolean>;
  signature(clientSlug: string, id: string): Promise<AckSignature | undefined>;
  /** Decisions of a client's signed documents, oldest first (a later decision about a finding replaces an earlier one). */
  decisions(clientSlug: string, documentId?: string): Promise<AckDecision[]>;
  /** Changes whenever a client's decisions do (cheap: lets an evaluator cache its waivers). */
  decisionsVersion(clientSlug: string): Promise<string>;
}

/** One entry of a client's communications log: a call, an email, a meeting, an escalation. */
export interface ClientNote {
  id: string;
  clientSlug: string;
  /** The day it happened, YYYY-MM-DD. */
  date: string;
  channel: string;
  /** Who took part (names, roles). */
  who: string;
  summary: string;
  recordedAt: string;
  recordedBy: string;
}

export interface NoteStore {
  add(note: ClientNote): Promise<void>;
  /** Oldest first, by the day it happened. */
  list(clientSlug: string): Promise<ClientNote[]>;
}

/** A message waiting for delivery (a reminder); the dedupe key makes queuing it idempotent. */
export interface OutboxMessage {
  id: string;
  clientSlug: string;
  kind: string;
  /** Unique: a second message with the same key is not queued (e.g. waiver-expiring:<slug>:<waiver key>:<expires>). */
  dedupeKey: string;
  payload: Record<string, unknown>;
  createdAt: string;
  attempts: number;
  /** When delivery is (next) tried; meaningless once delivered or failed. */
  nextAttemptAt: string;
  deliveredAt?: string;
  /** When delivery was given up. */
  failedAt?: string;
  lastError?: string;
}

export type NewOutboxMessage = Omit<OutboxMessage, "attempts" | "nextAttemptAt" | "deliveredAt" | "failedAt" | "lastError">;

export interface OutboxStore {
  /** Queues a message, due at once. Returns false (nothing written) when its dedupe key exists already. */
  enqueue(message: NewOutboxMessage): Promise<boolean>;
  /** Undelivered, not given up, next attempt at or before `now`: the oldest due first. */
  due(now: string, limit: number): Promise<OutboxMessage[]>;
  markDelivered(id: string, at: string): Promise<void>;
  /** Counts an attempt that failed: tried again at nextAttemptAt, or given up (failed_at = at) when it is undefined. */
  markFailed(id: string, error: string, nextAttemptAt: string | undefined, at: string): Promise<void>;
  /** A client's messages, oldest first. */
  list(clientSlug: string): Promise<OutboxMessage[]>;
}

/** A person at the MSP who signs in to the dashboard. */
export interface UserRecord {
  id: string;
  /** Lowercase; unique. */
  email: string;
  name: string;
  /** scrypt$N$r$p$salt$hash (service/passwords.ts); the password itself is never stored. */
  passwordHash: string;
  createdAt: string;
  disabledAt?: string;
  lastLoginAt?: string;
}

export interface UserStore {
  /** Returns false when the email exists already. */
  create(user: UserRecord): Promise<boolean>;
  byEmail(email: string): Promise<UserRecord | undefined>;
  get(id: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  setPassword(id: string, passwordHash: string): Promise<void>;
  /** Returns false when no such enabled user exists. Ends the user's sessions in the same transaction. */
  disable(id: string, at: string): Promise<boolean>;
  recordLogin(id: string, at: string): Promise<void>;
}

/** A signed-in dashboard session; the cookie holds a secret whose SHA-256 is the id. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: string;
  /** Absolute end, however active the session is. */
  expiresAt: string;
  lastSeenAt: string;
  ip?: string;
  userAgent?: string;
  endedAt?: string;
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, at: string): Promise<void>;
  end(idHash: string, at: string): Promise<void>;
  /** Ends every open session of a user (password change). */
  endAll(userId: string, at: string): Promise<number>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly clients: ClientStore;
  readonly tokens: TokenStore;
  readonly catalogs: CatalogStore;
  readonly endpoints: EndpointStore;
  readonly scans: ScanStore;
  readonly findings: FindingStore;
  readonly audit: AuditStore;
  readonly acks: AckStore;
  readonly notes: NoteStore;
  readonly outbox: OutboxStore;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  close(): Promise<void>;
}
