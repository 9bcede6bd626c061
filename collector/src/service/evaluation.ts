// Evaluates stored scans the way `caveat evaluate` does, with the client's stored catalog (or an empty
// one: the lifecycle rules still apply): one incoming scan with the scan before it as history
// (evaluate), or the scans of a whole client at once (evaluateMany, for its findings document).
import type { Catalog, Waiver } from "../../../schemas/catalog.v1.js";
import type { Findings } from "../../../schemas/findings.v1.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { compileCatalog, type CompiledCatalog, type RemediationPromise } from "../evaluate/compile-catalog.js";
import { evaluateScans, type EvaluateOptions } from "../evaluate/evaluate.js";
import { toScanFacts } from "../evaluate/read-inventories.js";
import type { LifecycleIndex } from "../lifecycle/match.js";
import type { AckDecision, IngestSummary, Store } from "../store/types.js";
import { AGENT_VERSION } from "../../../agent/src/version.js";

export interface Evaluator {
  /** Findings of `scan`, with the endpoint's stored scan before it (if any) as history. */
  evaluate(clientSlug: string, scan: Inventory, now: Date): Promise<Findings>;
  /**
   * Findings of several scans in one evaluation: any endpoints, several scans of one endpoint being its
   * history (ordered by collectedAt; the same scanId twice counts once). Nothing is loaded from the store
   * but the catalog: the caller hands over every scan it wants evaluated.
   */
  evaluateMany(clientSlug: string, scans: Inventory[], now: Date): Promise<Findings>;
  /** Forget a client's compiled catalog (after an upload). */
  invalidate(clientSlug: string): void;
}

export function createEvaluator(store: Store, lifecycle: LifecycleIndex): Evaluator {
  // Compiling a 2,000-rule catalog costs milliseconds; ingest at hundreds of scans a second reuses it,
  // as long as the catalog's updated_at is unchanged. One cheap query per evaluation notices an upload
  // made by `caveat catalog push` or through another collector instance.
  const compiled = new Map<string, { version: string; catalog: Promise<CompiledCatalog> }>();
  const catalogOf = async (slug: string) => {
    const [updatedAt, decisions] = await Promise.all([store.catalogs.updatedAt(slug), store.acks.decisionsVersion(slug)]);
    const version = `${updatedAt ?? "none"}|${decisions}`;
    let entry = compiled.get(slug);
    if (!entry || entry.version !== version) {
      const catalog = Promise.all([store.catalogs.get(slug), store.acks.decisions(slug)]).then(([stored, signed]) => {
        const document: Catalog = stored?.catalog ?? { schema: "caveat.catalog/v1", client: slug };
        return compileCatalog(document, [...(document.procurement ?? []), ...(stored?.procurement ?? [])], signedWaivers(signed), signedPromises(signed));
      });
      entry = { version, catalog };
      catalog.catch(() => compiled.delete(slug));
      compiled.set(slug, entry);
    }
    return entry.catalog;
  };
  const optionsFor = (catalog: CompiledCatalog, now: Date): EvaluateOptions => ({
    catalog,
    lifecycle,
    asOf: now.toISOString().slice(0, 10),
    generatedAt: now.toISOString(),
    generator: `caveat ${AGENT_VERSION}`,
  });
  return {
    async evaluate(slug, scan, now) {
      const [catalog, previous] = await Promise.all([catalogOf(slug), previousScan(store, slug, scan)]);
      return evaluateScans([...(previous ? [previous] : []), scan].map(toScanFacts), optionsFor(catalog, now));
    },
    async evaluateMany(slug, scans, now) {
      const catalog = await catalogOf(slug);
      return evaluateScans(scans.map(toScanFacts), optionsFor(catalog, now));
    },
    invalidate(slug) {
      compiled.delete(slug);
    },
  };
}

/**
 * The risks a client accepted in signed acknowledgements, as waivers of one finding each. A later
 * decision about the same finding replaces an earlier one: accepted, then promised for remediation in a
 * newer acknowledgement, is no longer waived.
 */
export function signedWaivers(decisions: readonly AckDecision[]): Waiver[] {
  return [...latestDecisions(decisions)]
    .filter((d) => d.decision === "accept")
    .map((d) => ({
      rule: d.rule as Waiver["rule"],
      endpoint: d.endpointId,
      subject: d.subject,
      justification: d.comment ?? `Accepted in signed acknowledgement ${d.documentId}`,
      acceptedBy: d.decidedBy,
      accepted: d.decidedAt.slice(0, 10),
      expires: d.until,
      ref: d.documentId,
    }));
}

/** The newest decision about each finding (decisions come oldest first). */
function latestDecisions(decisions: readonly AckDecision[]): Iterable<AckDecision> {
  const latest = new Map<string, AckDecision>();
  for (const d of decisions) latest.set(d.findingId, d);
  return latest.values();
}

/** Findings the client promised to fix by a date, from the latest decision about each. */
export function signedPromises(decisions: readonly AckDecision[]): Map<string, RemediationPromise> {
  const promises = new Map<string, RemediationPromise>();
  for (const d of latestDecisions(decisions)) {
    if (d.decision === "remediate") promises.set(d.findingId, { due: d.until, document: d.documentId, promisedBy: d.decidedBy, promisedOn: d.decidedAt.slice(0, 10) });
  }
  return promises;
}

/** The endpoint's stored scan collected just before this one (stored times are UTC, so compare in UTC). */
async function previousScan(store: Store, slug: string, scan: Inventory): Promise<Inventory | undefined> {
  const before = new Date(Date.parse(scan.collectedAt)).toISOString();
  const record = await store.scans.previous(slug, scan.endpoint.id, before);
  const text = record ? await store.scans.inventoryText(slug, record.scanId) : undefined;
  return text === undefined ? undefined : (JSON.parse(text) as Inventory);
}

export function summaryOf(findings: Findings): IngestSummary {
  return { findings: findings.summary.findings, waived: findings.summary.waived, bySeverity: findings.summary.bySeverity as Record<string, number> };
}
