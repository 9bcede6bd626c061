// Evaluates stored scans the way `caveat evaluate` does, with the client's stored catalog (or an empty
// one: the lifecycle rules still apply): one incoming scan with the scan before it as history
// (evaluate), or the scans of a whole client at once (evaluateMany, for its findings document).
import type { Catalog } from "../../../schemas/catalog.v1.js";
import type { Findings } from "../../../schemas/findings.v1.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { compileCatalog, type CompiledCatalog } from "../evaluate/compile-catalog.js";
import { evaluateScans, type EvaluateOptions } from "../evaluate/evaluate.js";
import { toScanFacts } from "../evaluate/read-inventories.js";
import type { LifecycleIndex } from "../lifecycle/match.js";
import type { IngestSummary, Store } from "../store/types.js";
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
    const version = (await store.catalogs.updatedAt(slug)) ?? "none";
    let entry = compiled.get(slug);
    if (!entry || entry.version !== version) {
      const catalog = store.catalogs.get(slug).then((stored) => {
        const document: Catalog = stored?.catalog ?? { schema: "caveat.catalog/v1", client: slug };
        return compileCatalog(document, [...(document.procurement ?? []), ...(stored?.procurement ?? [])]);
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
