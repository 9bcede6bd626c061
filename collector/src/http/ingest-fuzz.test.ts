// Whatever an agent (or an attacker) sends to ingest, the answer is a 2xx or a 4xx with a JSON error:
// never a 5xx, never a crash. Random bodies, mutated valid inventories, and hostile headers.
import { fc, test } from "@fast-check/vitest";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect } from "vitest";
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
let token: string;
let valid: Record<string, unknown>;

beforeAll(async () => {
  store = await openStore(join(await mkdtemp(join(tmpdir(), "caveat-fuzz-")), "caveat.db"));
  app = buildServer({ store, evaluator: createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS)), bodyLimit: 256 * 1024 });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await store.clients.create({ slug: "fuzz", name: "Fuzz", createdAt: new Date().toISOString() });
  token = (await issueToken(store, { kind: "agent", clientSlug: "fuzz", now: new Date() })).token;
  valid = JSON.parse(await readFile(new URL("../../../agent/test/fixtures/legacy/win7-pro-sp1/inventory.json", import.meta.url), "utf8"));
  delete valid.client;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

async function post(body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${base}/api/v1/inventories`, { method: "POST", headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

function expectHandled(result: { status: number; json: unknown }): void {
  expect(result.status).toBeLessThan(500);
  if (result.status >= 400) expect(result.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
}

/** Replaces the value at a random path of a JSON value with another arbitrary value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  copy[key] = mutate(child, path.slice(1), replacement);
  return copy;
}

const headerValue = fc.oneof(fc.string(), fc.constantFrom("gzip", "deflate", "br", "identity", "GZIP", "x-gzip", ""));

describe("ingest under random input", () => {
  test.prop([fc.uint8Array({ maxLength: 4096 }), fc.constantFrom("application/json", "text/plain", "application/json; charset=latin1")], { numRuns: 60 })("random bytes", async (bytes, type) => {
    expectHandled(await post(bytes, { authorization: `Bearer ${token}`, "content-type": type }));
  });

  test.prop([fc.json({ maxDepth: 4 })], { numRuns: 60 })("random JSON", async (text) => {
    expectHandled(await post(text, { authorization: `Bearer ${token}`, "content-type": "application/json" }));
  });

  test.prop([fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), fc.boolean()], { numRuns: 80 })("valid inventories with one value replaced", async (path, replacement, gzip) => {
    const doc = mutate({ ...valid, scanId: randomUUID() }, path, replacement);
    const body = JSON.stringify(doc);
    expectHandled(await post(gzip ? gzipSync(body) : body, { authorization: `Bearer ${token}`, "content-type": "application/json", ...(gzip ? { "content-encoding": "gzip" } : {}) }));
  });

  test.prop([fc.string({ maxLength: 200 }), headerValue, fc.string({ maxLength: 100 })], { numRuns: 60 })("hostile headers", async (authorization, encoding, type) => {
    const headers: Record<string, string> = {};
    // fetch refuses header values it cannot send; those never reach a server anyway.
    const safe = (v: string) => /^[\t\x20-\x7e]*$/.test(v);
    if (safe(authorization)) headers.authorization = authorization;
    if (safe(encoding)) headers["content-encoding"] = encoding;
    if (safe(type)) headers["content-type"] = type;
    expectHandled(await post(JSON.stringify({ ...valid, scanId: randomUUID() }), headers));
  });
});
