// What the MSP dashboard shows: per client, its endpoints, current findings, acknowledgements, notes,
// trend of open findings and its standing (domain/standing.ts) now and in the past. Read-only use cases
// over the store; the pages (http/dashboard-routes.ts) only format what these return.
import type { Finding, Findings } from "../../../schemas/findings.v1.js";
import { computeStanding, type AdvisedDocument, type Standing } from "../domain/standing.js";
import { dayRange, openFindingsSeries, type SeriesPoint } from "../domain/trend.js";
import type { AckDocument, AckSignature, Client, ClientNote, EndpointRecord, ScanRecord, Store } from "../store/types.js";
import { decidable } from "./acks.js";
import { requireClient } from "./catalogs.js";

export interface DashboardOptions {
  now: Date;
  /** An advised risk with no answer after this many days counts as ignored. */
  ignoreAfterDays: number;
}

export interface AckStatusSummary {
  pending: number;
  /** Pending documents whose link expired unsigned. */
  lapsed: number;
  signed: number;
  lastRequestedAt?: string;
  lastSignedAt?: string;
}

export interface ClientSummary {
  client: Client;
  endpoints: number;
  lastScanAt?: string;
  /** Unwaived current findings by severity. */
  open: Record<string, number>;
  openTotal: number;
  waived: number;
  standing: Standing;
  /** The score TREND_WEEKS weeks ago, to show the direction. */
  scoreBefore: number | null;
  acks: AckStatusSummary;
  /** Open findings at the end of each week, oldest first. */
  trend: SeriesPoint[];
}

export interface ClientDashboard extends ClientSummary {
  endpointList: (EndpointRecord & { open: number })[];
  findings: Finding[];
  documents: (AckDocument & { signature?: AckSignature; decisions: number })[];
  notes: ClientNote[];
  /** The score at the end of each week, oldest first (null: nothing scoreable yet). */
  scoreHistory: { at: string; score: number | null }[];
}

/** Weeks of history the charts show. */
export const TREND_WEEKS = 13;

export async function clientSummaries(store: Store, options: DashboardOptions): Promise<ClientSummary[]> {
  const clients = await store.clients.list();
  const summaries: ClientSummary[] = [];
  // One client at a time: a dashboard view must not take every database connection at once.
  for (const client of clients) summaries.push((await gather(store, client, options)).summary);
  return summaries;
}

export async function clientDashboard(store: Store, slug: string, options: DashboardOptions): Promise<ClientDashboard> {
  const client = await requireClient(store, slug);
  const { summary, endpoints, findings, documents, decisions, weeks, scoreAt } = await gather(store, client, options);
  const [notes, signatures, firstSeen] = await Promise.all([
    store.notes.list(slug),
    Promise.all(documents.map((d) => (d.status === "pending" ? undefined : store.acks.signature(slug, d.id)))),
    store.findings.firstSeen(slug),
  ]);
  const openByEndpoint = new Map<string, number>();
  for (const f of findings) if (!f.waived) openByEndpoint.set(f.endpoint.id, (openByEndpoint.get(f.endpoint.id) ?? 0) + 1);
  const decisionsByDocument = new Map<string, number>();
  for (const d of decisions) decisionsByDocument.set(d.documentId, (decisionsByDocument.get(d.documentId) ?? 0) + 1);
  // The first week's score is the summary's scoreBefore, the last week's its standing now.
  const scoreHistory = [{ at: weeks[0]!, score: summary.scoreBefore }];
  for (const day of weeks.slice(1, -1)) scoreHistory.push({ at: day, score: await scoreAt(day) });
  scoreHistory.push({ at: weeks.at(-1)!, score: summary.standing.score });
  return {
    ...summary,
    endpointList: endpoints.map((e) => ({ ...e, open: openByEndpoint.get(e.id) ?? 0 })),
    // When the store first saw each risk, however many scans ago (an ingest only compares with the scan before).
    findings: findings.map((f) => (firstSeen.has(f.id) ? { ...f, firstSeen: firstSeen.get(f.id)! } : f)),
    documents: documents.map((d, i) => ({ ...d, ...(signatures[i] ? { signature: signatures[i] } : {}), decisions: decisionsByDocument.get(d.id) ?? 0 })),
    notes: notes.slice().reverse(),
    scoreHistory,
  };
}

async function gather(store: Store, client: Client, options: DashboardOptions) {
  const slug = client.slug;
  const now = options.now.toISOString();
  const [endpoints, findings, documents, decisions, history] = await Promise.all([
    store.endpoints.list(slug),
    store.findings.current(slug),
    store.acks.list(slug),
    store.acks.decisions(slug),
    // A quarter before the window: an endpoint silent for longer than that counts from its next scan.
    scansSince(store, slug, new Date(options.now.getTime() - (TREND_WEEKS * 7 + 90) * 86_400_000).toISOString()),
  ]);
  const advised = await advisedDocuments(store, slug, documents);
  const standing = computeStanding({ at: now, ignoreAfterDays: options.ignoreAfterDays, current: findings, documents: advised, decisions });
  const weeks = dayRange(now.slice(0, 10), TREND_WEEKS, 7);
  /** The score at the end of a past day, from what the store held then. */
  const scoreAt = async (day: string) => {
    const at = endOfDay(day);
    return computeStanding({ at, ignoreAfterDays: options.ignoreAfterDays, current: await store.findings.at(slug, at), documents: advised, decisions }).score;
  };
  const scoreBefore = await scoreAt(weeks[0]!);
  const open: Record<string, number> = {};
  let waived = 0;
  for (const f of findings) {
    if (f.waived) waived++;
    else open[f.severity] = (open[f.severity] ?? 0) + 1;
  }
  const summary: ClientSummary = {
    client,
    endpoints: endpoints.length,
    ...(endpoints.length ? { lastScanAt: endpoints.map((e) => e.lastSeen).sort().at(-1) } : {}),
    open,
    openTotal: Object.values(open).reduce((a, b) => a + b, 0),
    waived,
    standing,
    scoreBefore,
    acks: ackStatus(documents, options.now),
    trend: openFindingsSeries(history.map((h) => ({ endpointId: h.endpointId, collectedAt: h.collectedAt, bySeverity: h.summary.bySeverity })), weeks),
  };
  return { summary, endpoints, findings, documents, decisions, weeks, scoreAt };
}

/** Every scan collected since a moment, oldest first, read a page at a time (history() caps what one call returns). */
export async function scansSince(store: Store, slug: string, since: string, pageSize = 10_000): Promise<ScanRecord[]> {
  const scans = new Map<string, ScanRecord>();
  for (let from = since, size = pageSize; ; ) {
    const page = await store.findings.history(slug, { since: from, limit: size });
    for (const scan of page) scans.set(scan.scanId, scan);
    const last = page.at(-1)?.collectedAt;
    if (page.length < size || last === undefined) break;
    // Pages overlap at their boundary moment (since is inclusive). A full page all at one moment cannot
    // move on: read it again, larger.
    if (last === from) size *= 2;
    else from = last;
  }
  return [...scans.values()];
}

/** Each document with the findings it asked the client to decide (its frozen snapshot). */
async function advisedDocuments(store: Store, slug: string, documents: AckDocument[]): Promise<AdvisedDocument[]> {
  return Promise.all(
    documents.map(async (d) => {
      const text = await store.acks.findings(slug, d.id);
      const snapshot = text === undefined ? [] : decidable(JSON.parse(text) as Findings);
      return { id: d.id, createdAt: d.createdAt, status: d.status, ...(d.signedAt ? { signedAt: d.signedAt } : {}), acceptDays: d.acceptDays, findings: snapshot };
    }),
  );
}

function ackStatus(documents: AckDocument[], now: Date): AckStatusSummary {
  const pending = documents.filter((d) => d.status === "pending");
  const signed = documents.filter((d) => d.status !== "pending");
  const last = (values: (string | undefined)[]) => values.filter((v): v is string => v !== undefined).sort().at(-1);
  const lastRequestedAt = last(documents.map((d) => d.createdAt));
  const lastSignedAt = last(signed.map((d) => d.signedAt));
  return {
    pending: pending.filter((d) => Date.parse(d.expiresAt) > now.getTime()).length,
    lapsed: pending.filter((d) => !(Date.parse(d.expiresAt) > now.getTime())).length,
    signed: signed.length,
    ...(lastRequestedAt ? { lastRequestedAt } : {}),
    ...(lastSignedAt ? { lastSignedAt } : {}),
  };
}

function endOfDay(day: string): string {
  return `${day}T23:59:59.999Z`;
}
