// Ingest: one inventory from an agent, authenticated by its client's token. Validated, evaluated against
// the client's catalog with the previous scan as history, stored with its findings in one transaction,
// and idempotent by scanId so an agent's retry never stores anything twice.
import { ContractError, parseInventory } from "../../../schemas/validate.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import type { Store, TokenRecord } from "../store/types.js";
import { ServiceError } from "./errors.js";
import { summaryOf, type Evaluator } from "./evaluation.js";
import { describeOs } from "../evaluate/evaluate.js";
import { cleanSerial } from "../../../agent/src/identity.js";

export interface IngestResult {
  status: "created" | "duplicate";
  scanId: string;
  endpointId: string;
  client: string;
  findings: { total: number; waived: number; bySeverity: Record<string, number> };
}

/** The request body: its text, and the gzip bytes when it came gzipped (stored as received). */
export interface ReceivedDocument {
  text: string;
  gzip?: Uint8Array;
}

export async function ingestInventory(store: Store, evaluator: Evaluator, token: TokenRecord, body: ReceivedDocument, now: Date): Promise<IngestResult> {
  const text = body.text;
  if (token.kind !== "agent" || !token.clientSlug) throw new ServiceError("forbidden", "only agent tokens submit inventories");
  const slug = token.clientSlug;
  let inventory: Inventory;
  try {
    inventory = parseInventory(text, "request body");
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    throw new ServiceError("invalid_inventory", `the inventory does not follow caveat.inventory/v1 (${error.violations.length} problem${error.violations.length === 1 ? "" : "s"})`, error.violations.slice(0, 50));
  }
  // collectedAt orders an endpoint's history: one scan dated 2099 (a wrong clock, or a forged document)
  // would otherwise stay "latest" for ever. Normalised to UTC so that text order is time order.
  const collected = Date.parse(inventory.collectedAt);
  if (collected > now.getTime() + 86_400_000) {
    throw new ServiceError("invalid_inventory", `collectedAt ${inventory.collectedAt} is more than a day after the collector's clock (${now.toISOString()}): check the endpoint's date and time`, [{ pointer: "/collectedAt", message: "must not be in the future" }]);
  }
  const collectedAt = new Date(collected).toISOString();
  if (inventory.client !== undefined && inventory.client !== slug) {
    throw new ServiceError("forbidden", `this token writes to client "${slug}" but the inventory says client "${inventory.client}"`);
  }
  const existing = await store.scans.get(slug, inventory.scanId);
  if (existing) return answer("duplicate", existing.scanId, existing.endpointId, slug, existing.summary);

  const findings = await evaluator.evaluate(slug, inventory, now);
  const summary = summaryOf(findings);
  const e = inventory.endpoint;
  const serial = cleanSerial(e.serial);
  const { created, record } = await store.scans.add({
    scanId: inventory.scanId,
    clientSlug: slug,
    collectedAt,
    receivedAt: now.toISOString(),
    inventory: body,
    endpoint: { id: e.id, hostname: e.hostname, os: describeOs(inventory.os), type: e.type, ...(e.manufacturer ? { manufacturer: e.manufacturer } : {}), ...(e.model ? { model: e.model } : {}), ...(serial ? { serial } : {}) },
    softwareCount: inventory.software.length,
    findings: findings.findings,
    summary,
  });
  // The same scanId stored for another client: say nothing about it beyond the conflict.
  if (record.clientSlug !== slug) throw new ServiceError("conflict", "this scanId is already in use");
  return answer(created ? "created" : "duplicate", record.scanId, record.endpointId, slug, record.summary);
}

function answer(status: IngestResult["status"], scanId: string, endpointId: string, client: string, s: { findings: number; waived: number; bySeverity: Record<string, number> }): IngestResult {
  return { status, scanId, endpointId, client, findings: { total: s.findings, waived: s.waived, bySeverity: s.bySeverity } };
}
