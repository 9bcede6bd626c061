// The audit trail the services write, on SQLite and PostgreSQL: what an MSP did for a client, in order,
// chained so that a later edit shows.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../../test/postgres.js";
import { BUNDLED_PRODUCTS } from "../lifecycle/data/index.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { createClient, exportClientAudit, revokeToken, verifyClientAudit } from "./audit.js";
import { putCatalog, putProcurement } from "./catalogs.js";
import { createEvaluator } from "./evaluation.js";
import { issueToken } from "./tokens.js";
import { addNote } from "./notes.js";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const waiver = (subject: string, expires: string) => `  - { rule: os.end-of-life, endpoint: "RECEPTION-*", subject: "${subject}", justification: "X-ray software", acceptedBy: "J. Doe", accepted: 2026-01-10, expires: ${expires} }\n`;
const catalog = (...waivers: string[]) => `schema: caveat.catalog/v1\nclient: acme\nwaivers:\n${waivers.join("")}`;

describe.each([
  ["SQLite", async () => join(await mkdtemp(join(tmpdir(), "caveat-audit-")), "caveat.db")],
  ["PostgreSQL", async () => pg.url],
])("audit trail (%s)", (_name, database) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(await database());
  });
  afterAll(async () => {
    await store?.close();
  });

  it("records client, catalog, waiver, procurement and token changes with who did them", async () => {
    const evaluator = createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS));
    const at = (h: number) => new Date(`2026-11-23T${String(h).padStart(2, "0")}:00:00Z`);
    expect(await createClient(store, { slug: "acme", name: "Acme Dental", createdAt: at(8).toISOString() }, "cli:sam")).toBe(true);
    expect(await createClient(store, { slug: "acme", name: "again", createdAt: at(8).toISOString() }, "cli:sam")).toBe(false);
    await createClient(store, { slug: "globex", name: "Globex", createdAt: at(8).toISOString() }, "cli:sam");
    await putCatalog(store, evaluator, "acme", catalog(waiver("*Windows 7*", "2027-01-10"), waiver("*Windows 8*", "2027-01-10")), at(9), undefined, "cli:sam");
    // The practice manager's Windows 8 acceptance is withdrawn; Windows 7's is extended.
    await putCatalog(store, evaluator, "acme", catalog(waiver("*Windows 7*", "2027-06-30")), at(10), undefined, "token:abc (laptop)");
    await putProcurement(store, evaluator, "acme", "Serial Number,Model\n5CG1,EliteBook\n", at(11), "cli:sam");
    const agent = await issueToken(store, { kind: "agent", clientSlug: "acme", label: "site 1", now: at(12), actor: "cli:sam" });
    await issueToken(store, { kind: "admin", now: at(12), actor: "cli:sam" });
    expect(await revokeToken(store, agent.record.id, "cli:alex", at(13))).toBe(true);
    expect(await revokeToken(store, agent.record.id, "cli:alex", at(13))).toBe(false);

    const events = await store.audit.list("acme");
    expect(events.map((e) => `${e.at.slice(11, 13)} ${e.actor} ${e.kind}`)).toEqual([
      "08 cli:sam client.created",
      "09 cli:sam catalog.changed",
      "09 cli:sam waiver.added",
      "09 cli:sam waiver.added",
      "10 token:abc (laptop) catalog.changed",
      "10 token:abc (laptop) waiver.added",
      "10 token:abc (laptop) waiver.removed",
      "10 token:abc (laptop) waiver.removed",
      "11 cli:sam procurement.changed",
      "12 cli:sam token.issued",
      "13 cli:alex token.revoked",
    ]);
    expect(events[5]!.data).toMatchObject({ subject: "*Windows 7*", expires: "2027-06-30" });
    expect(events.slice(6, 8).map((e) => `${e.data.subject} ${e.data.expires}`).sort()).toEqual(["*Windows 7* 2027-01-10", "*Windows 8* 2027-01-10"]);
    expect(events[4]!.data).toMatchObject({ waivers: 1, waiversAdded: 1, waiversRemoved: 2 });
    expect(events[9]!.data).toEqual({ tokenId: agent.record.id, label: "site 1" });
    expect(await verifyClientAudit(store, "acme")).toMatchObject({ ok: true, events: 11 });
    expect((await store.audit.list("globex")).map((e) => e.kind)).toEqual(["client.created"]);
  });

  it("exports the trail with its verification, and refuses unknown clients", async () => {
    const pack = await exportClientAudit(store, "acme", new Date("2026-11-23T14:00:00Z"));
    expect(pack).toMatchObject({ schema: "caveat.audit-export/v1", client: { slug: "acme", name: "Acme Dental" }, exportedAt: "2026-11-23T14:00:00.000Z", verification: { ok: true, events: 11 } });
    expect(pack.verification.head).toBe(pack.events.at(-1)!.hash);
    await expect(exportClientAudit(store, "nobody", new Date())).rejects.toThrow(/no client "nobody"/);
    await expect(verifyClientAudit(store, "nobody")).rejects.toThrow(/no client "nobody"/);
  });

  it("keeps a notes log per client, in the trail and in the evidence pack; refuses notes it cannot stand behind", async () => {
    const now = new Date("2026-11-23T15:00:00Z");
    const note = await addNote(store, "acme", { date: "2026-11-20", channel: "phone", who: "Sam (MSP), Dana <Acme>", summary: "Explained the Windows 7 risk again.\nDana will ask the owner." }, "cli:sam", now);
    await addNote(store, "acme", { channel: "email", who: "Sam", summary: "Sent the report." }, "cli:sam", now);
    await addNote(store, "globex", { channel: "meeting", who: "Alex", summary: "Onboarding." }, "cli:alex", now);
    const bad: [Partial<Parameters<typeof addNote>[2]>, RegExp][] = [
      [{ channel: "fax" }, /channel "fax": expected one of phone, email/],
      [{ date: "2026-11-24" }, /not after today/],
      [{ date: "2026-02-30" }, /expected a day/],
      [{ summary: "  " }, /summary: expected 1 to 4000/],
      [{ who: "a\u0007b" }, /who: expected/],
    ];
    for (const [override, message] of bad) {
      await expect(addNote(store, "acme", { channel: "phone", who: "Sam", summary: "x", ...override }, "cli:sam", now)).rejects.toThrow(message);
    }
    await expect(addNote(store, "nobody", { channel: "phone", who: "Sam", summary: "x" }, "cli:sam", now)).rejects.toThrow(/no client/);
    const notes = await store.notes.list("acme");
    expect(notes.map((n) => [n.date, n.channel, n.recordedBy])).toEqual([["2026-11-20", "phone", "cli:sam"], ["2026-11-23", "email", "cli:sam"]]);
    expect(notes[0]).toEqual(note);
    const event = (await store.audit.list("acme")).find((e) => e.kind === "note.added")!;
    expect(event.data).toEqual({ id: note.id, date: "2026-11-20", channel: "phone", who: "Sam (MSP), Dana <Acme>", summary: "Explained the Windows 7 risk again.\nDana will ask the owner." });
    const pack = await exportClientAudit(store, "acme", now);
    expect(pack.notes).toEqual(notes);
    expect(pack.acknowledgements).toEqual([]);
    expect(pack.verification.ok).toBe(true);
  });
});
