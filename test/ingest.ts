// Ingesting test scans through the real service, as the collector's route does.
import { expect } from "vitest";
import type { Inventory } from "../schemas/inventory.v1.js";
import { inventoryOf, type ScanSpec } from "../collector/src/evaluate/test-support.js";
import type { Evaluator } from "../collector/src/service/evaluation.js";
import { ingestInventory } from "../collector/src/service/ingest.js";
import type { Store, TokenRecord } from "../collector/src/store/types.js";

/**
 * Ingests the inventory a ScanSpec describes with an agent's token, received `receivedAt` (by default an
 * hour after collection: ingest judges waivers and end-of-life as of that moment); the scan must be new.
 */
export async function ingestSpec(store: Store, evaluator: Evaluator, token: TokenRecord, spec: ScanSpec, receivedAt?: Date): Promise<Inventory> {
  const inventory = inventoryOf(spec);
  const received = receivedAt ?? new Date(Date.parse(inventory.collectedAt) + 3_600_000);
  expect((await ingestInventory(store, evaluator, token, { text: JSON.stringify(inventory) }, received)).status).toBe("created");
  return inventory;
}
