// Current findings age without new scans: re-evaluating on a later date turns a supported OS into an
// end-of-life one. On a real SQLite store, with the bundled lifecycle data.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { BUNDLED_PRODUCTS } from "../lifecycle/data/index.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { openStore } from "../store/open-store.js";
import { reevaluateAll } from "./catalogs.js";
import { createEvaluator } from "./evaluation.js";
import { ingestInventory } from "./ingest.js";
import { issueToken } from "./tokens.js";

describe("reevaluateAll", () => {
  it("moves Windows 10 LTSC 2021 from nearing to past end of life once 2027-01-12 has passed", async () => {
    const store = await openStore(join(await mkdtemp(join(tmpdir(), "caveat-reeval-")), "caveat.db"));
    try {
      const evaluator = createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS));
      await store.clients.create({ slug: "acme", name: "Acme", createdAt: "2026-11-01T00:00:00.000Z" });
      const token = (await issueToken(store, { kind: "agent", clientSlug: "acme", now: new Date("2026-11-23T10:00:00Z") })).record;
      const inventory = JSON.parse(await readFile(new URL("../../../agent/test/fixtures/legacy/win7-pro-sp1/inventory.json", import.meta.url), "utf8")) as Inventory;
      delete inventory.client;
      inventory.scanId = randomUUID();
      inventory.collectedAt = "2026-11-23T08:00:00Z";
      inventory.os = { platform: "windows", name: "Microsoft Windows 10 Enterprise LTSC 2021", version: "10.0.19044", build: "19044.6575", edition: "EnterpriseS" };
      await ingestInventory(store, evaluator, token, { text: JSON.stringify(inventory) }, new Date("2026-11-23T10:00:00Z"));
      const osRules = async () => (await store.findings.current("acme")).filter((f) => f.rule.startsWith("os.")).map((f) => f.rule);
      expect(await osRules()).toEqual(["os.nearing-end-of-life"]);
      expect(await reevaluateAll(store, evaluator, new Date("2027-01-13T06:00:00Z"))).toEqual({ clients: 1, endpoints: 1 });
      expect(await osRules()).toEqual(["os.end-of-life"]);
    } finally {
      await store.close();
    }
  });
});
