import { once } from "node:events";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SPOOL_LIMITS, Spool, spoolItemName } from "./spool.js";
import { classifyAnswer, flushSpool, GZIP_MIN_BYTES, parseRetryAfter, redact, redactValue, submitInventory } from "./submit.js";

const NOW = new Date("2026-11-23T09:00:00.000Z");
const SCAN = "0b5c3f4e-1111-4a2b-9c3d-000000000001";
const json = "application/json; charset=utf-8";

describe("classifyAnswer", () => {
  const answer = (status: number, text = "", extra: Partial<Parameters<typeof classifyAnswer>[0]> = {}) => classifyAnswer({ status, text, contentType: json, scanId: SCAN, now: NOW, ...extra });

  it("201 created and 200 duplicate are both accepted for good", () => {
    expect(answer(201, JSON.stringify({ scanId: SCAN, status: "created" }))).toMatchObject({ outcome: "accepted", status: 201, duplicate: false });
    expect(answer(200, JSON.stringify({ scanId: SCAN, status: "duplicate" }))).toMatchObject({ outcome: "accepted", status: 200, duplicate: true });
    expect(answer(202, JSON.stringify({ scanId: SCAN }))).toMatchObject({ outcome: "accepted", status: 202 });
  });

  it("does not trust a 2xx that is not the collector's JSON or names another scan", () => {
    expect(answer(200, "<html>Sign in to the hotel Wi-Fi</html>", { contentType: "text/html" })).toMatchObject({ outcome: "temporary", summary: expect.stringContaining("captive portal") });
    expect(answer(201, JSON.stringify({ scanId: "0b5c3f4e-9999-4a2b-9c3d-000000000009" }))).toMatchObject({ outcome: "temporary", summary: expect.stringContaining("not the one sent") });
  });

  it.each([400, 401, 403, 404, 409, 413, 415, 422])("%i is permanent, with the error body kept", (status) => {
    const body = { error: "invalid-inventory", message: "/os/name is required", details: [{ pointer: "/os/name" }] };
    const result = answer(status, JSON.stringify(body));
    expect(result).toEqual({ outcome: "permanent", status, error: body, summary: `HTTP ${status} invalid-inventory: /os/name is required` });
  });

  it.each([408, 425, 429, 500, 502, 503, 504])("%i is temporary", (status) => {
    expect(answer(status, "")).toMatchObject({ outcome: "temporary", status });
  });

  it("reads Retry-After from a 429 or 503", () => {
    expect(answer(503, '{"error":"overloaded","message":"try later"}', { retryAfter: "120" })).toEqual({
      outcome: "temporary",
      status: 503,
      summary: "HTTP 503 overloaded: try later (retry after 120 s)",
      retryAfterMs: 120_000,
    });
    expect(answer(429, "", { retryAfter: "Mon, 23 Nov 2026 09:10:00 GMT" })).toMatchObject({ retryAfterMs: 600_000 });
  });

  it("keeps a non-JSON error page as text, and does not follow redirects", () => {
    expect(answer(404, "<h1>Not Found</h1>\n<p>nginx</p>", { contentType: "text/html" })).toMatchObject({ outcome: "permanent", error: "<h1>Not Found</h1>\n<p>nginx</p>", summary: "HTTP 404 <h1>Not Found</h1>" });
    expect(answer(301, "", { location: "https://caveat.example.net/api/v1/inventories" })).toMatchObject({
      outcome: "temporary",
      summary: expect.stringContaining("redirect to https://caveat.example.net/api/v1/inventories: redirects are not followed"),
    });
  });
});

describe("parseRetryAfter", () => {
  it("takes delta-seconds or an HTTP date, nothing else", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 3600 ", NOW)).toBe(3_600_000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 09:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 08:00:00 GMT", NOW)).toBe(0);
    expect(parseRetryAfter("-5", NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
  });
});

describe("redact", () => {
  it("removes the token from text and from every string of a JSON value", () => {
    expect(redact("bad header Bearer s3cret!", "s3cret!")).toBe("bad header Bearer [token]");
    expect(redactValue({ message: "token s3cret! is revoked", details: ["s3cret!", 4] }, "s3cret!")).toEqual({ message: "token [token] is revoked", details: ["[token]", 4] });
  });
});

/** A real HTTP server on loopback, answering what each test tells it to. */
interface Received {
  scanId: string;
  headers: IncomingMessage["headers"];
  rawBytes: number;
}
let server: Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    server.close();
    server = undefined;
  }
});

async function collector(answer: (received: Received, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
    const entry = { scanId: (JSON.parse(body.toString("utf8")) as { scanId: string }).scanId, headers: req.headers, rawBytes: raw.length };
    received.push(entry);
    answer(entry, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/inventories`, received };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

const doc = (scanId: string, padding = 0) => JSON.stringify({ schema: "caveat.inventory/v1", scanId, pad: "p".repeat(padding) });

describe("submitInventory over real HTTP", () => {
  it("sends the bearer token and JSON, gzipped above 8 KB only", async () => {
    const { url, received } = await collector((r, res) => reply(res, 201, { scanId: r.scanId, status: "created" }));
    const small = await submitInventory(url, "tok-small", doc(SCAN), { scanId: SCAN });
    const big = await submitInventory(url, "tok-big", doc(SCAN, GZIP_MIN_BYTES * 4), { scanId: SCAN });
    expect(small).toMatchObject({ outcome: "accepted", status: 201, gzipped: false });
    expect(big).toMatchObject({ outcome: "accepted", gzipped: true });
    expect(received[0]!.headers).toMatchObject({ authorization: "Bearer tok-small", "content-type": "application/json" });
    expect(received[0]!.headers["content-encoding"]).toBeUndefined();
    expect(received[1]!.headers["content-encoding"]).toBe("gzip");
    expect(received[1]!.rawBytes).toBeLessThan(GZIP_MIN_BYTES);
    expect(received[0]!.headers["user-agent"]).toMatch(/^caveat-agent\//);
  });

  it("turns a refused connection and a silent server into temporary failures", async () => {
    const { url } = await collector(() => undefined); // never answers
    expect(await submitInventory(url, "tok-unit-test-1234", doc(SCAN), { timeoutMs: 200 })).toEqual({ outcome: "temporary", summary: "no answer within 200 ms" });
    server!.closeAllConnections();
    server!.close();
    await once(server!, "close");
    const refused = await submitInventory(url, "tok-unit-test-1234", doc(SCAN));
    expect(refused).toMatchObject({ outcome: "temporary", summary: expect.stringContaining("ECONNREFUSED") });
  });
});

describe("flushSpool", () => {
  const times = ["2026-11-23T06:00:00Z", "2026-11-23T07:00:00Z", "2026-11-23T08:00:00Z"];
  const ids = ["0b5c3f4e-1111-4a2b-9c3d-00000000000a", "0b5c3f4e-1111-4a2b-9c3d-00000000000b", "0b5c3f4e-1111-4a2b-9c3d-00000000000c"];
  async function spoolOfThree(): Promise<Spool> {
    const spool = new Spool(await mkdtemp(join(tmpdir(), "caveat-flush-")), DEFAULT_SPOOL_LIMITS);
    for (const i of [2, 0, 1]) await spool.add(doc(ids[i]!), ids[i]!, times[i]!);
    return spool;
  }
  const logs: string[] = [];
  const base = { token: "tok-unit-test-1234", log: (line: string) => logs.push(line), now: () => NOW };

  it("sends oldest first and empties the spool; a duplicate counts as accepted", async () => {
    const seen = new Set<string>([ids[1]!]);
    const { url, received } = await collector((r, res) => (seen.has(r.scanId) ? reply(res, 200, { scanId: r.scanId, status: "duplicate" }) : reply(res, 201, { scanId: r.scanId, status: "created" })));
    const spool = await spoolOfThree();
    const report = await flushSpool(spool, { ...base, url, dueOnly: true });
    expect(received.map((r) => r.scanId)).toEqual(ids);
    expect(report.accepted.map((a) => [a.status, a.duplicate])).toEqual([
      [201, false],
      [200, true],
      [201, false],
    ]);
    expect(report.remaining).toEqual([]);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it("stops at the first temporary failure and records when to try again", async () => {
    const { url, received } = await collector((r, res) => reply(res, 503, { error: "unavailable", message: "database down" }, { "retry-after": "300" }));
    const spool = await spoolOfThree();
    const report = await flushSpool(spool, { ...base, url, dueOnly: true });
    expect(received).toHaveLength(1);
    expect(report.deferred).toMatchObject({ item: { scanId: ids[0] }, nextAttemptAt: "2026-11-23T09:05:00.000Z" });
    expect(report.remaining.map((i) => [i.scanId, i.state.attempts])).toEqual([
      [ids[0], 1],
      [ids[1], 0],
      [ids[2], 0],
    ]);
    // Next run, same minute: the failed one is not due, the others are tried (and fail again).
    const again = await flushSpool(spool, { ...base, url, dueOnly: true });
    expect(again.notDue.map((i) => i.scanId)).toEqual([ids[0]]);
    expect(received.map((r) => r.scanId)).toEqual([ids[0], ids[1]]);
    // A manual flush tries everything now.
    await flushSpool(spool, { ...base, url, dueOnly: false });
    expect(received.map((r) => r.scanId)).toEqual([ids[0], ids[1], ids[0]]);
  });

  it("always tries the fresh scan, even when older ones are not due", async () => {
    const { url, received } = await collector((r, res) => reply(res, 201, { scanId: r.scanId, status: "created" }));
    const spool = await spoolOfThree();
    const names = (await spool.list()).map((i) => i.name);
    for (const name of names) await spool.recordFailure(name, { attempts: 1, nextAttemptAt: "2026-11-23T10:00:00.000Z" });
    const report = await flushSpool(spool, { ...base, url, dueOnly: true, fresh: spoolItemName(times[2]!, ids[2]!) });
    expect(received.map((r) => r.scanId)).toEqual([ids[2]]);
    expect(report.notDue).toHaveLength(2);
    expect(report.remaining.map((i) => i.scanId)).toEqual([ids[0], ids[1]]);
  });

  it("enforces the bounds after sending: what the collector took is not dropped", async () => {
    const { url, received } = await collector((r, res) => reply(res, 201, { scanId: r.scanId, status: "created" }));
    const warnings: string[] = [];
    const spool = new Spool(await mkdtemp(join(tmpdir(), "caveat-flush-")), { ...DEFAULT_SPOOL_LIMITS, maxItems: 2 }, (m) => warnings.push(m));
    for (const i of [0, 1, 2]) await spool.add(doc(ids[i]!), ids[i]!, times[i]!);
    const report = await flushSpool(spool, { ...base, url, dueOnly: true, fresh: spoolItemName(times[2]!, ids[2]!) });
    expect(received.map((r) => r.scanId)).toEqual(ids);
    expect(report.dropped).toEqual([]);
    expect(warnings).toEqual([]);

    // Collector down: three wait, the oldest goes.
    server!.closeAllConnections();
    server!.close();
    await once(server!, "close");
    for (const i of [0, 1, 2]) await spool.add(doc(ids[i]!), ids[i]!, times[i]!);
    const down = await flushSpool(spool, { ...base, url, dueOnly: true, fresh: spoolItemName(times[2]!, ids[2]!) });
    expect(down.dropped.map((d) => d.scanId)).toEqual([ids[0]]);
    expect(down.remaining.map((d) => d.scanId)).toEqual([ids[1], ids[2]]);
    expect(warnings).toHaveLength(1);
  });

  it("moves refused inventories to rejected/ with the answer (token scrubbed) and goes on with the rest", async () => {
    const { url } = await collector((r, res) =>
      r.scanId === ids[1] ? reply(res, 400, { error: "invalid-inventory", message: `bad document sent with ${String(r.headers.authorization)}` }) : reply(res, 201, { scanId: r.scanId, status: "created" }),
    );
    const spool = await spoolOfThree();
    const report = await flushSpool(spool, { ...base, token: "tok-SECRET", url, dueOnly: true });
    expect(report.accepted).toHaveLength(2);
    expect(report.rejected.map((r) => [r.item.scanId, r.status])).toEqual([[ids[1], 400]]);
    expect(report.rejected[0]!.summary).toBe("HTTP 400 invalid-inventory: bad document sent with Bearer [token]");
    const name = spoolItemName(times[1]!, ids[1]!);
    expect((await readdir(spool.rejectedDir)).sort()).toEqual([name.replace(".json", ".error.json"), name]);
    const saved = JSON.parse(await readFile(join(spool.rejectedDir, name.replace(".json", ".error.json")), "utf8"));
    expect(saved).toMatchObject({ status: 400, url, attempts: 1, error: { error: "invalid-inventory", message: "bad document sent with Bearer [token]" } });
  });
});
