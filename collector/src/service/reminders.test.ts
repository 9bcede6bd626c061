// Expiry reminders on real databases, delivered to a real HTTP receiver and a real SMTP server on loopback.
import { createHmac } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Waiver } from "../../../schemas/catalog.v1.js";
import { startPostgres } from "../../../test/postgres.js";
import { verifyChain } from "../domain/audit-chain.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { deliverOutbox, queueWaiverReminders } from "./reminders.js";

const T0 = new Date("2026-12-01T09:00:00.000Z");
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
const MIN = 60_000;

const waiver = (subject: string, expires: string, ref: string): Waiver => ({
  rule: "os.end-of-life",
  endpoint: "RECEPTION-*",
  subject,
  justification: "X-ray software needs it",
  acceptedBy: "J. Doe, Practice Manager",
  accepted: "2026-01-10",
  expires,
  ref,
});

async function addClient(store: Store, slug: string, waivers: Waiver[]): Promise<void> {
  await store.clients.create({ slug, name: "Acme Dental", createdAt: "2026-01-01T00:00:00.000Z" });
  await store.catalogs.put(slug, { catalog: { schema: "caveat.catalog/v1", client: slug, waivers }, source: "waivers", procurement: [], updatedAt: "2026-01-01T00:00:00.000Z" });
}

/** A signed acknowledgement that accepts one finding until `until`. */
async function signAcceptance(store: Store, slug: string, until: string): Promise<void> {
  const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
  const id = "CVT-20261101-0001";
  await store.acks.create({ id, clientSlug: slug, kind: "periodic", createdAt: "2026-11-01T10:00:00.000Z", createdBy: "cli:sam", asOf: "2026-11-01", expiresAt: "2026-11-15T10:00:00.000Z", tokenHash: "th-reminders", acceptDays: 365, findings: "{}", view: "{}", findingsSha256: "f".repeat(64), pdf, pdfSha256: "p".repeat(64) });
  const signedAt = "2026-11-02T09:00:00.000Z";
  const signed = await store.acks.sign(
    slug,
    { documentId: id, method: "electronic", signerName: "Dana Scully", signerTitle: "Office manager", signedAt, recordedBy: "signing-page", pdfSha256: "s".repeat(64) },
    [{ documentId: id, findingId: "f1", rule: "software.denied", endpointId: "e-front", hostname: "FRONT-DESK", subject: "AnyDesk", decision: "accept", until, decidedAt: signedAt, decidedBy: "Dana Scully, Office manager" }],
    pdf,
    signedAt,
  );
  expect(signed).toBe(true);
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback answering each request with the next status of `statuses` (the last one repeats). */
async function startReceiver(statuses: number[]): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/caveat`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const databases: [string, () => Promise<{ fresh: () => Promise<Store>; stop: () => Promise<void> }>][] = [
  [
    "sqlite",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "caveat-reminders-"));
      let n = 0;
      return { fresh: () => openStore(join(dir, `${++n}.db`)), stop: async () => undefined };
    },
  ],
  [
    "postgres",
    async () => {
      const cluster = await startPostgres();
      let n = 0;
      // One cluster, a database per test: each test sees only its own outbox.
      const fresh = async () => {
        const name = `reminders_${++n}`;
        const admin = new pg.Client({ connectionString: cluster.url });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const url = new URL(cluster.url);
        url.pathname = `/${name}`;
        return openStore(url.toString());
      };
      return { fresh, stop: cluster.stop };
    },
  ],
];

describe.each(databases)("waiver expiry reminders: %s", (_name, start) => {
  let db: { fresh: () => Promise<Store>; stop: () => Promise<void> };
  const opened: Store[] = [];
  const fresh = async () => {
    const store = await db.fresh();
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    db = await start();
  }, 60_000);

  afterAll(async () => {
    for (const store of opened) await store.close();
    await db?.stop();
  });

  it("queues one reminder per waiver and stage: expiring within the warning period, expired; never twice", async () => {
    const store = await fresh();
    await addClient(store, "acme-dental", [waiver("*Windows 7*", "2026-12-11", "ACK-SOON"), waiver("*Windows 8*", "2027-03-11", "ACK-LATER"), waiver("*Vista*", "2026-11-30", "ACK-PAST")]);
    await signAcceptance(store, "acme-dental", "2026-12-21");

    expect(await queueWaiverReminders(store, T0)).toEqual({ clients: 1, waivers: 4, expiring: 2, expired: 1 });
    const queued = await store.outbox.list("acme-dental");
    const summary = queued.map((m) => [m.kind, (m.payload as { waiver: { ref: string } }).waiver.ref, (m.payload as { daysLeft: number }).daysLeft]);
    expect(summary.sort()).toEqual([
      ["waiver.expired", "ACK-PAST", -1],
      ["waiver.expiring", "ACK-SOON", 10],
      ["waiver.expiring", "CVT-20261101-0001", 20],
    ]);
    const soon = queued.find((m) => (m.payload as { waiver: { ref: string } }).waiver.ref === "ACK-SOON")!;
    expect(soon).toMatchObject({ clientSlug: "acme-dental", attempts: 0, nextAttemptAt: T0.toISOString(), dedupeKey: expect.stringMatching(/^waiver-expiring:acme-dental:[0-9a-f]{32}:2026-12-11$/) });
    expect(soon.payload).toEqual({
      client: { slug: "acme-dental", name: "Acme Dental" },
      waiver: { rule: "os.end-of-life", endpoint: "RECEPTION-*", subject: "*Windows 7*", acceptedBy: "J. Doe, Practice Manager", accepted: "2026-01-10", expires: "2026-12-11", ref: "ACK-SOON", source: "catalog" },
      daysLeft: 10,
      text: 'The acceptance of "*Windows 7*" (os.end-of-life) on endpoints matching RECEPTION-* by J. Doe, Practice Manager (ACK-SOON) expires on 2026-12-11, in 10 days. The risk comes back for a new decision: request a new acknowledgement with caveat ack request --client acme-dental',
    });
    const signed = queued.find((m) => (m.payload as { waiver: { source: string } }).waiver.source === "acknowledgement")!;
    expect(signed.payload).toMatchObject({ waiver: { rule: "software.denied", endpoint: "e-front", hostname: "FRONT-DESK", subject: "AnyDesk", acceptedBy: "Dana Scully, Office manager", accepted: "2026-11-02", expires: "2026-12-21" } });

    // Again (another instance, a restart, the next timer tick): nothing new.
    expect(await queueWaiverReminders(store, at(T0, 15 * MIN))).toEqual({ clients: 1, waivers: 4, expiring: 0, expired: 0 });
    // The soon one's expiry day: its second stage.
    expect(await queueWaiverReminders(store, new Date("2026-12-11T06:00:00.000Z"))).toEqual({ clients: 1, waivers: 4, expiring: 0, expired: 1 });
    const later = (await store.outbox.list("acme-dental")).filter((m) => m.kind === "waiver.expired").map((m) => m.payload as { waiver: { ref: string }; text: string });
    expect(later.map((p) => p.waiver.ref).sort()).toEqual(["ACK-PAST", "ACK-SOON"]);
    expect(later.find((p) => p.waiver.ref === "ACK-SOON")!.text).toContain("expired on 2026-12-11; the finding is open again. The risk comes back for a new decision");

    const events = await store.audit.list("acme-dental");
    const queuedEvents = events.filter((e) => e.kind === "reminder.queued");
    expect(queuedEvents).toHaveLength(4);
    expect(queuedEvents[0]).toMatchObject({ actor: "collector:reminders", data: { kind: expect.stringMatching(/^waiver\./), outboxId: expect.any(String), expires: expect.any(String) } });
    expect(verifyChain("acme-dental", events)).toMatchObject({ ok: true });
  });

  it("posts signed JSON to a webhook, retries failures with growing waits, then delivers once", async () => {
    const store = await fresh();
    await addClient(store, "acme-dental", [waiver("*Windows 7*", "2026-12-11", "ACK-SOON")]);
    await queueWaiverReminders(store, T0);
    const receiver = await startReceiver([500, 500, 204]);
    const channels = { webhook: { url: receiver.url, secret: "s3cret" } };
    try {
      expect(await deliverOutbox(store, T0, channels)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
      expect((await store.outbox.list("acme-dental"))[0]).toMatchObject({ attempts: 1, nextAttemptAt: at(T0, MIN).toISOString(), lastError: "webhook: HTTP 500" });
      // Not due yet: nothing is sent.
      expect(await deliverOutbox(store, at(T0, 30_000), channels)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
      expect(receiver.received).toHaveLength(1);
      expect(await deliverOutbox(store, at(T0, MIN), channels)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
      expect((await store.outbox.list("acme-dental"))[0]).toMatchObject({ attempts: 2, nextAttemptAt: at(T0, 3 * MIN).toISOString() });
      expect(await deliverOutbox(store, at(T0, 3 * MIN), channels)).toEqual({ delivered: 1, retrying: 0, failed: 0 });
      expect(await deliverOutbox(store, at(T0, 60 * MIN), channels)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    } finally {
      await receiver.close();
    }
    const [message] = await store.outbox.list("acme-dental");
    expect(message).toMatchObject({ attempts: 3, deliveredAt: at(T0, 3 * MIN).toISOString() });
    expect(message?.lastError).toBeUndefined();

    expect(receiver.received).toHaveLength(3);
    const last = receiver.received[2]!;
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["x-caveat-event"]).toBe("waiver.expiring");
    const expected = `sha256=${createHmac("sha256", "s3cret").update(last.body).digest("hex")}`;
    expect(last.headers["x-caveat-signature"]).toBe(expected);
    // Every attempt carries the same id and body: the receiver deduplicates on id.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(last.body)).toEqual({ id: message!.id, kind: "waiver.expiring", client: "acme-dental", createdAt: T0.toISOString(), payload: message!.payload });

    const events = await store.audit.list("acme-dental");
    expect(events.filter((e) => e.kind === "reminder.sent").map((e) => e.data)).toEqual([{ outboxId: message!.id, kind: "waiver.expiring", attempts: 3, channels: ["webhook"] }]);
    expect(events.some((e) => e.kind === "reminder.failed")).toBe(false);
    expect(verifyChain("acme-dental", events)).toMatchObject({ ok: true });
  });

  it("gives up after maxAttempts and keeps the last error; an unreachable receiver is a failed attempt too", async () => {
    const store = await fresh();
    await addClient(store, "acme-dental", [waiver("*Windows 7*", "2026-12-11", "ACK-SOON")]);
    await queueWaiverReminders(store, T0);
    const receiver = await startReceiver([503]);
    let now = T0;
    try {
      for (let i = 0; i < 3; i++) {
        const counts = await deliverOutbox(store, now, { webhook: { url: receiver.url } }, { maxAttempts: 3 });
        expect(counts).toEqual(i < 2 ? { delivered: 0, retrying: 1, failed: 0 } : { delivered: 0, retrying: 0, failed: 1 });
        now = at(now, 7 * 60 * MIN);
      }
      expect(await deliverOutbox(store, now, { webhook: { url: receiver.url } }, { maxAttempts: 3 })).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    } finally {
      await receiver.close();
    }
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received[0]!.headers["x-caveat-signature"]).toBeUndefined();
    const [message] = await store.outbox.list("acme-dental");
    expect(message).toMatchObject({ attempts: 3, failedAt: at(T0, 14 * 60 * MIN).toISOString(), lastError: "webhook: HTTP 503" });
    expect(message?.deliveredAt).toBeUndefined();
    const failed = (await store.audit.list("acme-dental")).filter((e) => e.kind === "reminder.failed");
    expect(failed.map((e) => e.data)).toEqual([{ outboxId: message!.id, kind: "waiver.expiring", attempts: 3, channels: ["webhook"], error: "webhook: HTTP 503" }]);

    // A port nobody listens on (a fresh one: fetch may keep a connection to the closed receiver): refused.
    const gone = await startReceiver([204]);
    await gone.close();
    await queueWaiverReminders(store, new Date("2026-12-11T00:00:00.000Z"));
    expect(await deliverOutbox(store, new Date("2026-12-11T00:00:00.000Z"), { webhook: { url: gone.url } }, { maxAttempts: 1 })).toEqual({ delivered: 0, retrying: 0, failed: 1 });
    expect((await store.outbox.list("acme-dental")).find((m) => m.kind === "waiver.expired")).toMatchObject({ attempts: 1, lastError: "webhook: ECONNREFUSED" });
  });

  it("emails the reminder through SMTP: from, to, subject and the plain-English text", async () => {
    const store = await fresh();
    await addClient(store, "acme-dental", [waiver("*Windows 7*", "2027-01-10", "ACK-2026-001")]);
    expect(await queueWaiverReminders(store, new Date("2026-12-20T08:00:00.000Z"))).toMatchObject({ expiring: 1 });
    const mails: { from: string; to: string[]; raw: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        let raw = "";
        stream.setEncoding("utf8").on("data", (d: string) => (raw += d));
        stream.on("end", () => {
          const from = session.envelope.mailFrom;
          mails.push({ from: from ? from.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    try {
      const channels = { smtp: { url: `smtp://127.0.0.1:${port}`, from: "caveat@msp.example", to: ["sam@msp.example", "dana@acme.example"] } };
      expect(await deliverOutbox(store, new Date("2026-12-20T08:00:00.000Z"), channels)).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.from).toBe("caveat@msp.example");
    expect(mail.to).toEqual(["sam@msp.example", "dana@acme.example"]);
    const [head = "", ...rest] = mail.raw.split("\r\n\r\n");
    expect(head).toMatch(/^From: caveat@msp\.example$/m);
    expect(head).toMatch(/^To: sam@msp\.example, dana@acme\.example$/m);
    expect(head).toMatch(/^Subject: \[caveat\] Acme Dental: risk acceptance expires on 2027-01-10$/m);
    const body = decodeQuotedPrintable(rest.join("\r\n\r\n"));
    expect(body.trim()).toBe('The acceptance of "*Windows 7*" (os.end-of-life) on endpoints matching RECEPTION-* by J. Doe, Practice Manager (ACK-2026-001) expires on 2027-01-10, in 21 days. The risk comes back for a new decision: request a new acknowledgement with caveat ack request --client acme-dental');
    const events = await store.audit.list("acme-dental");
    expect(events.filter((e) => e.kind === "reminder.sent").map((e) => e.data.channels)).toEqual([["smtp"]]);
    expect(verifyChain("acme-dental", events)).toMatchObject({ ok: true });
  });
});

/** Plain-text bodies come quoted-printable when a line is long: soft breaks and =XX escapes. */
function decodeQuotedPrintable(text: string): string {
  const bytes = text.replaceAll(/=\r\n/g, "").replaceAll(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
