// The bundled lifecycle data: every file follows the contract, every fact has a source, and every
// case file (real-world strings, including false-positive traps) resolves to the expected cycle.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkLifecycleProduct } from "../../../schemas/validate.js";
import { BUNDLED_PRODUCTS } from "./data/index.js";
import { LifecycleIndex, type OsFacts, type SoftwareFacts } from "./match.js";

interface Case {
  why: string;
  os?: OsFacts;
  software?: SoftwareFacts;
  /** null: must not match this product; cycle null: the product, but no known cycle (os.unknown). */
  expect: { product: string; cycle: string | null } | null;
}

const dataDir = new URL("./data/", import.meta.url);
const casesDir = new URL("./cases/", import.meta.url);
const dataFiles = readdirSync(dataDir).filter((f) => f.endsWith(".json")).sort();
const caseFiles = readdirSync(casesDir).filter((f) => f.endsWith(".json")).sort();
const index = new LifecycleIndex(BUNDLED_PRODUCTS);

describe("bundled lifecycle data", () => {
  it("is registered in data/index.ts (generated)", () => {
    expect(() => execFileSync(process.execPath, ["scripts/gen-lifecycle-index.mjs", "--check"], { stdio: "pipe" })).not.toThrow();
    expect(BUNDLED_PRODUCTS.map((p) => `${p.product}.json`).sort()).toEqual(dataFiles);
  });

  it.each(dataFiles)("%s follows caveat.lifecycle/v1", (file) => {
    const value = JSON.parse(readFileSync(new URL(file, dataDir), "utf8"));
    expect(checkLifecycleProduct(value)).toEqual([]);
    expect(`${value.product}.json`).toBe(file);
  });

  it("has unique cycle ids per product, a source on every cycle and no cycle without a way to match it", () => {
    for (const product of BUNDLED_PRODUCTS) {
      const ids = product.cycles.map((c) => c.cycle.toLowerCase());
      expect(new Set(ids).size, product.product).toBe(ids.length);
      for (const cycle of product.cycles) {
        expect(cycle.source, `${product.product} ${cycle.cycle}`).toMatch(/^https:\/\//);
        expect(cycle.match !== undefined || product.cycleFrom !== undefined, `${product.product} ${cycle.cycle} has no matcher`).toBe(true);
      }
    }
  });

  it("is listed, product by product, in docs/lifecycle.md", () => {
    const doc = readFileSync(new URL("../../../docs/lifecycle.md", import.meta.url), "utf8");
    const listed = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(BUNDLED_PRODUCTS.map((p) => p.product).sort());
  });

  it("has a case file for every product", () => {
    expect(caseFiles).toEqual(dataFiles);
  });
});

describe.each(caseFiles)("match cases %s", (file) => {
  const { product, cases } = JSON.parse(readFileSync(new URL(file, casesDir), "utf8")) as { product: string; cases: Case[] };

  it.each(cases.map((c) => [c.why, c] as const))("%s", (_why, c) => {
    const match = c.os ? index.matchOs(c.os) : index.matchSoftware(c.software!);
    const got = match ? { product: match.product.product, cycle: match.cycle?.cycle ?? null } : null;
    if (c.expect === null) expect(got?.product).not.toBe(product);
    else expect(got).toEqual(c.expect);
  });

  it("exercises every cycle of the product at least once", () => {
    const data = BUNDLED_PRODUCTS.find((p) => p.product === product)!;
    const covered = new Set(cases.filter((c) => c.expect?.product === product).map((c) => c.expect!.cycle));
    expect(data.cycles.map((c) => c.cycle).filter((id) => !covered.has(id))).toEqual([]);
  });
});
