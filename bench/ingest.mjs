#!/usr/bin/env node
// bench:ingest: a real collector (caveat serve) on SQLite and on PostgreSQL, fed by a separate load
// generator process over loopback (bench/ingest-load.mjs): accepted inventories per second, p50/p99
// latency, and the server's peak RSS for two sizes of load (memory must stay flat as N grows).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { mb, watchPeakRss } from "./lib.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const CAVEAT = join(ROOT, "bin/caveat.mjs");
const CLIENTS = ["bench-a", "bench-b", "bench-c", "bench-d"];
const SIZES = (process.env.BENCH_INGEST_SIZES ?? "2000,8000").split(",").map(Number);
const CONCURRENCY = 32;
const MAX_SECONDS = 120;

function cli(args, database) {
  return execFileSync(process.execPath, [CAVEAT, ...args, "--database", database], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

async function startServer(database) {
  const child = spawn(process.execPath, [CAVEAT, "serve", "--database", database, "--port", "0", "--log-level", "error"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`caveat serve exited ${code}: ${stderr}`)));
  });
  const rss = watchPeakRss(child.pid);
  return {
    url,
    peak: () => rss.peak(),
    stop: () =>
      new Promise((resolve) => {
        rss.stop();
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

function load(url, tokens, n) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bench/ingest-load.mjs"), url, JSON.stringify(tokens), String(n), String(CONCURRENCY), String(MAX_SECONDS)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function runDatabase(label, database) {
  for (const client of CLIENTS) cli(["client", "add", client, "--name", `Bench ${client}`], database);
  const tokens = CLIENTS.map((client) => ({ client, token: cli(["token", "create", "--client", client], database) }));
  const rows = [];
  for (const n of SIZES) {
    // A fresh server per size: its peak RSS then belongs to that load alone.
    const server = await startServer(database);
    const result = await load(server.url, tokens, n);
    await server.stop();
    rows.push({ label, n, ...result, rss: server.peak() });
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), "caveat-bench-ingest-"));
execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
const rows = [];
try {
  rows.push(...(await runDatabase("SQLite", join(dir, "caveat.db"))));
  // The test harness's throwaway cluster, with fsync on: durable commits, like production.
  await build({ entryPoints: [join(ROOT, "test/postgres.ts")], bundle: true, platform: "node", format: "esm", packages: "external", outfile: join(ROOT, ".bench/postgres.mjs"), logLevel: "warning" });
  // Inside the repository so that its imports resolve from node_modules.
  const { startPostgres } = await import(join(ROOT, ".bench/postgres.mjs"));
  const pg = await startPostgres({ durable: true });
  try {
    rows.push(...(await runDatabase("PostgreSQL", pg.url)));
  } finally {
    await pg.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pad = (v, w) => String(v).padStart(w);
console.log(`\ncaveat serve under load: ${CONCURRENCY} concurrent posts from a separate process over loopback, gzip bodies of ~150 software entries, ${CLIENTS.length} clients; 2 cores shared by server and load generator`);
console.log("  database       N  accepted  accepted/s    p50 ms    p99 ms  server peak RSS  other answers");
for (const r of rows) {
  const other = Object.entries(r.statuses).filter(([status]) => status !== "201" && status !== "200").map(([s, c]) => `${s}x${c}`).join(" ") + (r.failures ? ` network-errors x${r.failures}` : "");
  console.log(`  ${r.label.padEnd(10)} ${pad(r.n, 6)} ${pad(r.accepted, 9)} ${pad(r.perSecond.toFixed(0), 11)} ${pad(r.p50.toFixed(1), 9)} ${pad(r.p99.toFixed(1), 9)} ${pad(mb(r.rss), 16)}  ${other || "-"}`);
}
for (const label of ["SQLite", "PostgreSQL"]) {
  const mine = rows.filter((r) => r.label === label);
  if (mine.length < 2) continue;
  const [small, large] = [mine[0], mine[mine.length - 1]];
  console.log(`  ${label}: memory ${mb(small.rss)} at N=${small.n} vs ${mb(large.rss)} at N=${large.n} (${(large.rss / small.rss).toFixed(2)}x for ${(large.n / small.n).toFixed(0)}x the inventories)`);
}
const sqlite = rows.filter((r) => r.label === "SQLite");
const worst = Math.min(...sqlite.map((r) => r.perSecond));
console.log(`  target      >= 500 inventories/s on SQLite: worst ${worst.toFixed(0)}/s -> ${worst >= 500 ? "ok" : "FAIL"}`);
