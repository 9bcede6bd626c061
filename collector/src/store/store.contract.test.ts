// One contract for every store implementation: the same tests run on SQLite and on PostgreSQL
// (a throwaway cluster started from the installed binaries, or DATABASE_URL).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS, verifyChain } from "../domain/audit-chain.js";
import type { Finding } from "../../../schemas/findings.v1.js";
import { openStore } from "./open-store.js";
import type { NewScan, Store } from "./types.js";
import { bothDatabases } from "../../../test/postgres.js";

const databases = bothDatabases("store");

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;

function finding(rule: string, subject: string, endpointId: string, hostname = "PC-1"): Finding {
  return { id: `${String(n).padStart(4, "0")}${rule.length}`.padEnd(20, "a"), rule, severity: "high", endpoint: { id: endpointId, hostname }, subject, message: `${subject} <b>&"'`, evidence: { v: "1.0" }, recommendation: "r", waived: false };
}

function newScan(client: string, endpointId: string, collectedAt: string, extra: Partial<NewScan> = {}): NewScan {
  return {
    scanId: uuid(),
    clientSlug: client,
    collectedAt,
    receivedAt: "2026-11-23T10:00:00.000Z",
    inventory: { text: `{"collectedAt":"${collectedAt}","name":"Zürich ✓ 𝄞"}` },
    endpoint: { id: endpointId, hostname: "PC-1", os: "Windows 11 Pro (24H2)", type: "laptop", manufacturer: "Dell Inc.", model: "Latitude 5440", serial: "ABC123" },
    softwareCount: 2,
    findings: [],
    summary: { findings: 0, waived: 0, bySeverity: {} },
    ...extra,
  };
}

describe.each(databases)("store contract: %s", (_name, start) => {
  let store: Store;
  let db: { url: string; stop: () => Promise<void> };

  beforeAll(async () => {
    db = await start();
    store = await openStore(db.url);
    for (const slug of ["acme", "globex"]) await store.clients.create({ slug, name: slug.toUpperCase(), createdAt: "2026-11-01T00:00:00.000Z" });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await db?.stop();
  });

  it("creates clients once and lists them", async () => {
    expect(await store.clients.create({ slug: "acme", name: "again", createdAt: "2026-11-02T00:00:00.000Z" })).toBe(false);
    expect(await store.clients.get("acme")).toEqual({ slug: "acme", name: "ACME", createdAt: "2026-11-01T00:00:00.000Z" });
    expect(await store.clients.get("nope")).toBeUndefined();
    expect((await store.clients.list()).map((c) => c.slug).slice(0, 2)).toEqual(["acme", "globex"]);
  });

  it("keeps tokens by hash, revokes once, records use", async () => {
    await store.tokens.create({ id: "t1", kind: "agent", clientSlug: "acme", hash: "h1", label: "laptops", createdAt: "2026-11-01T00:00:00.000Z", expiresAt: "2027-11-01T00:00:00.000Z" });
    await store.tokens.create({ id: "t2", kind: "admin", hash: "h2", createdAt: "2026-11-01T00:00:00.000Z" });
    expect(await store.tokens.findByHash("h1")).toEqual({ id: "t1", kind: "agent", clientSlug: "acme", hash: "h1", label: "laptops", createdAt: "2026-11-01T00:00:00.000Z", expiresAt: "2027-11-01T00:00:00.000Z" });
    await expect(store.tokens.create({ id: "t3", kind: "agent", clientSlug: "acme", hash: "h1", createdAt: "x" })).rejects.toThrow();
    await expect(store.tokens.create({ id: "t4", kind: "agent", hash: "h4", createdAt: "x" })).rejects.toThrow();
    expect(await store.tokens.revoke("t1", "2026-11-05T00:00:00.000Z")).toBe(true);
    expect(await store.tokens.revoke("t1", "2026-11-06T00:00:00.000Z")).toBe(false);
    await store.tokens.touch("t2", "2026-11-07T00:00:00.000Z");
    expect(await store.tokens.findByHash("h1")).toMatchObject({ revokedAt: "2026-11-05T00:00:00.000Z" });
    expect(await store.tokens.findByHash("h2")).toMatchObject({ lastUsedAt: "2026-11-07T00:00:00.000Z" });
    expect((await store.tokens.list("acme")).map((t) => t.id)).toEqual(["t1"]);
  });

  it("stores a catalog with its source text and replaces it", async () => {
    const catalog = { schema: "caveat.catalog/v1" as const, client: "acme", warnDays: 90 };
    await store.catalogs.put("acme", { catalog, source: "schema: caveat.catalog/v1\n# ünïcode\n", procurement: [{ serial: "00123" }], updatedAt: "2026-11-01T00:00:00.000Z" });
    await store.catalogs.put("acme", { catalog: { ...catalog, warnDays: 30 }, source: "v2", procurement: [], updatedAt: "2026-11-02T00:00:00.000Z" });
    expect(await store.catalogs.get("acme")).toEqual({ catalog: { ...catalog, warnDays: 30 }, source: "v2", procurement: [], updatedAt: "2026-11-02T00:00:00.000Z" });
    expect(await store.catalogs.get("globex")).toBeUndefined();
  });

  it("adds a scan once: a retry with the same scanId stores nothing and returns the first record", async () => {
    const endpoint = uuid();
    const scan = newScan("acme", endpoint, "2026-11-10T08:00:00Z", { findings: [finding("os.end-of-life", "Windows 7", endpoint)], summary: { findings: 1, waived: 0, bySeverity: { high: 1 } } });
    const first = await store.scans.add(scan);
    expect(first.created).toBe(true);
    const again = await store.scans.add({ ...scan, receivedAt: "2026-11-23T11:00:00.000Z", summary: { findings: 9, waived: 0, bySeverity: {} } });
    expect(again).toEqual({ created: false, record: first.record });
    expect(first.record).toMatchObject({ scanId: scan.scanId, clientSlug: "acme", endpointId: endpoint, softwareCount: 2, summary: { findings: 1 } });
    expect(await store.scans.inventoryText("acme", scan.scanId)).toBe(scan.inventory.text);
    expect(await store.scans.inventoryText("globex", scan.scanId)).toBeUndefined();
    expect(await store.scans.get("globex", scan.scanId)).toBeUndefined();
    expect((await store.findings.current("acme")).filter((f) => f.endpoint.id === endpoint).map((f) => f.message)).toEqual(['Windows 7 <b>&"\'']);
  });

  it("keeps the endpoint on its newest scan, even when an older scan arrives late", async () => {
    const endpoint = uuid();
    const newer = newScan("acme", endpoint, "2026-11-20T08:00:00Z", { endpoint: { ...newScan("acme", endpoint, "x").endpoint, hostname: "PC-NEW" }, findings: [finding("software.denied", "AnyDesk", endpoint, "PC-NEW")] });
    await store.scans.add(newer);
    const older = newScan("acme", endpoint, "2026-11-01T08:00:00Z", { findings: [finding("os.end-of-life", "Old", endpoint)] });
    await store.scans.add(older);
    expect(await store.endpoints.get("acme", endpoint)).toMatchObject({ hostname: "PC-NEW", firstSeen: "2026-11-01T08:00:00Z", lastSeen: "2026-11-20T08:00:00Z", lastScanId: newer.scanId, scans: 2 });
    expect((await store.findings.current("acme")).filter((f) => f.endpoint.id === endpoint).map((f) => f.subject)).toEqual(["AnyDesk"]);
    expect((await store.scans.previous("acme", endpoint, "2026-11-20T08:00:00Z"))?.scanId).toBe(older.scanId);
    expect(await store.scans.previous("acme", endpoint, "2026-11-01T08:00:00Z")).toBeUndefined();
    expect((await store.scans.list("acme", { endpointId: endpoint })).map((s) => s.scanId)).toEqual([newer.scanId, older.scanId]);
    const history = (await store.findings.history("acme")).filter((h) => h.endpointId === endpoint);
    expect(history.map((h) => [h.collectedAt, h.hostname])).toEqual([["2026-11-01T08:00:00Z", "PC-NEW"], ["2026-11-20T08:00:00Z", "PC-NEW"]]);
  });

  it("lists endpoints in the same human order on both databases (case aside, numbers as numbers)", async () => {
    await store.clients.create({ slug: "order", name: "Order", createdAt: "2026-11-01T00:00:00.000Z" });
    for (const hostname of ["PC-10", "alpha", "PC-9", "Beta"]) {
      const endpoint = uuid();
      const scan = newScan("order", endpoint, "2026-11-21T06:00:00Z");
      await store.scans.add({ ...scan, endpoint: { ...scan.endpoint, hostname } });
    }
    expect((await store.endpoints.list("order")).map((e) => e.hostname)).toEqual(["alpha", "Beta", "PC-9", "PC-10"]);
  });

  it("stores text with NUL characters the same way on both databases", async () => {
    const endpoint = uuid();
    const scan = newScan("acme", endpoint, "2026-11-21T07:00:00Z");
    await store.scans.add({ ...scan, endpoint: { ...scan.endpoint, hostname: "PC\u00001", model: "Lat\u0000itude" } });
    expect(await store.endpoints.get("acme", endpoint)).toMatchObject({ hostname: "PC\uFFFD1", model: "Lat\uFFFDitude" });
  });

  it("replaces a scan's findings when re-evaluated", async () => {
    const endpoint = uuid();
    const scan = newScan("acme", endpoint, "2026-11-21T08:00:00Z", { findings: [finding("os.end-of-life", "Windows 7", endpoint)] });
    await store.scans.add(scan);
    await store.scans.replaceFindings(scan.scanId, [{ ...finding("os.end-of-life", "Windows 7", endpoint), waived: true }], { findings: 1, waived: 1, bySeverity: {} });
    expect((await store.findings.current("acme")).filter((f) => f.endpoint.id === endpoint).map((f) => f.waived)).toEqual([true]);
    expect((await store.scans.get("acme", scan.scanId))?.summary.waived).toBe(1);
  });

  it("says when each finding id was first stored: the earliest scan holding it, this client's scans only", async () => {
    const endpoint = uuid();
    const withId = (id: string, subject: string) => ({ ...finding("software.denied", subject, endpoint), id });
    const [a, b, c] = ["c0ffee0000000000000a", "c0ffee0000000000000b", "c0ffee0000000000000c"];
    // Another tenant holding the same id earlier must not move acme's date.
    await store.clients.create({ slug: "initech", name: "Initech", createdAt: "2026-11-01T00:00:00.000Z" });
    await store.scans.add(newScan("initech", uuid(), "2026-10-01T08:00:00.000Z", { findings: [withId(a, "AnyDesk")] }));
    await store.scans.add(newScan("acme", endpoint, "2026-10-05T08:00:00.000Z", { findings: [withId(b, "TeamViewer")] }));
    await store.scans.add(newScan("acme", endpoint, "2026-10-03T08:00:00.000Z", { findings: [withId(a, "AnyDesk")] })); // arrived late
    const latest = newScan("acme", endpoint, "2026-10-09T08:00:00.000Z", { findings: [withId(b, "TeamViewer")] });
    await store.scans.add(latest);
    await store.scans.replaceFindings(latest.scanId, [withId(b, "TeamViewer"), withId(c, "uTorrent")], { findings: 2, waived: 0, bySeverity: {} });
    const acme = await store.findings.firstSeen("acme");
    expect([a, b, c].map((id) => acme.get(id))).toEqual(["2026-10-03T08:00:00.000Z", "2026-10-05T08:00:00.000Z", "2026-10-09T08:00:00.000Z"]);
    expect([...(await store.findings.firstSeen("initech"))]).toEqual([[a, "2026-10-01T08:00:00.000Z"]]);
    expect((await store.findings.firstSeen("nobody")).size).toBe(0);
  });

  it("answers what each endpoint's findings were at a past moment, this client's scans only", async () => {
    for (const slug of ["history", "history-other"]) await store.clients.create({ slug, name: slug, createdAt: "2026-11-01T00:00:00.000Z" });
    const [pc1, pc2] = [uuid(), uuid()];
    const subjects = async (moment: string) => (await store.findings.at("history", moment)).map((f) => `${f.endpoint.hostname}:${f.subject}`);
    await store.scans.add(newScan("history", pc1, "2026-10-01T08:00:00.000Z", { findings: [finding("os.end-of-life", "Windows 7", pc1, "PC-1"), finding("software.denied", "AnyDesk", pc1, "PC-1")] }));
    await store.scans.add(newScan("history", pc1, "2026-10-10T08:00:00.000Z", { findings: [finding("os.end-of-life", "Windows 7", pc1, "PC-1")] }));
    await store.scans.add(newScan("history", pc2, "2026-10-05T08:00:00.000Z", { findings: [finding("hardware.unregistered", "SN-2", pc2, "PC-2")] }));
    await store.scans.add(newScan("history-other", uuid(), "2026-10-02T08:00:00.000Z", { findings: [finding("os.unknown", "Other OS", uuid(), "PC-1")] }));
    expect(await subjects("2026-09-30T00:00:00.000Z")).toEqual([]);
    expect(await subjects("2026-10-01T08:00:00.000Z")).toEqual(["PC-1:Windows 7", "PC-1:AnyDesk"]);
    expect(await subjects("2026-10-06T00:00:00.000Z")).toEqual(["PC-1:Windows 7", "PC-1:AnyDesk", "PC-2:SN-2"]);
    expect(await subjects("2026-10-11T00:00:00.000Z")).toEqual(["PC-1:Windows 7", "PC-2:SN-2"]);
  });

  it("keeps dashboard users by email, disables them with their sessions", async () => {
    const user = { id: uuid(), email: "sam@msp.example", name: "Sam Ops <b>", passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", createdAt: "2026-11-01T00:00:00.000Z" };
    expect(await store.users.create(user)).toBe(true);
    expect(await store.users.create({ ...user, id: uuid(), name: "again" })).toBe(false);
    expect(await store.users.byEmail("sam@msp.example")).toEqual(user);
    expect(await store.users.get(user.id)).toEqual(user);
    expect(await store.users.byEmail("nobody@msp.example")).toBeUndefined();
    await store.users.setPassword(user.id, "scrypt$new");
    await store.users.recordLogin(user.id, "2026-11-02T09:00:00.000Z");
    expect(await store.users.get(user.id)).toMatchObject({ passwordHash: "scrypt$new", lastLoginAt: "2026-11-02T09:00:00.000Z" });

    const session = { idHash: "a".repeat(64), userId: user.id, createdAt: "2026-11-02T09:00:00.000Z", expiresAt: "2026-11-02T21:00:00.000Z", lastSeenAt: "2026-11-02T09:00:00.000Z", ip: "192.0.2.7", userAgent: "Mozilla/5.0" };
    await store.sessions.create(session);
    await store.sessions.create({ ...session, idHash: "b".repeat(64), ip: undefined, userAgent: undefined });
    await expect(store.sessions.create(session)).rejects.toThrow();
    expect(await store.sessions.get("a".repeat(64))).toEqual(session);
    await store.sessions.touch("a".repeat(64), "2026-11-02T09:30:00.000Z");
    expect(await store.sessions.get("a".repeat(64))).toMatchObject({ lastSeenAt: "2026-11-02T09:30:00.000Z" });
    await store.sessions.end("b".repeat(64), "2026-11-02T09:31:00.000Z");
    expect(await store.sessions.get("b".repeat(64))).toMatchObject({ endedAt: "2026-11-02T09:31:00.000Z" });

    expect(await store.users.disable(user.id, "2026-11-03T00:00:00.000Z")).toBe(true);
    expect(await store.users.disable(user.id, "2026-11-04T00:00:00.000Z")).toBe(false);
    expect(await store.users.get(user.id)).toMatchObject({ disabledAt: "2026-11-03T00:00:00.000Z" });
    expect(await store.sessions.get("a".repeat(64))).toMatchObject({ endedAt: "2026-11-03T00:00:00.000Z" });
    expect(await store.sessions.get("b".repeat(64))).toMatchObject({ endedAt: "2026-11-02T09:31:00.000Z" });
    expect(await store.sessions.endAll(user.id, "2026-11-05T00:00:00.000Z")).toBe(0);
    expect((await store.users.list()).map((u) => u.email)).toContain("sam@msp.example");
  });

  it("never shows one client's endpoints, scans or findings to another", async () => {
    const endpoint = uuid();
    await store.scans.add(newScan("globex", endpoint, "2026-11-22T08:00:00Z", { findings: [finding("os.unknown", "Globex OS", endpoint)] }));
    expect((await store.endpoints.list("acme")).some((e) => e.id === endpoint)).toBe(false);
    expect(await store.endpoints.get("acme", endpoint)).toBeUndefined();
    expect((await store.findings.current("acme")).some((f) => f.subject === "Globex OS")).toBe(false);
    expect((await store.scans.list("acme")).some((s) => s.endpointId === endpoint)).toBe(false);
    expect((await store.findings.current("globex")).map((f) => f.subject)).toEqual(["Globex OS"]);
  });

  it("stores scans with hundreds of findings (batched inserts) and keeps the gzip bytes an agent sent", async () => {
    const endpoint = uuid();
    const findings = Array.from({ length: 250 }, (_, i) => ({ ...finding("software.unapproved", `App ${i}`, endpoint), id: String(i).padStart(20, "0") }));
    const text = JSON.stringify({ software: Array.from({ length: 450 }, (_, i) => `App ${i}`) });
    const { record } = await store.scans.add(newScan("acme", endpoint, "2026-11-22T09:00:00Z", { findings, softwareCount: 450, inventory: { text, gzip: gzipSync(text) } }));
    expect(record.softwareCount).toBe(450);
    expect(await store.scans.inventoryText("acme", record.scanId)).toBe(text);
    expect((await store.findings.current("acme")).filter((f) => f.endpoint.id === endpoint)).toHaveLength(250);
  });

  it("survives concurrent adds of the same and different scans", async () => {
    const endpoint = uuid();
    const scans = Array.from({ length: 10 }, (_, i) => newScan("acme", endpoint, `2026-11-0${i % 9 + 1}T10:00:00Z`));
    const results = await Promise.all([...scans, ...scans].map((s) => store.scans.add(s)));
    expect(results.filter((r) => r.created)).toHaveLength(10);
    expect((await store.endpoints.get("acme", endpoint))?.scans).toBe(10);
  });

  it("appends audit events as a hash chain per client, also when appends race", async () => {
    const event = (n: number) => ({ at: `2026-11-23T10:00:${String(n).padStart(2, "0")}.000Z`, actor: "cli:sam", kind: "waiver.added", data: { n, subject: "Microsoft Windows 7 Professional", nested: { b: 2, a: 1 } } });
    const first = await store.audit.append("acme", event(0));
    expect(first).toMatchObject({ clientSlug: "acme", seq: 1, prevHash: GENESIS });
    // Another collector instance (another pool connection on PostgreSQL) appending at the same time.
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.audit.append("acme", event(i + 1))));
    await store.audit.append("globex", event(99));
    const events = await store.audit.list("acme");
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(events[0]).toEqual(first);
    expect(verifyChain("acme", events)).toMatchObject({ ok: true, events: 13 });
    expect((await store.audit.list("globex")).map((e) => [e.seq, e.data.n])).toEqual([[1, 99]]);
    expect(await store.audit.list("nobody")).toEqual([]);
  });

  it("keeps acknowledgement documents, signs each once while open, and lists decisions", async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0a]);
    const doc = (id: string, slug: string, tokenHash: string, expiresAt = "2026-12-07T10:00:00.000Z") => ({
      id, clientSlug: slug, kind: "periodic" as const, createdAt: `2026-11-23T10:00:0${id.length % 10}.000Z`, createdBy: "cli:sam", asOf: "2026-11-23", expiresAt,
      tokenHash, acceptDays: 365, findings: `{"id":"${id}","name":"Zürich <b>"}`, view: `{"v":"${id}"}`, findingsSha256: "f".repeat(64), pdf, pdfSha256: "p".repeat(64),
    });
    expect(await store.acks.create({ ...doc("CVT-1", "acme", "th1"), signerEmail: "ceo@acme.example" })).toBe(true);
    expect(await store.acks.create(doc("CVT-1", "acme", "th9"))).toBe(false);
    await expect(store.acks.create(doc("CVT-X", "acme", "th1"))).rejects.toThrow();
    expect(await store.acks.create(doc("CVT-22", "acme", "th2", "2026-11-24T00:00:00.000Z"))).toBe(true);
    expect(await store.acks.create(doc("CVT-333", "globex", "th3"))).toBe(true);
    expect(await store.acks.get("acme", "CVT-1")).toMatchObject({ id: "CVT-1", status: "pending", signerEmail: "ceo@acme.example", acceptDays: 365 });
    expect(await store.acks.get("globex", "CVT-1")).toBeUndefined();
    expect((await store.acks.byTokenHash("th3"))?.clientSlug).toBe("globex");
    expect(await store.acks.byTokenHash("nope")).toBeUndefined();
    expect((await store.acks.list("acme")).map((d) => d.id)).toEqual(["CVT-22", "CVT-1"]);
    expect(await store.acks.findings("acme", "CVT-1")).toBe('{"id":"CVT-1","name":"Zürich <b>"}');
    expect(await store.acks.view("acme", "CVT-1")).toBe('{"v":"CVT-1"}');
    expect(await store.acks.view("globex", "CVT-1")).toBeUndefined();
    expect(await store.acks.pdf("acme", "CVT-1", "report")).toEqual(pdf);
    expect(await store.acks.pdf("globex", "CVT-1", "report")).toBeUndefined();
    expect(await store.acks.decisionsVersion("acme")).toBe("0@");

    const signature = { documentId: "CVT-1", method: "electronic" as const, signerName: "Dana Scully", signerTitle: "Office manager", signedAt: "2026-11-24T09:00:00.000Z", ip: "203.0.113.9", userAgent: "Mozilla/5.0", recordedBy: "signing-page", pdfSha256: "s".repeat(64) };
    const decision = (findingId: string, decision: "accept" | "remediate", until: string) => ({ documentId: "CVT-1", findingId, rule: "os.end-of-life", endpointId: "e1", hostname: "RECEPTION", subject: "Windows 7 <x>", decision, until, decidedAt: signature.signedAt, decidedBy: "Dana Scully, Office manager" });
    const decisions = [decision("a1", "accept", "2027-11-24"), { ...decision("a2", "remediate", "2026-12-31"), comment: "new PC ordered" }];
    const signedPdf = new Uint8Array([1, 2, 3]);
    // Another client's id, then two racing submissions: exactly one is recorded.
    expect(await store.acks.sign("globex", signature, decisions, signedPdf, "2026-11-24T09:00:00.000Z")).toBe(false);
    const raced = await Promise.all([1, 2].map(() => store.acks.sign("acme", signature, decisions, signedPdf, "2026-11-24T09:00:00.000Z")));
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect(await store.acks.sign("acme", signature, decisions, signedPdf, "2026-11-24T09:00:00.000Z")).toBe(false);
    expect(await store.acks.get("acme", "CVT-1")).toMatchObject({ status: "signed", signedAt: "2026-11-24T09:00:00.000Z" });
    expect(await store.acks.signature("acme", "CVT-1")).toEqual(signature);
    expect(await store.acks.signature("globex", "CVT-1")).toBeUndefined();
    expect(await store.acks.pdf("acme", "CVT-1", "signed")).toEqual(signedPdf);
    expect(await store.acks.decisions("acme")).toEqual(decisions);
    expect(await store.acks.decisions("acme", "CVT-22")).toEqual([]);
    expect(await store.acks.decisions("globex")).toEqual([]);
    expect(await store.acks.decisionsVersion("acme")).toBe("2@2026-11-24T09:00:00.000Z");

    // An expired link cannot sign electronically; a wet-ink scan of the paper copy is still recorded.
    const late = { ...signature, documentId: "CVT-22", signedAt: "2026-11-25T09:00:00.000Z" };
    expect(await store.acks.sign("acme", late, [], signedPdf, "2026-11-25T09:00:00.000Z")).toBe(false);
    expect(await store.acks.sign("acme", { ...late, method: "wet-ink", recordedBy: "cli:sam", ip: undefined, userAgent: undefined }, [], signedPdf, "2026-11-25T09:00:00.000Z")).toBe(true);
    expect(await store.acks.get("acme", "CVT-22")).toMatchObject({ status: "wet-signed" });
  });

  it("keeps each client's notes log in the order things happened", async () => {
    const note = (id: string, slug: string, date: string, recordedAt: string) => ({ id, clientSlug: slug, date, channel: "phone", who: "Sam (MSP), Dana <Acme>", summary: `Call ${id}: Zürich ✓`, recordedAt, recordedBy: "cli:sam" });
    await store.notes.add(note("n2", "acme", "2026-11-20", "2026-11-21T09:00:00.000Z"));
    await store.notes.add(note("n1", "acme", "2026-11-02", "2026-11-22T09:00:00.000Z"));
    await store.notes.add(note("n3", "globex", "2026-11-01", "2026-11-22T09:00:00.000Z"));
    await expect(store.notes.add(note("n1", "acme", "2026-11-03", "x"))).rejects.toThrow();
    expect(await store.notes.list("acme")).toEqual([note("n1", "acme", "2026-11-02", "2026-11-22T09:00:00.000Z"), note("n2", "acme", "2026-11-20", "2026-11-21T09:00:00.000Z")]);
    expect((await store.notes.list("globex")).map((n) => n.id)).toEqual(["n3"]);
  });

  it("queues outbox messages once per dedupe key, hands out due ones oldest first, schedules retries and gives up", async () => {
    const message = (id: string, slug: string, createdAt: string, dedupeKey = `k:${id}`) => ({ id, clientSlug: slug, kind: "waiver.expiring", dedupeKey, payload: { text: `Zürich ✓ ${id}`, n: 1 }, createdAt });
    expect(await store.outbox.enqueue(message("m2", "acme", "2026-12-01T10:00:02.000Z"))).toBe(true);
    expect(await store.outbox.enqueue(message("m1", "acme", "2026-12-01T10:00:01.000Z"))).toBe(true);
    expect(await store.outbox.enqueue(message("m3", "globex", "2026-12-01T10:00:03.000Z"))).toBe(true);
    // Another instance (or a restart) queuing the same reminder under a new id: refused by its key.
    expect(await Promise.all([1, 2].map((i) => store.outbox.enqueue(message(`m1-${i}`, "acme", "2026-12-01T11:00:00.000Z", "k:m1"))))).toEqual([false, false]);
    expect((await store.outbox.due("2026-12-01T10:00:00.000Z", 10)).map((m) => m.id)).toEqual([]);
    expect((await store.outbox.due("2026-12-01T10:00:02.000Z", 10)).map((m) => m.id)).toEqual(["m1", "m2"]);
    expect((await store.outbox.due("2026-12-02T00:00:00.000Z", 2)).map((m) => m.id)).toEqual(["m1", "m2"]);

    await store.outbox.markFailed("m1", "HTTP 500", "2026-12-01T10:01:01.000Z", "2026-12-01T10:00:05.000Z");
    expect((await store.outbox.due("2026-12-01T10:00:30.000Z", 10)).map((m) => m.id)).toEqual(["m2", "m3"]);
    expect((await store.outbox.due("2026-12-01T10:02:00.000Z", 10)).map((m) => m.id)).toEqual(["m2", "m3", "m1"]);
    await store.outbox.markDelivered("m2", "2026-12-01T10:00:06.000Z");
    await store.outbox.markFailed("m3", "connection refused", undefined, "2026-12-01T10:00:07.000Z");
    expect((await store.outbox.due("2026-12-02T00:00:00.000Z", 10)).map((m) => m.id)).toEqual(["m1"]);

    expect(await store.outbox.list("acme")).toEqual([
      { ...message("m1", "acme", "2026-12-01T10:00:01.000Z"), attempts: 1, nextAttemptAt: "2026-12-01T10:01:01.000Z", lastError: "HTTP 500" },
      { ...message("m2", "acme", "2026-12-01T10:00:02.000Z"), attempts: 1, nextAttemptAt: "2026-12-01T10:00:02.000Z", deliveredAt: "2026-12-01T10:00:06.000Z" },
    ]);
    expect(await store.outbox.list("globex")).toEqual([{ ...message("m3", "globex", "2026-12-01T10:00:03.000Z"), attempts: 1, nextAttemptAt: "2026-12-01T10:00:03.000Z", failedAt: "2026-12-01T10:00:07.000Z", lastError: "connection refused" }]);
    // A late outcome for a message already settled changes nothing.
    await store.outbox.markFailed("m2", "late", "2026-12-03T00:00:00.000Z", "2026-12-01T10:00:08.000Z");
    expect((await store.outbox.list("acme"))[1]).toMatchObject({ attempts: 1, deliveredAt: "2026-12-01T10:00:06.000Z" });
    expect((await store.outbox.list("acme"))[1]?.lastError).toBeUndefined();
  });

  it("opens an existing database again without re-running migrations", async () => {
    const again = await openStore(db.url);
    expect((await again.clients.list()).map((c) => c.slug)).toEqual(expect.arrayContaining(["acme", "globex"]));
    await again.close();
  });
});
