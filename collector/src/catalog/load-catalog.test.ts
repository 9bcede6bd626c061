import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContractError } from "../../../schemas/validate.js";
import { loadCatalogFile, parseCatalog } from "./load-catalog.js";

const HEAD = "schema: caveat.catalog/v1\nclient: acme-dental\n";

function errorOf(text: string): ContractError {
  try {
    parseCatalog(text, "acme.yaml");
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error("expected the catalog to be rejected");
}

describe("parseCatalog", () => {
  it("reads the shape from the issue, keeping serials and versions exactly as written", () => {
    const catalog = parseCatalog(
      `${HEAD}warnDays: 90
staleDays: 14
rules:
  endpoint.new: { enabled: false }
software:
  mode: allowlist
  allow: [ { name: "Google Chrome" }, { name: "App", version: 1.10 } ]
procurement:
  - { serial: 00123, model: "Latitude 5440", purchased: 2025-03-01, ref: PO-1042 }
waivers:
  - { rule: os.end-of-life, endpoint: "RECEPTION-*", subject: "*", justification: "X-ray software needs Windows 7", acceptedBy: "J. Doe, Office Manager", accepted: 2026-01-10, expires: 2027-01-10 }
`,
      "acme.yaml",
    );
    expect(catalog.warnDays).toBe(90);
    expect(catalog.staleDays).toBe(14);
    expect(catalog.rules?.["endpoint.new"]?.enabled).toBe(false);
    expect(catalog.procurement?.[0]).toEqual({ serial: "00123", model: "Latitude 5440", purchased: "2025-03-01", ref: "PO-1042" });
    expect(catalog.software?.allow?.[1]?.version).toBe("1.10");
    expect(catalog.waivers?.[0]?.expires).toBe("2027-01-10");
  });

  it("reads what the quick reader leaves to yaml the same way: anchors and aliases, tags, a kept block scalar", () => {
    const plain = parseCatalog(`${HEAD}software:\n  deny:\n    - { name: "TeamViewer*", reason: "Unmanaged remote access" }\n    - { name: "AnyDesk*", reason: "Unmanaged remote access" }\n`, "acme.yaml");
    const aliased = parseCatalog(`${HEAD}software:\n  deny:\n    - { name: "TeamViewer*", reason: &remote "Unmanaged remote access" }\n    - { name: !!str "AnyDesk*", reason: *remote }\n`, "acme.yaml");
    expect(aliased).toEqual(plain);
    const kept = parseCatalog(`${HEAD}waivers:\n  - rule: os.end-of-life\n    justification: |+\n      X-ray software\n\n    acceptedBy: J. Doe\n    accepted: 2026-01-10\n    expires: 2027-01-10\n`, "acme.yaml");
    expect(kept.waivers?.[0]?.justification).toBe("X-ray software\n\n");
  });

  it("reads JSON catalogs through the same path", () => {
    const catalog = parseCatalog(JSON.stringify({ schema: "caveat.catalog/v1", client: "acme-dental", warnDays: 30, software: { deny: [{ name: "Tor*" }] } }, null, 2), "acme.json");
    expect(catalog).toMatchObject({ warnDays: 30, software: { deny: [{ name: "Tor*" }] } });
  });

  it("names file, line and field for a wrong type", () => {
    expect(errorOf(`${HEAD}warnDays: soon\n`).message).toMatch(/acme\.yaml:3: \/warnDays must be integer/);
  });

  it("names the line of an unknown rule id in a waiver and in rule overrides", () => {
    const waiver = errorOf(`${HEAD}waivers:\n  - rule: os.too-old\n    justification: x\n    acceptedBy: y\n    accepted: 2026-01-01\n    expires: 2027-01-01\n`);
    expect(waiver.message).toMatch(/acme\.yaml:4: \/waivers\/0\/rule must be one of "os\.end-of-life"/);
    expect(errorOf(`${HEAD}rules:\n  os.too-old: { severity: low }\n`).message).toMatch(/acme\.yaml:4: \/rules\/os\.too-old is not a known rule id/);
  });

  it("rejects impossible and badly written dates with their line", () => {
    const bad = errorOf(`${HEAD}waivers:\n  - { rule: os.end-of-life, justification: x, acceptedBy: y, accepted: 2026-02-30, expires: 01/10/2027 }\n`);
    expect(bad.violations.map((v) => `${v.line} ${v.pointer} ${v.message}`)).toEqual([
      "4 /waivers/0/accepted must be a date written YYYY-MM-DD",
      "4 /waivers/0/expires must be a date written YYYY-MM-DD",
    ]);
    expect(errorOf(`${HEAD}waivers:\n  - { rule: os.end-of-life, justification: x, acceptedBy: y, accepted: 2026-02-01, expires: 2026-01-01 }\n`).message).toMatch(
      /acme\.yaml:4: \/waivers\/0\/expires must be after accepted \(2026-02-01\)/,
    );
  });

  it("points at an unknown field's own line and lists every problem, not just the first", () => {
    const e = errorOf(`${HEAD}softwares:\n  deny: []\nhardware:\n  allow: [ { vendor: Dell } ]\n`);
    expect(e.violations.map((v) => `${v.line} ${v.pointer} ${v.message}`)).toEqual(["3 /softwares is not a known field here", "6 /hardware/allow/0/vendor is not a known field here"]);
  });

  it("requires an expiry on every waiver", () => {
    expect(errorOf(`${HEAD}waivers:\n  - { rule: os.end-of-life, justification: x, acceptedBy: y, accepted: 2026-01-01 }\n`).message).toMatch(/acme\.yaml:4: \/waivers\/0 must have field "expires"/);
  });

  it("reports YAML syntax errors and duplicate keys with their line", () => {
    expect(errorOf(`${HEAD}software:\n  deny: [ { name: "x" }\n`).message).toMatch(/acme\.yaml:\d+: \(document\) not valid YAML/);
    expect(errorOf(`${HEAD}warnDays: 10\nwarnDays: 20\n`).message).toMatch(/acme\.yaml:4: \(document\) not valid YAML\/JSON: Map keys must be unique/);
  });

  it("refuses a YAML alias bomb instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    expect(errorOf(`${HEAD}${levels.join("\n")}\n`).message).toMatch(/acme\.yaml: \(document\) cannot be expanded/);
  });

  it("rejects a document that is not a catalog", () => {
    expect(errorOf("schema: caveat.inventory/v1\nclient: acme-dental\n").message).toMatch(/acme\.yaml:1: \/schema must be "caveat\.catalog\/v1"/);
    expect(errorOf("").message).toMatch(/must have field "schema"/);
  });
});

describe("loadCatalogFile", () => {
  it("merges the procurement CSV named by procurementFile, relative to the catalog", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-catalog-"));
    await writeFile(join(dir, "purchases.csv"), "\uFEFFService Tag,Model,Purchase Date,PO Number\r\n5CG1234XYZ,Latitude 5440,2025-03-01,PO-1042\r\n");
    await writeFile(join(dir, "acme.yaml"), `${HEAD}procurementFile: purchases.csv\nprocurement:\n  - { serial: ABC }\n`);
    const loaded = await loadCatalogFile(join(dir, "acme.yaml"));
    expect(loaded.procurement).toEqual([{ serial: "ABC" }, { serial: "5CG1234XYZ", model: "Latitude 5440", purchased: "2025-03-01", ref: "PO-1042" }]);
  });

  it("names a missing catalog or register file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-catalog-"));
    await expect(loadCatalogFile(join(dir, "nope.yaml"))).rejects.toThrow(/nope\.yaml: \(document\) cannot read the catalog: ENOENT/);
    await writeFile(join(dir, "acme.yaml"), `${HEAD}procurementFile: missing.csv\n`);
    await expect(loadCatalogFile(join(dir, "acme.yaml"))).rejects.toThrow(/missing\.csv: \(document\) cannot read the procurement register: ENOENT/);
  });
});
