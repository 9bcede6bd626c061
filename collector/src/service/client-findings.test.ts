// A client's findings document from the collector's database, evaluated as of a moment: on SQLite and on
// PostgreSQL (a throwaway cluster, or DATABASE_URL), with inventories ingested the way agents send them.
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Findings } from "../../../schemas/findings.v1.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { checkFindings } from "../../../schemas/validate.js";
import { findingId } from "../evaluate/evaluate.js";
import { WINDOWS_7, FLASH, TEST_LIFECYCLE, type ScanSpec } from "../evaluate/test-support.js";
import { openStore } from "../store/open-store.js";
import type { NewScan, Store, TokenRecord } from "../store/types.js";
import { bothDatabases } from "../../../test/postgres.js";
import { putCatalog } from "./catalogs.js";
import { clientFindings } from "./client-findings.js";
import { ServiceError } from "./errors.js";
import { createEvaluator, type Evaluator } from "./evaluation.js";
import { ingestSpec } from "../../../test/ingest.js";
import { issueToken } from "./tokens.js";

const databases = bothDatabases("client-findings");

const RECEPTION = "4c4c4544-0051-3410-8034-b8c04f565231";
const OFFICE = "4c4c4544-0052-3410-8034-b8c04f565232";
const TEAMVIEWER = { name: "TeamViewer 15", version: "15.60.3", publisher: "TeamViewer" };

// The catalog's name differs from the stored client's on purpose: the document takes the client's.
const ACME_CATALOG = `schema: caveat.catalog/v1
client: acme
name: Name In The Catalog
staleDays: 30
software:
  mode: denylist
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
waivers:
  - rule: os.end-of-life
    endpoint: "RECEPTION-*"
    subject: "*Windows 7*"
    justification: "The X-ray software only runs on Windows 7"
    acceptedBy: "J. Doe, Practice Manager"
    accepted: 2026-01-10
    expires: 2026-12-01
    ref: "ACK-2026-001"
`;

const NOW = new Date("2026-11-23T12:00:00Z");

/** Checks the contract on every document a test looks at. */
async function documentOf(store: Store, evaluator: Evaluator, slug: string, now: Date): Promise<Findings> {
  const { findings, skipped } = await clientFindings(store, evaluator, slug, now);
  expect(checkFindings(findings)).toEqual([]);
  expect(skipped).toEqual([]);
  return findings;
}

const rulesOf = (findings: Findings) => findings.findings.map((f) => `${f.rule} ${f.endpoint.hostname} ${f.subject}`);

describe.each(databases)("clientFindings: %s", (_name, start) => {
  let db: { url: string; stop: () => Promise<void> };
  let store: Store;
  let evaluator: Evaluator;
  const tokens = new Map<string, TokenRecord>();

  const ingest = (slug: string, spec: ScanSpec) => ingestSpec(store, evaluator, tokens.get(slug)!, spec);

  beforeAll(async () => {
    db = await start();
    store = await openStore(db.url);
    evaluator = createEvaluator(store, TEST_LIFECYCLE);
    const setUp = new Date("2026-08-01T00:00:00Z");
    for (const [slug, name] of [["acme", "Acme Dental Practice"], ["globex", "Globex"], ["initech", "Initech"], ["empty", "Empty Ltd"]] as const) {
      await store.clients.create({ slug, name, createdAt: setUp.toISOString() });
      tokens.set(slug, (await issueToken(store, { kind: "agent", clientSlug: slug, now: setUp })).record);
    }
    await putCatalog(store, evaluator, "acme", ACME_CATALOG, setUp);

    // Another tenant's machine with the same endpoint id and OS, hence the same finding ids, seen earlier.
    await ingest("globex", { id: RECEPTION, hostname: "GLOBEX-PC", collectedAt: "2026-08-15T08:00:00Z", os: WINDOWS_7, software: [TEAMVIEWER] });
    // RECEPTION-01: three scans, Windows 7 and TeamViewer in each (the first dated with an offset).
    for (const collectedAt of ["2026-09-01T10:00:00+02:00", "2026-10-01T08:00:00Z", "2026-11-20T08:00:00Z"]) {
      await ingest("acme", { id: RECEPTION, hostname: "RECEPTION-01", collectedAt, os: WINDOWS_7, software: [TEAMVIEWER] });
    }
    // OFFICE-02: one scan, Windows 11 25H2 (supported) with Flash.
    await ingest("acme", { id: OFFICE, hostname: "OFFICE-02", collectedAt: "2026-11-22T08:00:00Z", software: [FLASH] });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await db?.stop();
  });

  it("evaluates every endpoint's latest scan: one finding per expected rule across two endpoints, named as the stored client", async () => {
    const findings = await documentOf(store, evaluator, "acme", NOW);
    expect(rulesOf(findings)).toEqual([
      "os.end-of-life RECEPTION-01 Microsoft Windows 7 Professional",
      "software.denied RECEPTION-01 TeamViewer 15",
      "software.end-of-life OFFICE-02 Adobe Flash Player",
      "endpoint.new OFFICE-02 OFFICE-02",
    ]);
    expect(findings).toMatchObject({ schema: "caveat.findings/v1", asOf: "2026-11-23", client: "acme", clientName: "Acme Dental Practice", generatedAt: NOW.toISOString() });
    expect(findings.findings[0]).toMatchObject({ waived: true, waiver: { ref: "ACK-2026-001" } });
    expect(findings.summary).toMatchObject({ endpoints: 2, findings: 4, waived: 1, bySeverity: { high: 2, info: 1 }, byRule: { "software.denied": 1, "software.end-of-life": 1, "endpoint.new": 1 } });
  });

  it("dates a finding from the stored history: seen in three scans, firstSeen is the first scan's, older than the previous one", async () => {
    const findings = await documentOf(store, evaluator, "acme", NOW);
    const reception = findings.findings.filter((f) => f.endpoint.id === RECEPTION);
    // The evaluation itself only sees the latest scan and the one before it (2026-10-01).
    expect(reception.map((f) => [f.rule, f.firstSeen])).toEqual([
      ["os.end-of-life", "2026-09-01T08:00:00.000Z"],
      ["software.denied", "2026-09-01T08:00:00.000Z"],
    ]);
    expect(findings.findings.find((f) => f.rule === "software.end-of-life")?.firstSeen).toBe("2026-11-22T08:00:00.000Z");
  });

  it("takes the endpoint summaries' firstSeen, lastSeen and scans count from the store", async () => {
    const findings = await documentOf(store, evaluator, "acme", NOW);
    expect(findings.endpoints.map((e) => [e.hostname, e.firstSeen, e.lastSeen, e.scans])).toEqual([
      ["OFFICE-02", "2026-11-22T08:00:00.000Z", "2026-11-22T08:00:00.000Z", 1],
      ["RECEPTION-01", "2026-09-01T08:00:00.000Z", "2026-11-20T08:00:00.000Z", 3],
    ]);
    expect(findings.endpoints[1]).toMatchObject({ id: RECEPTION, os: "Microsoft Windows 7 Professional (7601)", type: "desktop", software: 1 });
    expect(findings.summary.scans).toBe(4);
  });

  it("judges waivers as of now: one active at ingest and expired since shows the finding unwaived, with waiverExpired", async () => {
    const findings = await documentOf(store, evaluator, "acme", new Date("2026-12-15T09:00:00Z"));
    const os = findings.findings.find((f) => f.rule === "os.end-of-life")!;
    expect(os).toMatchObject({ waived: false, waiverExpired: { ref: "ACK-2026-001", expires: "2026-12-01" } });
    expect(os.waiver).toBeUndefined();
    expect(os.message).toContain("expired on 2026-12-01");
    expect(findings.summary.bySeverity.critical).toBe(1);
    // Read-only: the stored current findings still say what ingest found.
    expect((await store.findings.current("acme")).find((f) => f.rule === "os.end-of-life")?.waived).toBe(true);
  });

  it("reports endpoint.stale when now is far past the last scan", async () => {
    const findings = await documentOf(store, evaluator, "acme", new Date("2027-03-01T09:00:00Z"));
    const stale = findings.findings.filter((f) => f.rule === "endpoint.stale");
    expect(stale.map((f) => f.endpoint.hostname)).toEqual(["OFFICE-02", "RECEPTION-01"]);
    expect(stale[1]!.message).toContain("last reported on 2026-11-20, 101 days before 2027-03-01");
    expect((await store.findings.current("acme")).some((f) => f.rule === "endpoint.stale")).toBe(false);
  });

  it("gives the same document for the same store and moment, with a fresh evaluator too", async () => {
    const first = await clientFindings(store, evaluator, "acme", NOW);
    const again = await clientFindings(store, createEvaluator(store, TEST_LIFECYCLE), "acme", NOW);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it("refuses an unknown client with not_found", async () => {
    const refused = clientFindings(store, evaluator, "nobody", NOW);
    await expect(refused).rejects.toBeInstanceOf(ServiceError);
    await expect(refused).rejects.toMatchObject({ code: "not_found", status: 404 });
  });

  it("gives a valid, empty document for a client with no endpoints yet", async () => {
    const findings = await documentOf(store, evaluator, "empty", NOW);
    expect(findings).toMatchObject({ client: "empty", clientName: "Empty Ltd", endpoints: [], findings: [], summary: { endpoints: 0, scans: 0, findings: 0 } });
  });

  it("never lets another client's endpoints, findings or history in, even under the same endpoint and finding ids", async () => {
    const acme = await documentOf(store, evaluator, "acme", NOW);
    const globex = await documentOf(store, evaluator, "globex", NOW);
    const sharedId = findingId("os.end-of-life", RECEPTION, WINDOWS_7.name);
    expect(acme.findings.find((f) => f.id === sharedId)?.firstSeen).toBe("2026-09-01T08:00:00.000Z");
    expect(globex.findings.find((f) => f.id === sharedId)).toMatchObject({ firstSeen: "2026-08-15T08:00:00.000Z", waived: false, endpoint: { hostname: "GLOBEX-PC" } });
    expect(JSON.stringify(acme)).not.toContain("GLOBEX-PC");
    expect(acme.endpoints.find((e) => e.id === RECEPTION)).toMatchObject({ hostname: "RECEPTION-01", scans: 3 });
    expect(globex).toMatchObject({ client: "globex", clientName: "Globex", endpoints: [{ hostname: "GLOBEX-PC", scans: 1 }] });
    expect(JSON.stringify(globex)).not.toMatch(/RECEPTION-01|OFFICE-02|Adobe Flash/);
  });

  it("skips and reports an endpoint whose latest or previous stored inventory cannot be read, and evaluates the rest", async () => {
    await ingest("initech", { id: "00000000-0000-4000-8000-00000000a001", hostname: "GOOD-01", collectedAt: "2026-11-20T08:00:00Z", software: [FLASH] });
    const stored = (endpointId: string, hostname: string, collectedAt: string, inventory: NewScan["inventory"]): NewScan => ({
      scanId: randomUUID(),
      clientSlug: "initech",
      collectedAt,
      receivedAt: collectedAt,
      inventory,
      endpoint: { id: endpointId, hostname, os: "Microsoft Windows 11 Pro (26200.7171)", type: "desktop" },
      softwareCount: 0,
      findings: [],
      summary: { findings: 0, waived: 0, bySeverity: {} },
    });
    const gzip = stored("00000000-0000-4000-8000-00000000a002", "BROKEN-GZIP", "2026-11-20T08:00:00.000Z", { text: "{}", gzip: Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]) });
    const json = stored("00000000-0000-4000-8000-00000000a003", "BROKEN-JSON", "2026-11-20T08:00:00.000Z", { text: '{"schema": "caveat.inventory/v1", ' });
    await store.scans.add(gzip);
    await store.scans.add(json);
    // A readable latest scan whose previous one, stored late, is not an inventory.
    const latest = await ingest("initech", { id: "00000000-0000-4000-8000-00000000a004", hostname: "OLD-BROKEN", collectedAt: "2026-11-20T08:00:00Z" });
    const old = stored(latest.endpoint.id, "OLD-BROKEN", "2026-11-01T08:00:00.000Z", { text: '{"schema": "caveat.inventory/v1"}' });
    await store.scans.add(old);

    const { findings, skipped } = await clientFindings(store, evaluator, "initech", NOW);
    expect(checkFindings(findings)).toEqual([]);
    expect(skipped).toEqual([
      { endpointId: gzip.endpoint.id, hostname: "BROKEN-GZIP", scanId: gzip.scanId, reason: expect.stringMatching(/cannot be decompressed/) },
      { endpointId: json.endpoint.id, hostname: "BROKEN-JSON", scanId: json.scanId, reason: expect.stringMatching(/does not follow caveat\.inventory\/v1 \(\/: not valid JSON/) },
      { endpointId: latest.endpoint.id, hostname: "OLD-BROKEN", scanId: old.scanId, reason: expect.stringMatching(/^the scan before the latest: stored inventory of scan .* does not follow caveat\.inventory\/v1 \(\/: must have field "scanId"/) },
    ]);
    expect(findings.endpoints.map((e) => e.hostname)).toEqual(["GOOD-01"]);
    expect(rulesOf(findings)).toEqual(["software.end-of-life GOOD-01 Adobe Flash Player", "endpoint.new GOOD-01 GOOD-01"]);
    expect(findings.summary).toMatchObject({ endpoints: 1, scans: 1 });
  });
});
