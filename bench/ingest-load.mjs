#!/usr/bin/env node
// Load generator for bench:ingest, run as its own process: posts N realistic inventories (~150 software
// entries, several clients) to a collector on loopback with a fixed concurrency, bounded by count and time.
// Usage: node bench/ingest-load.mjs URL TOKENS_JSON N CONCURRENCY MAX_SECONDS   -> JSON result on stdout
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { generateInventory, softwarePool } from "./gen-fleet.mjs";

const [url, tokensJson, nArg, concurrencyArg, maxSecondsArg] = process.argv.slice(2);
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url ?? "")) throw new Error("the load generator only targets loopback");
const tokens = JSON.parse(tokensJson); // [{ client, token }]
const total = Number(nArg);
const concurrency = Number(concurrencyArg);
const deadline = performance.now() + Number(maxSecondsArg) * 1000;

// 400 distinct machines, re-sent as new scans of many endpoints: each request is a fresh scanId and endpoint id.
const pool = softwarePool(42);
const templates = Array.from({ length: 400 }, (_, i) => generateInventory(42, i, pool));
const bodies = [];
for (let i = 0; i < total; i++) {
  const inventory = { ...templates[i % templates.length] };
  const { client, token } = tokens[i % tokens.length];
  inventory.scanId = randomUUID();
  inventory.client = client;
  inventory.endpoint = { ...inventory.endpoint, id: randomUUID(), hostname: `${inventory.endpoint.hostname}-${i}` };
  // Agents gzip bodies above 8 KiB; so does the generator.
  bodies.push({ token, body: gzipSync(JSON.stringify(inventory)) });
}

const latencies = [];
const statuses = {};
let next = 0;
let failures = 0;
const started = performance.now();
async function worker() {
  while (next < total && performance.now() < deadline) {
    const { token, body } = bodies[next++];
    const t0 = performance.now();
    try {
      const response = await fetch(`${url}/api/v1/inventories`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip" }, body });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status === 201 || response.status === 200) latencies.push(performance.now() - t0);
    } catch {
      failures++;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const bytes = bodies.reduce((sum, b) => sum + b.body.length, 0) / bodies.length;
process.stdout.write(`${JSON.stringify({ sent: next, accepted: latencies.length, failures, statuses, seconds, perSecond: latencies.length / seconds, p50: pct(50), p99: pct(99), avgGzipBytes: bytes })}\n`);
