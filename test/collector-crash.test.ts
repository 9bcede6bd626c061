// SIGKILL the collector in the middle of a load, restart it on the same database: every inventory that
// got a 2xx is stored, exactly once, and resending everything stores nothing twice. Both databases.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../collector/src/store/open-store.js";
import { ROOT } from "./cli.js";
import { clientWithToken, startServer } from "./collector-server.js";
import { startPostgres, type TestPostgres } from "./postgres.js";

let pg: TestPostgres;
let template: Record<string, any>;

beforeAll(async () => {
  pg = await startPostgres();
  template = JSON.parse(await readFile(join(ROOT, "agent/test/fixtures/legacy/win7-pro-sp1/inventory.json"), "utf8"));
  delete template.client;
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

const TOTAL = 240;

describe.each([
  ["SQLite", async () => join(await mkdtemp(join(tmpdir(), "caveat-crash-")), "caveat.db")],
  ["PostgreSQL", async () => pg.url],
])("collector killed mid-load (%s)", (_label, database) => {
  it("keeps every acknowledged inventory exactly once", async () => {
    const db = await database();
    const token = await clientWithToken(db, "crash");
    const bodies = Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ ...template, scanId: randomUUID(), endpoint: { ...template.endpoint, id: randomUUID(), hostname: `PC-${i}` } }));
    const server = await startServer(db);
    const acknowledged = new Set<string>();
    let next = 0;
    let killed = false;
    const send = async (url: string, body: string) => {
      const response = await fetch(`${url}/api/v1/inventories`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
      const answer = (await response.json()) as { scanId?: string; status?: string };
      return { status: response.status, answer };
    };
    const worker = async () => {
      while (next < TOTAL) {
        const body = bodies[next++]!;
        try {
          const { status, answer } = await send(server.url, body);
          if (status === 201 || status === 200) acknowledged.add(answer.scanId!);
          // Kill while requests are in flight, after a part of the load was acknowledged.
          if (!killed && acknowledged.size >= TOTAL / 3) {
            killed = true;
            server.process.kill("SIGKILL");
          }
        } catch {
          // Connection reset by the kill: not acknowledged, the agent would retry.
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(TOTAL / 3);
    expect(acknowledged.size).toBeLessThan(TOTAL);

    const restarted = await startServer(db);
    try {
      const store = await openStore(db);
      for (const scanId of acknowledged) expect(await store.scans.get("crash", scanId), scanId).toBeDefined();
      const storedBefore = await store.scans.count();
      expect(storedBefore).toBeGreaterThanOrEqual(acknowledged.size);
      // The agents retry everything that was not acknowledged (and some that were): nothing is stored twice.
      const statuses = new Map<number, number>();
      for (const body of bodies) {
        const { status } = await send(restarted.url, body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      expect([...statuses.keys()].every((s) => s === 200 || s === 201)).toBe(true);
      expect(statuses.get(200)).toBe(storedBefore);
      expect(await store.scans.count()).toBe(TOTAL);
      expect((await store.endpoints.list("crash")).length).toBe(TOTAL);
      await store.close();
    } finally {
      await restarted.stop();
    }
  }, 120_000);
});
