// End to end: `caveat scan --submit` and `caveat submit`, the built CLI as separate processes, against a
// real HTTP server on loopback that plays the collector's side of the contract (docs/agent-submit.md).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../schemas/validate.js";
import { CAVEAT, ROOT, runCli, type CliResult } from "./cli.js";

const TOKEN = "cvt_e2e-SECRET-4f1c9a7d2b8e6035";
const REPLAY = join(ROOT, "agent", "test", "fixtures", "linux", "ubuntu-22.04-laptop");

type Mode =
  | { kind: "ok" }
  | { kind: "fail"; status: number; retryAfter?: string }
  /** Never answers. */
  | { kind: "hang" }
  /** Stores the inventory durably, then never answers: the agent is killed before it hears back. */
  | { kind: "store-then-hang" };

interface Received {
  scanId: string;
  authorization?: string;
  contentEncoding?: string;
  contentType?: string;
  wireBytes: number;
  /** What the collector answered (undefined: no answer). */
  status?: number;
}

/** The collector's contract, in a few lines: 201 created, 200 duplicate for a scanId it has, errors as JSON. */
class FakeCollector {
  mode: Mode = { kind: "ok" };
  readonly received: Received[] = [];
  readonly stored = new Map<string, Inventory>();
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1/inventories`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Connection refused from now on (the port stays known, so start() brings it back on the same URL). */
  async stop(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, "close");
    this.server = undefined;
  }

  /** Resolves once `count` requests have arrived in total. */
  async waitForRequests(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const wire = Buffer.concat(chunks);
    const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire).toString("utf8");
    const inventory = JSON.parse(text) as Inventory;
    const entry: Received = {
      scanId: inventory.scanId,
      authorization: req.headers.authorization,
      contentEncoding: req.headers["content-encoding"],
      contentType: req.headers["content-type"],
      wireBytes: wire.length,
    };
    this.received.push(entry);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    const mode = this.mode;
    if (mode.kind === "hang") {
      // answer nothing
    } else if (mode.kind === "fail") {
      const body = mode.status === 400 ? { error: "invalid-inventory", message: "/os/name must not be empty", details: [{ pointer: "/os/name" }] } : { error: "unavailable", message: "the database is restarting" };
      answer(mode.status, body, mode.retryAfter ? { "retry-after": mode.retryAfter } : {});
    } else if (this.stored.has(inventory.scanId)) {
      answer(200, { scanId: inventory.scanId, endpointId: inventory.endpoint.id, client: inventory.client, status: "duplicate", findings: {} });
    } else {
      this.stored.set(inventory.scanId, inventory);
      if (mode.kind === "ok") answer(201, { scanId: inventory.scanId, endpointId: inventory.endpoint.id, client: inventory.client, status: "created", findings: {} });
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

let collector: FakeCollector;
let dir: string;
let spool: string;
const outputs: CliResult[] = [];

beforeEach(async () => {
  collector = new FakeCollector();
  await collector.start();
  dir = await mkdtemp(join(tmpdir(), "caveat-submit-"));
  spool = join(dir, "spool");
  // An empty config file: a real /etc/caveat/agent.json on this machine must play no part.
  await writeFile(join(dir, "empty.json"), "{}");
});

afterEach(async () => {
  await collector.stop();
  // The token never shows: not in any output, not in any file the agent left in its spool.
  for (const output of outputs.splice(0)) {
    expect(output.stdout).not.toContain(TOKEN);
    expect(output.stderr).not.toContain(TOKEN);
  }
  for (const file of await filesUnder(spool)) expect(await readFile(file, "utf8"), file).not.toContain(TOKEN);
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function caveat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runCli(args, { env: { CAVEAT_TOKEN: "", CAVEAT_CONFIG: join(dir, "empty.json"), ...env } });
  outputs.push(result);
  return result;
}

/** One scan of the recorded Ubuntu laptop (fast, ~7 KB), submitted. */
const scanSubmit = (...extra: string[]) => caveat(["scan", "--replay", REPLAY, "--submit", collector.url, "--token", TOKEN, "--spool", spool, ...extra]);
const flush = (...extra: string[]) => caveat(["submit", "--url", collector.url, "--token", TOKEN, "--spool", spool, ...extra]);

/** Inventories waiting in the spool (not state files, not rejected/). */
async function waiting(): Promise<string[]> {
  const names = await readdir(spool).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  return names.filter((n) => /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f-]{36}\.json$/.test(n)).sort();
}

const scanIdOf = (name: string) => name.slice(21, 57);

/** Moves every waiting item's next attempt time into the past: the hours between two scheduled runs. */
async function letTimePass(): Promise<void> {
  for (const name of await readdir(spool)) {
    if (!name.endsWith(".state.json")) continue;
    const state = JSON.parse(await readFile(join(spool, name), "utf8"));
    await writeFile(join(spool, name), JSON.stringify({ ...state, nextAttemptAt: "2000-01-01T00:00:00.000Z" }));
  }
}

describe("caveat scan --submit", () => {
  it("submits the scan, leaves the spool empty and prints nothing on stdout", async () => {
    const out = join(dir, "inventory.json");
    const result = await scanSubmit("--out", out, "--client", "acme-dental");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    expect(collector.received).toHaveLength(1);
    const [sent] = collector.received;
    expect(sent).toMatchObject({ authorization: `Bearer ${TOKEN}`, contentType: "application/json", status: 201 });
    expect(sent!.contentEncoding).toBeUndefined(); // ~7 KB: below the gzip threshold
    const written = JSON.parse(await readFile(out, "utf8")) as Inventory;
    expect(written.scanId).toBe(sent!.scanId);
    expect(collector.stored.get(sent!.scanId)).toEqual(written);
    expect(written.client).toBe("acme-dental");
    expect(await readdir(spool)).toEqual([]);
    expect(result.stderr).toContain(`scan ${sent!.scanId} submitted to ${collector.url}; spool ${spool}: 1 sent, 0 waiting`);
  });

  it("gzips a large inventory (this machine's, hundreds of packages)", async () => {
    const result = await caveat(["scan", "--submit", collector.url, "--token", TOKEN, "--spool", spool]);
    expect(result.code, result.stderr).toBe(0);
    const [sent] = collector.received;
    expect(sent).toMatchObject({ contentEncoding: "gzip", status: 201 });
    const stored = collector.stored.get(sent!.scanId)!;
    expect(checkInventory(stored)).toEqual([]);
    expect(stored.software.length).toBeGreaterThan(50);
    expect(sent!.wireBytes).toBeLessThan(JSON.stringify(stored).length / 3);
  });

  it("spools the scan while the collector is down and sends both, oldest first, on the next run", async () => {
    await collector.stop();
    const down = await scanSubmit();
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    expect(down.stderr).toContain(`is safely spooled in ${spool}`);
    expect(down.stderr).toContain("1 waiting");
    const [first] = await waiting();
    const state = JSON.parse(await readFile(join(spool, first!.replace(".json", ".state.json")), "utf8"));
    expect(state).toMatchObject({ attempts: 1, lastError: expect.stringContaining("ECONNREFUSED") });

    await collector.start();
    await letTimePass();
    const up = await scanSubmit();
    expect(up.code, up.stderr).toBe(0);
    expect(collector.received.map((r) => r.scanId)).toHaveLength(2);
    expect(collector.received[0]!.scanId).toBe(scanIdOf(first!));
    expect(collector.received.map((r) => r.status)).toEqual([201, 201]);
    expect(await readdir(spool)).toEqual([]);
    expect(up.stderr).toContain("2 sent, 0 waiting");
  });

  it("respects Retry-After: a 503 asking for 2 minutes is not retried by the next scheduled run", async () => {
    collector.mode = { kind: "fail", status: 503, retryAfter: "120" };
    const started = Date.now();
    const busy = await scanSubmit();
    expect(busy.code, busy.stderr).toBe(0);
    expect(busy.stderr).toContain("HTTP 503 unavailable: the database is restarting (retry after 120 s)");
    const [first] = await waiting();
    const state = JSON.parse(await readFile(join(spool, first!.replace(".json", ".state.json")), "utf8"));
    expect(Date.parse(state.nextAttemptAt) - started).toBeGreaterThanOrEqual(120_000);

    collector.mode = { kind: "ok" };
    const next = await scanSubmit();
    expect(next.code, next.stderr).toBe(0);
    // Only the new scan went out; the one the collector asked to wait stays.
    expect(collector.received.map((r) => r.status)).toEqual([503, 201]);
    expect(await waiting()).toEqual([first]);
    expect(next.stderr).toContain("1 sent, 1 waiting");

    const scheduled = await flush("--due-only");
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(collector.received).toHaveLength(2);

    // By hand, after the outage: sent now.
    const manual = await flush();
    expect(manual.code, manual.stderr).toBe(0);
    expect(collector.received.map((r) => [r.scanId, r.status]).at(-1)).toEqual([scanIdOf(first!), 201]);
    expect(await readdir(spool)).toEqual([]);
  });

  it("moves a scan the collector refuses (400) to rejected/ with the error, and exits 2", async () => {
    collector.mode = { kind: "fail", status: 400 };
    const out = join(dir, "inventory.json");
    const result = await scanSubmit("--out", out);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HTTP 400 invalid-inventory: /os/name must not be empty");
    const scanId = (JSON.parse(await readFile(out, "utf8")) as Inventory).scanId;
    expect(await waiting()).toEqual([]);
    const rejected = await readdir(join(spool, "rejected"));
    const name = rejected.find((n) => n.endsWith(`${scanId}.json`))!;
    expect(rejected.sort()).toEqual([name.replace(".json", ".error.json"), name]);
    expect(result.stderr.trim().split("\n").at(-1)).toBe(`caveat: the collector refused scan ${scanId}: HTTP 400 invalid-inventory: /os/name must not be empty; kept in ${join(spool, "rejected", name)} with its answer`);
    const error = JSON.parse(await readFile(join(spool, "rejected", name.replace(".json", ".error.json")), "utf8"));
    expect(error).toMatchObject({ status: 400, url: collector.url, error: { error: "invalid-inventory", details: [{ pointer: "/os/name" }] } });
    expect(JSON.parse(await readFile(join(spool, "rejected", name), "utf8")).scanId).toBe(scanId);

    // Fixed on the collector's side: requeue and send.
    collector.mode = { kind: "ok" };
    const requeued = await flush("--requeue-rejected");
    expect(requeued.code, requeued.stderr).toBe(0);
    expect(collector.stored.has(scanId)).toBe(true);
    expect(await readdir(join(spool, "rejected"))).toEqual([]);
  });

  it("keeps a silent collector from holding the agent: the request times out and the scan is spooled", async () => {
    collector.mode = { kind: "hang" };
    const started = Date.now();
    const result = await scanSubmit("--submit-timeout", "700");
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain("no answer within 700 ms");
    expect(await waiting()).toHaveLength(1);
  });

  it("bounds the spool: over --spool-max-items the oldest is dropped with a warning naming it", async () => {
    await collector.stop();
    for (let i = 0; i < 2; i++) expect((await scanSubmit("--spool-max-items", "2")).code).toBe(0);
    const [oldest, second] = await waiting();
    const third = await scanSubmit("--spool-max-items", "2");
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(new RegExp(`warning: spool .* is over its bound \\(2 items, 100 MB\\): dropped ${oldest!.replace(/\./g, "\\.")} \\(scan ${scanIdOf(oldest!)}`));
    const now = await waiting();
    expect(now).toHaveLength(2);
    expect(now[0]).toBe(second);
    expect(await readdir(spool)).not.toContain(oldest!.replace(".json", ".state.json"));
  });

  it("loses nothing and stores nothing twice when killed while the collector is answering", async () => {
    collector.mode = { kind: "store-then-hang" };
    const child = spawn(process.execPath, [CAVEAT, "scan", "--replay", REPLAY, "--submit", collector.url, "--token", TOKEN, "--spool", spool], {
      env: { ...process.env, CAVEAT_TOKEN: "", CAVEAT_CONFIG: join(dir, "empty.json") },
      stdio: "ignore",
    });
    await collector.waitForRequests(1);
    child.kill("SIGKILL");
    await once(child, "exit");
    const [kept] = await waiting();
    expect(scanIdOf(kept!)).toBe(collector.received[0]!.scanId);
    expect(collector.stored.size).toBe(1);

    collector.mode = { kind: "ok" };
    const rerun = await scanSubmit();
    expect(rerun.code, rerun.stderr).toBe(0);
    // The killed scan was sent again: the collector saw its scanId twice and answered duplicate.
    expect(collector.received.map((r) => [r.scanId, r.status])).toEqual([
      [scanIdOf(kept!), undefined],
      [scanIdOf(kept!), 200],
      [collector.received[2]!.scanId, 201],
    ]);
    expect(rerun.stderr).toContain(`sent scan ${scanIdOf(kept!)}`);
    expect(rerun.stderr).toContain("HTTP 200 duplicate (the collector already had it)");
    expect(collector.stored.size).toBe(2);
    expect(await readdir(spool)).toEqual([]);
  });
});

describe("tokens and configuration", () => {
  it("refuses --submit without a token in one line, before scanning", async () => {
    const result = await caveat(["scan", "--replay", REPLAY, "--submit", collector.url, "--spool", spool]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `caveat: no collector token: give --token TOKEN, set CAVEAT_TOKEN, or put "token" or "tokenFile" in ${join(dir, "empty.json")} (or a file named by --config)`,
    ]);
    expect(collector.received).toEqual([]);
  });

  it.each([
    [["scan", "--token", "x"], "--token only applies with --submit"],
    [["scan", "--submit", "ftp://collector", "--token", "x"], '--submit "ftp://collector": expected an http:// or https:// URL'],
    [["scan", "--submit", "http://127.0.0.1:1", "--token", "x", "--spool-max-items", "lots"], '--spool-max-items "lots": expected a positive whole number'],
  ])("rejects %j with exit code 2", async (args, message) => {
    const result = await caveat(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`caveat: ${message}`);
  });

  it("reads URL, token file, client and spool from the config file; CAVEAT_TOKEN and --token win over it", async () => {
    const config = join(dir, "agent.json");
    await writeFile(join(dir, "token"), "cvt_from-token-file-0001\n", { mode: 0o644 });
    await writeFile(config, JSON.stringify({ submitUrl: collector.url, tokenFile: "token", client: "acme-dental", spoolDir: "spool" }), { mode: 0o600 });
    const fromFile = await caveat(["scan", "--replay", REPLAY, "--submit", "--config", config]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toContain(`warning: token file ${join(dir, "token")} is readable by other users (mode 0644): chmod 600 ${join(dir, "token")}`);
    expect(collector.received[0]!.authorization).toBe("Bearer cvt_from-token-file-0001");
    expect(collector.stored.get(collector.received[0]!.scanId)!.client).toBe("acme-dental");

    await chmod(join(dir, "token"), 0o600);
    const fromEnv = await caveat(["scan", "--replay", REPLAY, "--submit"], { CAVEAT_CONFIG: config, CAVEAT_TOKEN: TOKEN });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stderr).not.toContain("warning");
    expect(collector.received[1]!.authorization).toBe(`Bearer ${TOKEN}`);

    const fromFlag = await caveat(["scan", "--replay", REPLAY, "--submit", "--token", `${TOKEN}-flag`, "--config", config], { CAVEAT_TOKEN: TOKEN });
    expect(fromFlag.code, fromFlag.stderr).toBe(0);
    expect(collector.received[2]!.authorization).toBe(`Bearer ${TOKEN}-flag`);
    expect(await readdir(spool)).toEqual([]);
  });

  it("warns when the config file holding a token is readable by others", async () => {
    const config = join(dir, "agent.json");
    await writeFile(config, JSON.stringify({ submitUrl: collector.url, token: TOKEN, spoolDir: "spool" }), { mode: 0o644 });
    const result = await caveat(["scan", "--replay", REPLAY, "--submit", "--config", config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: ${config} holds a token and is readable by other users (mode 0644): chmod 600 ${config}`);
  });
});

describe("caveat submit", () => {
  it("adds inventory files (e.g. from the legacy script) to the spool and sends them; exit 75 while the collector is down", async () => {
    const files: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = join(dir, `legacy-${i}.json`);
      expect((await caveat(["scan", "--replay", REPLAY, "--out", out])).code).toBe(0);
      files.push(out);
    }
    await collector.stop();
    const down = await flush(...files);
    expect(down.code).toBe(75);
    expect(down.stderr.trim().split("\n").at(-1)).toMatch(/^caveat: the spool was not sent \(.*ECONNREFUSED.*\); 2 waiting in /);
    expect(await waiting()).toHaveLength(2);

    await collector.start();
    const up = await flush();
    expect(up.code, up.stderr).toBe(0);
    const ids = await Promise.all(files.map(async (f) => (JSON.parse(await readFile(f, "utf8")) as Inventory).scanId));
    expect(new Set(collector.stored.keys())).toEqual(new Set(ids));
    expect(up.stderr).toContain(`spool ${spool}: 2 sent, 0 waiting`);
  });

  it("refuses an invalid inventory file and adds nothing", async () => {
    await writeFile(join(dir, "bad.json"), JSON.stringify({ schema: "caveat.inventory/v1", scanId: "not-a-uuid" }));
    const result = await flush(join(dir, "bad.json"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, "bad.json"));
    expect(await waiting()).toEqual([]);
    expect(collector.received).toEqual([]);
  });
});
