import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_PRODUCTS } from "../evaluate/test-support.js";
import { applyUpdates, bundledProducts, loadDataset } from "./dataset.js";
import { importEndoflife } from "./endoflife-import.js";
import { LifecycleIndex } from "./match.js";

const NOW = new Date("2026-11-23T10:00:00Z");
const ubuntu = { platform: "linux", name: "Ubuntu 26.10", distro: "ubuntu", version: "26.10" };

describe("importing endoflife.date API JSON", () => {
  // The classic /api/ubuntu.json shape: cycle, releaseDate, eol, support, extendedSupport, lts, link.
  const classic = JSON.stringify([
    { cycle: "26.10", codename: "Stonking Stingray", releaseDate: "2026-10-15", eol: "2027-07-15", support: "2027-07-15", extendedSupport: false, lts: false, link: "https://wiki.ubuntu.com/" },
    { cycle: "22.04", releaseDate: "2022-04-21", eol: "2027-06-01", support: "2024-09-30", extendedSupport: "2032-04-09", lts: true, link: null },
  ]);

  it("adds new cycles that the product's cycleFrom then matches, and reports changed dates", () => {
    const products = bundledProducts();
    const before = products.find((p) => p.product === "ubuntu")!.cycles.find((c) => c.cycle === "22.04")!;
    const { update, changes, unmatchable } = importEndoflife(classic, "/tmp/ubuntu.json", products, undefined, NOW);
    expect(update).toMatchObject({ schema: "caveat.lifecycle-update/v1", product: "ubuntu", importedFrom: "/tmp/ubuntu.json", importedAt: "2026-11-23T10:00:00.000Z" });
    expect(changes).toContain("ubuntu 26.10: new cycle, eol 2027-07-15");
    expect(changes).toContain(`ubuntu 22.04: extendedSupport ${String(before.extendedSupport)} -> 2032-04-09`);
    expect(unmatchable).toEqual([]);

    expect(new LifecycleIndex(products).matchOs(ubuntu)?.cycle).toBeUndefined();
    const updated = new LifecycleIndex(applyUpdates(products, [update]));
    expect(updated.matchOs(ubuntu)?.cycle).toMatchObject({ cycle: "26.10", eol: "2027-07-15", label: "Ubuntu Stonking Stingray", source: "https://endoflife.date/ubuntu" });
    // Known cycles keep their label and matcher; only dates and source change.
    const jammy = updated.matchOs({ ...ubuntu, version: "22.04" })!.cycle!;
    expect(jammy).toMatchObject({ label: before.label, extendedSupport: "2032-04-09", source: "https://endoflife.date/ubuntu" });
  });

  it("reads the v1 API document (/api/v1/products/<product>)", () => {
    const v1 = JSON.stringify({
      schema_version: "1.2.0",
      result: { name: "ubuntu", releases: [{ name: "26.10", label: "26.10 'Stonking Stingray'", releaseDate: "2026-10-15", isEol: false, eolFrom: "2027-07-15", isEoas: false, eoasFrom: "2027-07-15", isEoes: null, eoesFrom: null }] },
    });
    const { update } = importEndoflife(v1, "saved.json", bundledProducts(), undefined, NOW);
    expect(update.cycles).toEqual([{ cycle: "26.10", label: "Ubuntu 26.10 'Stonking Stingray'", releaseDate: "2026-10-15", eol: "2027-07-15", support: "2027-07-15", source: "https://endoflife.date/ubuntu" }]);
  });

  it("warns that new cycles of a product matched per cycle (Windows builds) cannot be recognised yet", () => {
    const { unmatchable } = importEndoflife(JSON.stringify([{ cycle: "11-26h2-w", eol: "2028-10-10" }]), "windows.json", TEST_PRODUCTS, undefined, NOW);
    expect(unmatchable).toEqual(["11-26h2-w"]);
  });

  it("refuses unknown products, wrong shapes and bad dates with a pointer", () => {
    expect(() => importEndoflife("[]", "nodejs.json", bundledProducts(), undefined, NOW)).toThrow(/"nodejs" is not one caveat matches.*pass --product/);
    expect(() => importEndoflife("{}", "x.json", bundledProducts(), "ubuntu", NOW)).toThrow(/must be the array of cycles/);
    expect(() => importEndoflife('[{"cycle":"22.04","eol":"June 2027"}]', "ubuntu.json", bundledProducts(), undefined, NOW)).toThrow(/ubuntu\.json: \/0\/eol must be a date written YYYY-MM-DD or true\/false \(got "June 2027"\)/);
    expect(() => importEndoflife("[{", "ubuntu.json", bundledProducts(), undefined, NOW)).toThrow(/not valid JSON/);
  });
});

describe("loadDataset", () => {
  it("applies the update files in the directory and names them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-lifecycle-"));
    const { update } = importEndoflife(JSON.stringify([{ cycle: "26.10", eol: "2027-07-15" }]), "ubuntu.json", bundledProducts(), undefined, NOW);
    await writeFile(join(dir, "ubuntu.json"), JSON.stringify(update));
    const dataset = await loadDataset(dir);
    expect(dataset.updates).toEqual([{ product: "ubuntu", file: join(dir, "ubuntu.json"), importedAt: "2026-11-23T10:00:00.000Z" }]);
    expect(dataset.index.matchOs(ubuntu)?.cycle?.eol).toBe("2027-07-15");
  });

  it("works without an updates directory and rejects a damaged update file by name", async () => {
    expect((await loadDataset(join(tmpdir(), "caveat-no-such-dir"))).updates).toEqual([]);
    const dir = await mkdtemp(join(tmpdir(), "caveat-lifecycle-"));
    await writeFile(join(dir, "ubuntu.json"), JSON.stringify({ schema: "caveat.lifecycle-update/v1", product: "ubuntu", importedFrom: "x", importedAt: "y", cycles: [{ cycle: "26.10" }] }, null, 2));
    await expect(loadDataset(dir)).rejects.toThrow(/ubuntu\.json:\d+: \/cycles\/0 must have field "label"/);
  });
});
