#!/usr/bin/env node
// npm run bench:scan — a real scan of this machine, several times: median wall time and peak RSS,
// beside (1) the raw commands the scan needs, run alone (their sum is the floor) and (2) the
// FusionInventory agent doing the same job, measured in the same run (../shared/BENCHMARKS.md).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mb, median, ratio, s, timeNode, timeProgram } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const entry = "bin/caveat.mjs";
// What the scheduler runs on an endpoint: the single-file agent under --lite-mode (no optimising JIT:
// a scan is short, and the flag saves ~8 MB of peak RSS).
const AGENT = { entry: "dist/caveat-agent.mjs", flags: ["--lite-mode"] };
const work = mkdtempSync(join(tmpdir(), "caveat-bench-"));

// Warm the page cache and capture a recording, whose argv list is the set of raw commands.
const recording = join(work, "rec");
const warm = await timeNode(entry, ["scan", "--out", join(work, "warm.json"), "--record", recording]);
const inventory = JSON.parse(readFileSync(join(work, "warm.json"), "utf8"));

const devRuns = [];
const runs = [];
for (let i = 0; i < RUNS; i++) {
  devRuns.push(await timeNode(entry, ["scan", "--out", join(work, `dev-${i}.json`)]));
  runs.push(await timeNode(AGENT.entry, ["scan", "--out", join(work, `scan-${i}.json`)], {}, AGENT.flags));
}
const wall = median(runs.map((r) => r.wallMs));
const rss = Math.max(...runs.map((r) => r.maxRssBytes));

// Floor: the raw commands alone, plus a bare `node -e 0` (the runtime the agent cannot avoid).
const commands = readdirSync(join(recording, "cmd")).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(recording, "cmd", f), "utf8"))).filter((m) => !m.notFound);
const commandMs = median(
  Array.from({ length: RUNS }, () => {
    const t = performance.now();
    for (const { argv } of commands) spawnSync(argv[0], argv.slice(1), { stdio: "ignore", maxBuffer: 1 << 28 });
    return performance.now() - t;
  }),
);
const nodeStartMs = median(Array.from({ length: RUNS }, () => { const t = performance.now(); spawnSync(process.execPath, ["-e", "0"]); return performance.now() - t; }));

console.log(`caveat scan of this machine (${RUNS} runs, ${inventory.software.length} software entries, ${inventory.probes.length} probes)`);
console.log(`  deployed agent: node ${AGENT.flags.join(" ")} ${AGENT.entry} scan`);
console.log(`  wall time   median ${s(wall)}   (min ${s(Math.min(...runs.map((r) => r.wallMs)))}, max ${s(Math.max(...runs.map((r) => r.wallMs)))})   target < 1.5 s`);
console.log(`  peak RSS    ${mb(rss)}   target < 80 MB (osquery watchdog default 200 MB)`);
console.log(`  dev CLI     bin/caveat.mjs scan: median ${s(median(devRuns.map((r) => r.wallMs)))}, peak RSS ${mb(Math.max(...devRuns.map((r) => r.maxRssBytes)))}`);
console.log(`  floor       raw commands ${s(commandMs)} (${commands.map((c) => c.argv[0]).join(", ")}) + node start-up ${s(nodeStartMs)} = ${s(commandMs + nodeStartMs)}; caveat / floor ${ratio(wall, commandMs + nodeStartMs)}`);
console.log(`  slowest probes: ${inventory.probes.sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((p) => `${p.id} ${p.durationMs} ms`).join(", ")}`);

const fusion = spawnSync("sh", ["-c", "command -v fusioninventory-agent"], { encoding: "utf8" }).stdout.trim();
if (!fusion) {
  console.log("  reference   FusionInventory not installed (apt-get install -y fusioninventory-agent) — no ratio printed");
} else {
  const fiRuns = [];
  let fiSoftware = 0;
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const dir = join(work, `fi-${i}`);
    spawnSync("mkdir", ["-p", dir]);
    fiRuns.push(await timeProgram(fusion, ["--local", dir, "--no-category=printer"]));
    const file = readdirSync(dir).find((f) => f.endsWith(".ocs") || f.endsWith(".xml"));
    if (file) fiSoftware = (readFileSync(join(dir, file), "utf8").match(/<SOFTWARES>/g) ?? []).length;
  }
  const fiWall = median(fiRuns.map((r) => r.wallMs));
  const fiRss = Math.max(...fiRuns.map((r) => r.maxRssBytes));
  console.log(`  reference   FusionInventory ${s(fiWall)} wall, ${mb(fiRss)} peak RSS, ${fiSoftware} software entries`);
  console.log(`  ratios      wall caveat/FusionInventory ${ratio(wall, fiWall)} (aim <= 0.50x), RSS ${ratio(rss, fiRss)} (aim <= 1.00x), software ${inventory.software.length}/${fiSoftware}`);
}
rmSync(work, { recursive: true, force: true });
