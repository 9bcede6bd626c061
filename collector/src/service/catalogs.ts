// Per-client catalog and procurement register uploads. A change applies at once: every endpoint's
// latest scan is evaluated again, so a new waiver or an approved title shows in the current findings.
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { ContractError } from "../../../schemas/validate.js";
import { parseCatalog } from "../catalog/load-catalog.js";
import { parseProcurementCsv } from "../catalog/procurement-csv.js";
import type { Client, Store } from "../store/types.js";
import type { Purchase } from "../../../schemas/catalog.v1.js";
import { createHash } from "node:crypto";
import { recordAudit, recordCatalogChange } from "./audit.js";
import { ServiceError } from "./errors.js";
import { summaryOf, type Evaluator } from "./evaluation.js";

/**
 * `register`: the rows of the catalog's procurementFile, read by a caller that has the file (the CLI);
 * over HTTP the register is uploaded on its own (putProcurement).
 */
export async function putCatalog(store: Store, evaluator: Evaluator, slug: string, text: string, now: Date, register?: Purchase[], actor = "system"): Promise<{ reevaluated: number }> {
  await requireClient(store, slug);
  let catalog;
  try {
    catalog = parseCatalog(text, "catalog");
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    throw new ServiceError("invalid_catalog", error.message, error.violations);
  }
  if (catalog.client !== slug) throw new ServiceError("invalid_catalog", `the catalog is for client "${catalog.client}", not "${slug}"`);
  if (catalog.procurementFile !== undefined && register === undefined) {
    throw new ServiceError("invalid_catalog", `procurementFile cannot be read by the server: upload the register with PUT /api/v1/clients/${slug}/procurement (text/csv) or caveat catalog push --procurement FILE`);
  }
  const previous = await store.catalogs.get(slug);
  await store.catalogs.put(slug, { catalog, source: text, procurement: register ?? previous?.procurement ?? [], updatedAt: now.toISOString() });
  await recordCatalogChange(store, slug, previous?.catalog, catalog, text, actor, now);
  if (register !== undefined) await recordAudit(store, slug, "procurement.changed", { purchases: register.length, via: "catalog procurementFile" }, actor, now);
  evaluator.invalidate(slug);
  return { reevaluated: await reevaluateClient(store, evaluator, slug, now) };
}

export async function putProcurement(store: Store, evaluator: Evaluator, slug: string, csv: string, now: Date, actor = "system"): Promise<{ purchases: number; reevaluated: number }> {
  await requireClient(store, slug);
  const stored = await store.catalogs.get(slug);
  if (!stored) throw new ServiceError("conflict", `client "${slug}" has no catalog yet: upload the catalog first`);
  let procurement;
  try {
    procurement = parseProcurementCsv(csv, "procurement register");
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    throw new ServiceError("invalid_procurement", error.message, error.violations);
  }
  await store.catalogs.put(slug, { ...stored, procurement, updatedAt: now.toISOString() });
  await recordAudit(store, slug, "procurement.changed", { purchases: procurement.length, sha256: createHash("sha256").update(csv).digest("hex") }, actor, now);
  evaluator.invalidate(slug);
  return { purchases: procurement.length, reevaluated: await reevaluateClient(store, evaluator, slug, now) };
}

const running = new Map<string, Promise<number>>();

/**
 * Evaluates every endpoint's latest scan again (catalog changed, or a new day moved end-of-life dates).
 * One run per client at a time (a second waits for the first), and it yields to the event loop between
 * endpoints: SQLite calls are synchronous, and ingest and health checks must keep being answered.
 */
export function reevaluateClient(store: Store, evaluator: Evaluator, slug: string, now: Date): Promise<number> {
  const previous = running.get(slug) ?? Promise.resolve(0);
  const next = previous.catch(() => 0).then(() => reevaluateNow(store, evaluator, slug, now));
  running.set(slug, next);
  void next.finally(() => {
    if (running.get(slug) === next) running.delete(slug);
  }).catch(() => undefined);
  return next;
}

async function reevaluateNow(store: Store, evaluator: Evaluator, slug: string, now: Date): Promise<number> {
  let count = 0;
  for (const endpoint of await store.endpoints.list(slug)) {
    await new Promise((resolve) => setImmediate(resolve));
    const text = await store.scans.inventoryText(slug, endpoint.lastScanId);
    if (!text) continue;
    const findings = await evaluator.evaluate(slug, JSON.parse(text) as Inventory, now);
    await store.scans.replaceFindings(endpoint.lastScanId, findings.findings, summaryOf(findings));
    count++;
  }
  return count;
}

/**
 * Every client's current findings evaluated again as of `now`: end-of-life dates pass and waivers
 * expire while an endpoint may not report for days. `caveat serve` runs this once a day.
 */
export async function reevaluateAll(store: Store, evaluator: Evaluator, now: Date): Promise<{ clients: number; endpoints: number }> {
  let endpoints = 0;
  const clients = await store.clients.list();
  for (const client of clients) endpoints += await reevaluateClient(store, evaluator, client.slug, now);
  return { clients: clients.length, endpoints };
}

export async function requireClient(store: Store, slug: string): Promise<Client> {
  const client = await store.clients.get(slug);
  if (!client) throw new ServiceError("not_found", `no client "${slug}"`);
  return client;
}
