// One client's complete findings document (caveat.findings/v1) from the collector's database, evaluated
// as of a given moment: what `caveat report` renders for the client to sign. Every endpoint's latest scan
// is evaluated again with the scan before it as history, so end-of-life dates, waiver expiry and
// endpoint.stale are judged as of `now`, not as of the day each scan arrived. What only the store knows
// (the whole history) is laid over the evaluation: the endpoints' first and last seen and scan counts,
// and each finding's first sighting however many scans ago.
import type { EndpointSummary, Finding, Findings } from "../../../schemas/findings.v1.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { assertFindings, ContractError, parseInventory } from "../../../schemas/validate.js";
import type { EndpointRecord, Store } from "../store/types.js";
import { ServiceError } from "./errors.js";
import type { Evaluator } from "./evaluation.js";

/** An endpoint left out of the document because a stored inventory it needs cannot be used. */
export interface SkippedEndpoint {
  endpointId: string;
  hostname: string;
  /** The scan whose stored inventory failed (the latest, or the one before it). */
  scanId: string;
  reason: string;
}

/**
 * Skipped endpoints are part of the answer, not a log line: a report that silently lacks a computer is
 * worse than no report, so the caller has to look at them (the CLI prints them on stderr and decides
 * whether to go on). An endpoint is skipped whole when its latest scan or the scan before it cannot be
 * read, decompressed or parsed as caveat.inventory/v1: evaluating the latest scan alone would report it
 * as endpoint.new and miss its drift, so the document holds only endpoints evaluated exactly as ingest
 * would. A database failure is not a skipped endpoint: it throws, and no document is made.
 */
export interface ClientFindings {
  findings: Findings;
  /** In the order of the endpoint list (hostname, then id); empty when every endpoint was evaluated. */
  skipped: SkippedEndpoint[];
}

/**
 * The findings of every endpoint of `slug` as of `now`. Deterministic: the same stored data and `now`
 * give the same document (generatedAt is `now`). Throws ServiceError not_found for an unknown client.
 */
export async function clientFindings(store: Store, evaluator: Evaluator, slug: string, now: Date): Promise<ClientFindings> {
  const client = await store.clients.get(slug);
  if (!client) throw new ServiceError("not_found", `no client "${slug}"`);
  const scans: Inventory[] = [];
  const records = new Map<string, EndpointRecord>();
  const skipped: SkippedEndpoint[] = [];
  for (const endpoint of await store.endpoints.list(slug)) {
    // SQLite calls (and gunzip, JSON.parse) block the event loop: let ingest and health checks in between.
    await new Promise((resolve) => setImmediate(resolve));
    const history = await readHistory(store, slug, endpoint);
    if ("skipped" in history) {
      skipped.push(history.skipped);
      continue;
    }
    scans.push(...history.scans);
    records.set(endpoint.id, endpoint);
  }
  await new Promise((resolve) => setImmediate(resolve));
  const [evaluated, stored] = await Promise.all([evaluator.evaluateMany(slug, scans, now), store.findings.firstSeen(slug)]);

  const endpoints = evaluated.endpoints.map((e) => withStoredHistory(e, records.get(e.id)));
  const findings = evaluated.findings.map((f) => withFirstSeen(f, stored.get(f.id)));
  const { schema, asOf, client: clientSlug, generatedAt, generator, summary } = evaluated;
  const document: Findings = {
    schema,
    asOf,
    client: clientSlug,
    clientName: client.name,
    generatedAt,
    ...(generator !== undefined ? { generator } : {}),
    // The evaluation saw at most two scans per endpoint; the summary counts what the endpoints list says.
    summary: { ...summary, scans: endpoints.reduce((n, e) => n + e.scans, 0) },
    endpoints,
    findings,
  };
  // The report renders this as is: a stored value the contract refuses (a client name over 256
  // characters, say) must stop here, named, rather than end up in a PDF.
  return { findings: assertFindings(document, `findings of client "${slug}"`), skipped };
}

type History = { scans: Inventory[] } | { skipped: SkippedEndpoint };

/** The endpoint's latest scan and the stored scan collected before it, oldest first. */
async function readHistory(store: Store, slug: string, endpoint: EndpointRecord): Promise<History> {
  const latest = await readInventory(store, slug, endpoint, endpoint.lastScanId);
  if (typeof latest === "string") return { skipped: skip(endpoint, endpoint.lastScanId, latest) };
  // lastSeen is the latest scan's collected_at as stored, the same moment Evaluator.evaluate looks before.
  const previousRecord = await store.scans.previous(slug, endpoint.id, endpoint.lastSeen);
  if (!previousRecord) return { scans: [latest] };
  const previous = await readInventory(store, slug, endpoint, previousRecord.scanId);
  if (typeof previous === "string") return { skipped: skip(endpoint, previousRecord.scanId, `the scan before the latest: ${previous}`) };
  return { scans: [previous, latest] };
}

/** The stored inventory of one scan, or why it cannot be used. */
async function readInventory(store: Store, slug: string, endpoint: EndpointRecord, scanId: string): Promise<Inventory | string> {
  let text: string | undefined;
  try {
    text = await store.scans.inventoryText(slug, scanId);
  } catch (error) {
    if (!isUndecodable(error)) throw error;
    return `stored inventory of scan ${scanId} cannot be decompressed (${(error as Error).message})`;
  }
  if (text === undefined) return `scan ${scanId} has no stored inventory`;
  let inventory: Inventory;
  try {
    inventory = parseInventory(text, `stored scan ${scanId}`);
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    const first = error.violations.slice(0, 3).map((v) => `${v.pointer || "/"}: ${v.message}`);
    const more = error.violations.length > 3 ? `; and ${error.violations.length - 3} more` : "";
    return `stored inventory of scan ${scanId} does not follow caveat.inventory/v1 (${first.join("; ")}${more})`;
  }
  // Evaluation groups scans by the document's endpoint id: one filed under another endpoint would merge two histories.
  if (inventory.scanId !== scanId || inventory.endpoint.id !== endpoint.id) {
    return `stored inventory of scan ${scanId} is scan ${inventory.scanId} of endpoint ${inventory.endpoint.id}`;
  }
  return inventory;
}

/** zlib's errors (corrupt or truncated gzip) and a document too large to become a string; not database errors. */
function isUndecodable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && (code.startsWith("Z_") || code === "ERR_STRING_TOO_LONG" || code === "ERR_BUFFER_TOO_LARGE");
}

function skip(endpoint: EndpointRecord, scanId: string, reason: string): SkippedEndpoint {
  return { endpointId: endpoint.id, hostname: endpoint.hostname, scanId, reason };
}

/** First and last seen and the scan count from the store, which knows the whole history. */
function withStoredHistory(summary: EndpointSummary, record: EndpointRecord | undefined): EndpointSummary {
  if (!record) throw new Error(`internal: endpoint ${summary.id} was evaluated but is not among the client's endpoints`);
  return { ...summary, firstSeen: record.firstSeen, lastSeen: record.lastSeen, scans: record.scans };
}

/**
 * The earlier of what the evaluation saw (two scans) and the first stored scan whose findings hold the
 * same id, in UTC: the evaluation copies collectedAt as the agent wrote it (any offset), the store keeps UTC.
 */
function withFirstSeen(finding: Finding, storedFirstSeen: string | undefined): Finding {
  const moments = [finding.firstSeen, storedFirstSeen].map((m) => (m === undefined ? NaN : Date.parse(m))).filter((m) => Number.isFinite(m));
  if (moments.length === 0) return finding;
  return { ...finding, firstSeen: new Date(Math.min(...moments)).toISOString() };
}
