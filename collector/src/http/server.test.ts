// The HTTP API over real HTTP (a listening server, fetch) on a real SQLite file.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { BUNDLED_PRODUCTS } from "../lifecycle/data/index.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { createEvaluator } from "../service/evaluation.js";
import { issueToken } from "../service/tokens.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { buildServer, type FastifyInstance } from "./server.js";

let store: Store;
let app: FastifyInstance;
let base: string;
let admin: string;
let template: Inventory;

beforeAll(async () => {
  store = await openStore(join(await mkdtemp(join(tmpdir(), "caveat-http-")), "caveat.db"));
  app = buildServer({ store, evaluator: createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS)), bodyLimit: 1024 * 1024 });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  admin = (await issueToken(store, { kind: "admin", now: new Date() })).token;
  template = JSON.parse(await readFile(new URL("../../../agent/test/fixtures/legacy/win7-pro-sp1/inventory.json", import.meta.url), "utf8")) as Inventory;
  delete template.client;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

const call = async (method: string, path: string, options: { token?: string; body?: string | Buffer; type?: string; headers?: Record<string, string> } = {}) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { "content-type": options.type ?? "application/json" } : {}), ...options.headers },
    body: options.body,
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
};

const inventory = (changes: (inv: Inventory) => void = () => undefined) => {
  const inv = structuredClone(template);
  inv.scanId = randomUUID();
  changes(inv);
  return inv;
};

async function clientWithToken(slug: string): Promise<string> {
  expect((await call("POST", "/api/v1/clients", { token: admin, body: JSON.stringify({ slug, name: `${slug} Ltd` }) })).status).toBe(201);
  const created = await call("POST", `/api/v1/clients/${slug}/tokens`, { token: admin, body: JSON.stringify({ label: "site 1" }) });
  expect(created.status).toBe(201);
  expect(created.json.token).toMatch(/^cvt_agent_[A-Za-z0-9_-]{43}$/);
  return created.json.token as string;
}

describe("collector HTTP API", () => {
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    acme = await clientWithToken("acme");
    globex = await clientWithToken("globex");
  });

  it("answers healthz and metrics without a token", async () => {
    expect((await call("GET", "/healthz")).json).toMatchObject({ status: "ok", database: "sqlite" });
    const metrics = await call("GET", "/metrics");
    expect(metrics.text).toMatch(/^caveat_ingest_total\{outcome="created"\} \d+$/m);
    expect(metrics.text).not.toContain("acme");
  });

  it("stores an inventory (201) and answers a retry with the same result (200), storing it once", async () => {
    const body = JSON.stringify(inventory());
    const first = await call("POST", "/api/v1/inventories", { token: acme, body });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ status: "created", client: "acme", endpointId: template.endpoint.id, findings: { total: expect.any(Number) } });
    expect(first.json.findings.bySeverity.critical).toBeGreaterThanOrEqual(1);
    const before = await store.scans.count();
    const retry = await call("POST", "/api/v1/inventories", { token: acme, body });
    expect(retry.status).toBe(200);
    expect({ ...retry.json, status: "created" }).toEqual(first.json);
    expect(await store.scans.count()).toBe(before);
    expect(await store.scans.inventoryText("acme", first.json.scanId)).toBe(body);
  });

  it("checks the token before reading the body: no token, no decompression", async () => {
    const bomb = await call("POST", "/api/v1/inventories", { token: "cvt_agent_wrong", body: gzipSync(Buffer.alloc(20 * 1024 * 1024, 32)), headers: { "content-encoding": "gzip" } });
    expect([bomb.status, bomb.json.error]).toEqual([401, "unauthorized"]);
  });

  it("accepts gzip and refuses a gzip bomb with 413", async () => {
    const ok = await call("POST", "/api/v1/inventories", { token: acme, body: gzipSync(JSON.stringify(inventory())), headers: { "content-encoding": "gzip" } });
    expect(ok.status).toBe(201);
    const bomb = await call("POST", "/api/v1/inventories", { token: acme, body: gzipSync(Buffer.alloc(20 * 1024 * 1024, 32)), headers: { "content-encoding": "gzip" } });
    expect(bomb.status).toBe(413);
    expect(bomb.json.error).toBe("too_large");
  });

  it("answers every client mistake with a 4xx and a JSON error body", async () => {
    const cases: [string, Awaited<ReturnType<typeof call>>, number, string][] = [
      ["no token", await call("POST", "/api/v1/inventories", { body: JSON.stringify(inventory()) }), 401, "unauthorized"],
      ["unknown token", await call("POST", "/api/v1/inventories", { token: "cvt_agent_nope", body: JSON.stringify(inventory()) }), 401, "unauthorized"],
      ["not JSON", await call("POST", "/api/v1/inventories", { token: acme, body: '{"schema": oops' }), 400, "invalid_inventory"],
      ["schema violation", await call("POST", "/api/v1/inventories", { token: acme, body: JSON.stringify({ ...inventory(), scanId: "nope" }) }), 400, "invalid_inventory"],
      ["empty body", await call("POST", "/api/v1/inventories", { token: acme, body: "" }), 400, "invalid_inventory"],
      ["wrong content type", await call("POST", "/api/v1/inventories", { token: acme, body: "x", type: "application/x-www-form-urlencoded" }), 415, "unsupported_media_type"],
      ["unknown encoding", await call("POST", "/api/v1/inventories", { token: acme, body: "x", headers: { "content-encoding": "br" } }), 415, "unsupported_encoding"],
      ["broken gzip", await call("POST", "/api/v1/inventories", { token: acme, body: "not gzip", headers: { "content-encoding": "gzip" } }), 400, "invalid_request"],
      ["invalid UTF-8", await call("POST", "/api/v1/inventories", { token: acme, body: Buffer.from([0x7b, 0xff, 0x7d]) }), 400, "invalid_request"],
      ["too large", await call("POST", "/api/v1/inventories", { token: acme, body: "x".repeat(2 * 1024 * 1024) }), 413, "too_large"],
      ["admin token ingesting", await call("POST", "/api/v1/inventories", { token: admin, body: JSON.stringify(inventory()) }), 403, "forbidden"],
      ["unknown route", await call("GET", "/api/v1/nope", { token: admin }), 404, "not_found"],
      ["unknown client", await call("GET", "/api/v1/clients/nobody/endpoints", { token: admin }), 404, "not_found"],
      ["bad slug", await call("GET", "/api/v1/clients/..%2F/endpoints", { token: admin }), 404, "not_found"],
      ["bad limit", await call("GET", "/api/v1/clients/acme/findings/history?limit=-1", { token: admin }), 400, "invalid_request"],
      ["client exists", await call("POST", "/api/v1/clients", { token: admin, body: JSON.stringify({ slug: "acme", name: "x" }) }), 409, "conflict"],
      ["bad client body", await call("POST", "/api/v1/clients", { token: admin, body: "[1]" }), 400, "invalid_request"],
    ];
    for (const [why, response, status, error] of cases) {
      expect([why, response.status, response.json?.error]).toEqual([why, status, error]);
      expect(typeof response.json?.message, why).toBe("string");
    }
    const violation = cases.find(([why]) => why === "schema violation")![1];
    expect(violation.json.details).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: "/scanId", line: 1 })]));
  });

  it("keeps tenants apart: a token writes only to its client, agents read nothing, others' data is 404", async () => {
    const foreign = await call("POST", "/api/v1/inventories", { token: acme, body: JSON.stringify(inventory((inv) => (inv.client = "globex"))) });
    expect(foreign.status).toBe(403);
    const own = await call("POST", "/api/v1/inventories", { token: globex, body: JSON.stringify(inventory((inv) => (inv.client = "globex"))) });
    expect(own.status).toBe(201);
    // The same scanId under another client: a conflict that reveals nothing.
    const stolen = await call("POST", "/api/v1/inventories", { token: acme, body: JSON.stringify(inventory((inv) => (inv.scanId = own.json.scanId))) });
    expect([stolen.status, stolen.json.error]).toEqual([409, "conflict"]);
    for (const path of ["/api/v1/clients", "/api/v1/clients/acme/endpoints", "/api/v1/clients/globex/findings", `/api/v1/clients/globex/scans/${own.json.scanId}`]) {
      expect((await call("GET", path, { token: acme })).status, path).toBe(403);
    }
    expect((await call("GET", `/api/v1/clients/acme/scans/${own.json.scanId}`, { token: admin })).status).toBe(404);
    expect((await call("GET", `/api/v1/clients/globex/scans/${own.json.scanId}`, { token: admin })).status).toBe(200);
  });

  it("refuses what would poison an agent's spool with a 4xx, not a 5xx", async () => {
    const deep = await call("POST", "/api/v1/inventories", { token: acme, body: `${"[".repeat(10_000)}${"]".repeat(10_000)}` });
    expect([deep.status, deep.json.error]).toEqual([400, "invalid_inventory"]);
    const future = await call("POST", "/api/v1/inventories", { token: acme, body: JSON.stringify(inventory((inv) => (inv.collectedAt = "2099-01-01T00:00:00Z"))) });
    expect([future.status, future.json.error, future.json.details[0].pointer]).toEqual([400, "invalid_inventory", "/collectedAt"]);
    const nul = await call("POST", "/api/v1/inventories", { token: acme, body: JSON.stringify(inventory((inv) => (inv.endpoint.model = "OptiPlex\u0000790"))) });
    expect(nul.status).toBe(201);
    const expiry = await call("POST", "/api/v1/clients/acme/tokens", { token: admin, body: JSON.stringify({ expiresAt: "+010000-01-01T00:00:00Z" }) });
    expect([expiry.status, expiry.json.error]).toEqual([400, "invalid_request"]);
    const past = await call("POST", "/api/v1/clients/acme/tokens", { token: admin, body: JSON.stringify({ expiresAt: "2001-01-01T00:00:00Z" }) });
    expect(past.status).toBe(400);
  });

  it("notices a catalog changed by another process (caveat catalog push) on the next scan", async () => {
    const waiver = { rule: "os.end-of-life" as const, justification: "pushed from the CLI", acceptedBy: "J. Doe", accepted: "2026-01-01", expires: "2099-01-01" };
    await store.catalogs.put("globex", { catalog: { schema: "caveat.catalog/v1", client: "globex", waivers: [waiver] }, source: "pushed", procurement: [], updatedAt: new Date().toISOString() });
    const scan = await call("POST", "/api/v1/inventories", { token: globex, body: JSON.stringify(inventory((inv) => (inv.client = "globex"))) });
    expect(scan.status).toBe(201);
    expect(scan.json.findings.waived).toBeGreaterThanOrEqual(1);
  });

  it("revokes tokens: the agent gets 401 from then on", async () => {
    const created = await call("POST", "/api/v1/clients/acme/tokens", { token: admin, body: "{}" });
    expect((await call("POST", "/api/v1/inventories", { token: created.json.token, body: JSON.stringify(inventory()) })).status).toBe(201);
    expect((await call("DELETE", `/api/v1/tokens/${created.json.id}`, { token: admin })).status).toBe(204);
    expect((await call("POST", "/api/v1/inventories", { token: created.json.token, body: JSON.stringify(inventory()) })).status).toBe(401);
    expect((await call("DELETE", `/api/v1/tokens/${created.json.id}`, { token: admin })).status).toBe(404);
  });

  it("records what the MSP did in the client's audit trail, with the admin token as actor, readable only with an admin token", async () => {
    const created = await call("POST", "/api/v1/clients/acme/tokens", { token: admin, body: JSON.stringify({ label: "audit test" }) });
    expect((await call("DELETE", `/api/v1/tokens/${created.json.id}`, { token: admin })).status).toBe(204);
    const trail = await call("GET", "/api/v1/clients/acme/audit", { token: admin });
    expect(trail.status).toBe(200);
    expect(trail.json.verification).toMatchObject({ ok: true, problems: [] });
    const kinds = trail.json.events.map((e: { kind: string; data: { tokenId?: string } }) => `${e.kind}${e.data.tokenId === created.json.id ? " (this token)" : ""}`);
    expect(kinds[0]).toBe("client.created");
    expect(kinds).toEqual(expect.arrayContaining(["token.issued (this token)", "token.revoked (this token)"]));
    const adminId = (await store.tokens.list()).find((t) => t.kind === "admin")!.id;
    expect(trail.json.events.every((e: { actor: string }) => e.actor.startsWith(`token:${adminId}`))).toBe(true);
    expect(JSON.stringify(trail.json)).not.toContain("globex");
    expect((await call("GET", "/api/v1/clients/acme/audit", { token: acme })).status).toBe(403);
    expect((await call("GET", "/api/v1/clients/nobody/audit", { token: admin })).status).toBe(404);
  });

  it("keeps the client's notes log: admin only, validated, per tenant, in the evidence pack", async () => {
    const added = await call("POST", "/api/v1/clients/acme/notes", { token: admin, body: JSON.stringify({ channel: "meeting", who: "Sam, Dana", summary: "Walked through the report <b>in person</b>", date: "2026-01-05" }) });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ clientSlug: "acme", channel: "meeting", date: "2026-01-05", recordedBy: expect.stringMatching(/^token:/) });
    expect((await call("POST", "/api/v1/clients/acme/notes", { token: admin, body: JSON.stringify({ channel: "carrier pigeon", who: "x", summary: "y" }) })).status).toBe(400);
    expect((await call("POST", "/api/v1/clients/acme/notes", { token: admin, body: JSON.stringify({ channel: "phone" }) })).status).toBe(400);
    expect((await call("POST", "/api/v1/clients/acme/notes", { token: acme, body: JSON.stringify({ channel: "phone", who: "x", summary: "y" }) })).status).toBe(403);
    expect((await call("GET", "/api/v1/clients/acme/notes", { token: admin })).json.notes.map((n: { id: string }) => n.id)).toContain(added.json.id);
    expect((await call("GET", "/api/v1/clients/globex/notes", { token: admin })).json.notes).toEqual([]);
    expect((await call("GET", "/api/v1/clients/acme/audit", { token: admin })).json.notes.map((n: { id: string }) => n.id)).toContain(added.json.id);
  });

  it("takes a catalog upload (with line-numbered errors) and re-evaluates current findings with it", async () => {
    const bad = await call("PUT", "/api/v1/clients/acme/catalog", { token: admin, type: "text/yaml", body: "schema: caveat.catalog/v1\nclient: acme\nwarnDays: soon\n" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: "invalid_catalog", details: [{ pointer: "/warnDays", line: 3 }] });
    const wrongClient = await call("PUT", "/api/v1/clients/acme/catalog", { token: admin, type: "text/yaml", body: "schema: caveat.catalog/v1\nclient: globex\n" });
    expect(wrongClient.status).toBe(400);
    const before = (await call("GET", "/api/v1/clients/acme/findings", { token: admin })).json.findings as { rule: string; waived: boolean }[];
    expect(before.filter((f) => f.rule === "os.end-of-life").every((f) => !f.waived)).toBe(true);
    const waiver = "schema: caveat.catalog/v1\nclient: acme\nwaivers:\n  - { rule: os.end-of-life, justification: x-ray, acceptedBy: J. Doe, accepted: 2026-01-01, expires: 2099-01-01 }\n";
    const put = await call("PUT", "/api/v1/clients/acme/catalog", { token: admin, type: "text/yaml", body: waiver });
    expect(put.status).toBe(200);
    expect(put.json.reevaluated).toBeGreaterThanOrEqual(1);
    const after = (await call("GET", "/api/v1/clients/acme/findings", { token: admin })).json.findings as { rule: string; waived: boolean }[];
    expect(after.filter((f) => f.rule === "os.end-of-life").every((f) => f.waived)).toBe(true);
    const csv = await call("PUT", "/api/v1/clients/acme/procurement", { token: admin, type: "text/csv", body: "serial,purchased\n8Q4JVR1,2012-03-02\nX,03/01/2025\n" });
    expect(csv.status).toBe(400);
    expect(csv.json.details).toEqual([{ pointer: "purchased", line: 3, message: expect.stringContaining("YYYY-MM-DD") }]);
  });

  it("lists endpoints, their scans and the findings history", async () => {
    const endpoints = (await call("GET", "/api/v1/clients/acme/endpoints", { token: admin })).json.endpoints;
    expect(endpoints).toEqual([expect.objectContaining({ id: template.endpoint.id, hostname: "WS-ACCT-07", serial: "8Q4JVR1" })]);
    const scans = (await call("GET", `/api/v1/clients/acme/endpoints/${template.endpoint.id}/scans?limit=2`, { token: admin })).json.scans;
    expect(scans).toHaveLength(2);
    const history = (await call("GET", "/api/v1/clients/acme/findings/history", { token: admin })).json.scans;
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history[0]).toMatchObject({ hostname: "WS-ACCT-07", summary: { findings: expect.any(Number) } });
  });
});

describe("collector HTTP API under a flood", () => {
  it("answers 503 busy with Retry-After when too many inventories are in flight", async () => {
    const busy = buildServer({ store, evaluator: createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS)), maxConcurrentIngests: 0 });
    await busy.listen({ port: 0, host: "127.0.0.1" });
    try {
      const token = (await issueToken(store, { kind: "agent", clientSlug: "acme", now: new Date() })).token;
      const response = await fetch(`http://127.0.0.1:${(busy.server.address() as { port: number }).port}/api/v1/inventories`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(inventory()),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("10");
      expect(await response.json()).toMatchObject({ error: "busy" });
    } finally {
      await busy.close();
    }
  });
});
