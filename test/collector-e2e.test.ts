// What the README tells an MSP to do, end to end with real processes, on SQLite and PostgreSQL:
// start the server, add a client, create a token, point an agent at it; then read back what arrived.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "./cli.js";
import { clientWithToken, startServer, type RunningServer } from "./collector-server.js";
import { startPostgres, type TestPostgres } from "./postgres.js";

let pg: TestPostgres;

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

describe.each([
  ["SQLite", async () => join(await mkdtemp(join(tmpdir(), "caveat-e2e-")), "caveat.db")],
  ["PostgreSQL", async () => pg.url],
])("an MSP sets up the collector and an agent reports to it (%s)", (_label, database) => {
  let db: string;
  let server: RunningServer;
  let admin: string;

  beforeAll(async () => {
    db = await database();
    server = await startServer(db);
    const created = await runCli(["token", "create", "--admin", "--database", db]);
    expect(created.code, created.stderr).toBe(0);
    admin = created.stdout.trim();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  const api = async (path: string) => {
    const response = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${admin}` } });
    return { status: response.status, json: (await response.json()) as any };
  };

  it("stores this machine's live scan and a replayed Windows scan, sent by real agent processes", async () => {
    const token = await clientWithToken(db, "acme-dental");
    const push = await runCli(["catalog", "push", "--client", "acme-dental", join(ROOT, "collector/samples/acme-dental.catalog.yaml"), "--database", db]);
    // The sample names its register as a CSV next to it: catalog push reads it and stores both.
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/stored the catalog of acme-dental from .* with 3 purchases from acme-dental\.purchases\.csv/);
    expect((await api("/clients/acme-dental/catalog")).json.procurement).toHaveLength(3);

    const spool = await mkdtemp(join(tmpdir(), "caveat-e2e-spool-"));
    const live = await runCli(["scan", "--submit", server.url, "--token", token, "--client", "acme-dental", "--spool", spool]);
    expect(live.code, live.stderr).toBe(0);
    const replay = await runCli(["scan", "--replay", join(ROOT, "agent/test/fixtures/windows/win10-22h2-pro"), "--submit", server.url, "--spool", spool], { env: { CAVEAT_TOKEN: token } });
    expect(replay.code, replay.stderr).toBe(0);
    expect(await readdir(spool).then((names) => names.filter((n) => n.endsWith(".json") && !n.startsWith("rejected")))).toEqual([]);
    expect(`${live.stdout}${live.stderr}${replay.stdout}${replay.stderr}`).not.toContain(token);

    const endpoints = (await api("/clients/acme-dental/endpoints")).json.endpoints as { hostname: string; scans: number; lastScanId: string }[];
    expect(endpoints).toHaveLength(2);
    const findings = (await api("/clients/acme-dental/findings")).json.findings as { rule: string; endpoint: { hostname: string } }[];
    // Windows 10 22H2 Pro ended on 2025-10-14: the replayed machine says so.
    expect(findings.some((f) => f.rule === "os.end-of-life")).toBe(true);
    const stored = await api(`/clients/acme-dental/scans/${endpoints[0]!.lastScanId}`);
    expect(stored.status).toBe(200);
    expect(stored.json.schema).toBe("caveat.inventory/v1");
  }, 120_000);

  it("spools while the collector is down and delivers once it is back, without duplicates", async () => {
    const token = await clientWithToken(db, "globex");
    const spool = await mkdtemp(join(tmpdir(), "caveat-e2e-spool-"));
    const scan = (url: string) => runCli(["scan", "--replay", join(ROOT, "agent/test/fixtures/linux/ubuntu-22.04-laptop"), "--submit", url, "--token", token, "--spool", spool]);
    const down = await scan("http://127.0.0.1:9/");
    expect(down.code, down.stderr).toBe(0);
    expect((await readdir(spool)).filter((n) => /^\d{8}T.*\.json$/.test(n) && !n.endsWith(".state.json"))).toHaveLength(1);
    const flushed = await runCli(["submit", "--url", server.url, "--token", token, "--spool", spool]);
    expect(flushed.code, flushed.stderr).toBe(0);
    const again = await scan(server.url);
    expect(again.code, again.stderr).toBe(0);
    const scans = (await api("/clients/globex/findings/history")).json.scans as unknown[];
    expect(scans).toHaveLength(2);
  }, 120_000);

  it("refuses another client's data and revoked tokens", async () => {
    const token = await clientWithToken(db, "initech");
    const inventory = JSON.parse(await readFile(join(ROOT, "agent/test/fixtures/legacy/win7-pro-sp1/inventory.json"), "utf8"));
    const post = (t: string) => fetch(`${server.url}/api/v1/inventories`, { method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: JSON.stringify(inventory) });
    // The fixture is stamped "mueller-steuerberatung": initech's token may not write it.
    expect((await post(token)).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/clients/acme-dental/findings`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    const list = await runCli(["token", "list", "--client", "initech", "--database", db]);
    const id = /^([0-9a-f-]{36})\s+agent/m.exec(list.stdout)![1]!;
    expect((await runCli(["token", "revoke", id, "--database", db])).code).toBe(0);
    delete inventory.client;
    expect((await post(token)).status).toBe(401);
    // A client name longer than the API and the findings contract allow would only fail later, in the report.
    const long = await runCli(["client", "add", "longname", "--name", "x".repeat(257), "--database", db]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain("a client's name may be at most 256");
  }, 60_000);
});
