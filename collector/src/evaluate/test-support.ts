// Builders for evaluation tests: small, readable inventories and a tiny lifecycle dataset whose dates
// are test inputs (the real dataset is tested against real strings in lifecycle/data.test.ts).
import { randomUUID } from "node:crypto";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import type { LifecycleProduct } from "../../../schemas/lifecycle.v1.js";
import type { Catalog } from "../../../schemas/catalog.v1.js";
import { parseCatalog } from "../catalog/load-catalog.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { compileCatalog } from "./compile-catalog.js";
import type { EvaluateOptions, ScanFacts } from "./evaluate.js";

type Software = ScanFacts["software"][number];

export interface ScanSpec {
  id?: string;
  hostname?: string;
  collectedAt?: string;
  scanId?: string;
  os?: Partial<ScanFacts["os"]>;
  endpoint?: Partial<ScanFacts["endpoint"]>;
  software?: (Partial<Software> & { name: string })[];
  client?: string;
}

let counter = 0;

export function scanOf(spec: ScanSpec = {}): ScanFacts {
  counter++;
  const scan: ScanFacts = {
    scanId: spec.scanId ?? `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    collectedAt: spec.collectedAt ?? "2026-11-20T09:00:00Z",
    endpoint: {
      id: spec.id ?? "11111111-1111-4111-8111-111111111111",
      idSource: "smbios-uuid",
      hostname: spec.hostname ?? "RECEPTION-PC",
      type: "desktop",
      manufacturer: "Dell Inc.",
      model: "OptiPlex 7010",
      serial: "5CG1234XYZ",
      ...spec.endpoint,
    },
    os: { platform: "windows", name: "Microsoft Windows 11 Pro", version: "10.0.26200", build: "26200.7171", edition: "Professional", ...spec.os },
    software: (spec.software ?? []).map((s) => ({ source: "registry", scope: "machine", ...s }) as Software),
  };
  if (spec.client) scan.client = spec.client;
  return scan;
}

export const TEST_PRODUCTS: LifecycleProduct[] = [
  {
    schema: "caveat.lifecycle/v1",
    product: "windows",
    title: "Microsoft Windows",
    kind: "os",
    source: "https://example.test/windows",
    match: { platform: "windows", notName: "Server" },
    editionGroups: { "home-pro": ["Core", "Professional"], ltsc: ["EnterpriseS"] },
    cycles: [
      { cycle: "7", label: "Windows 7", eol: "2020-01-14", source: "https://example.test/w7", match: { build: { min: 7600, max: 7601 } } },
      { cycle: "10-1809-ltsc", label: "Windows 10 LTSC 2019", eol: "2029-01-09", source: "https://example.test/ltsc", match: { build: { min: 17763, max: 17763 }, editions: ["@ltsc"] } },
      { cycle: "10-22h2", label: "Windows 10 22H2", eol: "2025-10-14", source: "https://example.test/w10", match: { build: { min: 19045, max: 19045 }, editions: ["@home-pro"] } },
      { cycle: "11-24h2-w", label: "Windows 11 24H2 (Home, Pro)", eol: "2026-10-13", source: "https://example.test/w11", match: { build: { min: 26100, max: 26100 }, editions: ["@home-pro"] } },
      { cycle: "11-25h2-w", label: "Windows 11 25H2 (Home, Pro)", eol: "2027-10-12", source: "https://example.test/w11-25", match: { build: { min: 26200, max: 26200 }, editions: ["@home-pro"] } },
    ],
  },
  {
    schema: "caveat.lifecycle/v1",
    product: "office",
    title: "Microsoft Office",
    kind: "software",
    source: "https://example.test/office",
    match: { name: "^Microsoft Office\\b" },
    cycleFrom: { field: "name", regex: "\\b(20\\d\\d)\\b" },
    cycles: [
      { cycle: "2010", label: "Microsoft Office 2010", eol: "2020-10-13", source: "https://example.test/o2010" },
      { cycle: "2016", label: "Microsoft Office 2016", eol: "2025-10-14", source: "https://example.test/o2016" },
      { cycle: "2021", label: "Microsoft Office 2021", eol: "2026-10-13", source: "https://example.test/o2021", estimate: true },
      { cycle: "2024", label: "Microsoft Office 2024", eol: "2029-10-09", source: "https://example.test/o2024" },
    ],
  },
  {
    schema: "caveat.lifecycle/v1",
    product: "adobe-flash-player",
    title: "Adobe Flash Player",
    kind: "software",
    source: "https://example.test/flash",
    match: { name: "^Adobe Flash Player \\d" },
    cycles: [{ cycle: "all", label: "Adobe Flash Player", eol: true, source: "https://example.test/flash", match: { name: "." } }],
  },
];

export const TEST_LIFECYCLE = new LifecycleIndex(TEST_PRODUCTS);

/** Evaluation options from catalog YAML (parsed and validated like a real catalog file). */
export function optionsFor(catalogYaml: string, asOf = "2026-11-23"): EvaluateOptions {
  const catalog: Catalog = parseCatalog(catalogYaml, "test-catalog.yaml");
  return { catalog: compileCatalog(catalog, catalog.procurement ?? []), lifecycle: TEST_LIFECYCLE, asOf, generatedAt: "2026-11-23T10:00:00.000Z" };
}

export const MINIMAL_CATALOG = "schema: caveat.catalog/v1\nclient: acme-dental\n";

/** A whole caveat.inventory/v1 document around the evaluation facts scanOf makes (a fresh scanId unless given). */
export function inventoryOf(spec: ScanSpec): Inventory {
  return {
    schema: "caveat.inventory/v1",
    ...scanOf({ scanId: randomUUID(), ...spec }),
    agent: { name: "caveat-agent", version: "0.1.0" },
    hardware: { disks: [], nics: [], peripherals: [] },
    security: {},
    probes: [],
  };
}

/** Facts the tests of several layers share: an end-of-life OS and an end-of-life product as agents report them. */
export const WINDOWS_7 = { name: "Microsoft Windows 7 Professional", version: "6.1.7601", build: "7601", edition: "Professional" };
export const FLASH = { name: "Adobe Flash Player 32 NPAPI", version: "32.0.0.465", publisher: "Adobe" };
