#!/usr/bin/env node
// npm run bench:report — `caveat report` on a generated 500-endpoint client (bench/gen-fleet.mjs and its
// 2,000-entry catalog, evaluated once per run with `caveat evaluate`), beside the reference measured in
// the same run (../shared/BENCHMARKS.md): Chromium alone printing the very HTML caveat renders
// (`chromium --headless --no-sandbox --print-to-pdf=OUT FILE.html`). Targets: under 5 s for the
// 500-endpoint report, at most 1.3x Chromium alone, and in a 20-client batch (`--all-clients`, one
// browser) a per-report time well under a cold start of `caveat report --client`.
//
// The fleet, catalog and the batch's SQLite database are cached in .bench/report/ (gitignored) and reused
// while the generator version, the seed and this file's BATCH_VERSION are the same. The database is
// filled like a real collector's: `caveat client add`, `caveat catalog push`, `caveat token create`, then
// a `caveat serve` receiving each client's inventories on /api/v1/inventories with that client's agent token.
// BENCH_RUNS (default 3): runs of the single report, of Chromium alone (interleaved with it), of the
// batch and of the cold single-client report.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { gzipSync } from "node:zlib";
import { AS_OF, GENERATOR_VERSION, generateCatalog, generateFleet, generateInventory, softwarePool } from "./gen-fleet.mjs";
import { buildIfStale, fmtInt, mb, median, ratio, readJsonFile, readParams, s, sameParams, timeNode, timeProgram } from "./lib.mjs";

const loadAtStart = loadavg()[0];
const SEED = process.env.BENCH_SEED ?? "42";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ENDPOINTS = 500;
const CLIENTS = 20;
const PER_CLIENT = ENDPOINTS / CLIENTS;
const CATALOG_ENTRIES = 2000;
/** The issue's size of a 500-endpoint client's report: about 2,000 findings. */
const TARGET_FINDINGS = 2000;
/** Bump when the batch database's content or the way it is filled changes. */
const BATCH_VERSION = 1;
const REPORT_DATE = AS_OF;
const TARGET_SECONDS = 5;
const TARGET_RATIO = 1.3;
/** "Well under a cold start", read as: a batch report costs at most half a cold single-client run. */
const TARGET_BATCH_SHARE = 0.5;

const root = ".bench/report";
const entry = "bin/caveat.mjs";
const branding = "reports/samples/northwind.branding.yaml";
// Imported lifecycle updates on this machine must not change the results: point at a directory that does not exist.
const env = { ...process.env, CAVEAT_LIFECYCLE_DIR: join(root, "no-lifecycle-updates") };
mkdirSync(root, { recursive: true });

buildIfStale();

// The browser caveat itself would print with: reports/src/find-browser.ts, bundled for this script.
const browser = await (async () => {
  const bundle = resolve(root, "find-browser.mjs");
  await esbuild({ entryPoints: ["reports/src/find-browser.ts"], bundle: true, platform: "node", format: "esm", outfile: bundle, logLevel: "warning" });
  const { findBrowser } = await import(pathToFileURL(bundle).href);
  try {
    return findBrowser();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
})();
const browserVersion = execFileSync(browser, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

const pages = (pdf) => Number(/^Pages:\s+(\d+)/m.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))?.[1] ?? NaN);
/** caveat's own log line: "... in 15.41 s -> FILE" (render: model, HTML, browser, print, write). */
const loggedSeconds = (stderr) => Number(/ in ([\d.]+) s (?:->|\()/.exec(stderr)?.[1] ?? NaN) * 1000;

// ---------------------------------------------------------------- 1. the 500-endpoint client

const fleetDir = join(root, `fleet-${ENDPOINTS}`);
const fleetWanted = { generator: GENERATOR_VERSION, seed: SEED, endpoints: ENDPOINTS };
let fleet = readParams(fleetDir);
if (!sameParams(fleet, fleetWanted)) {
  console.error(`generating ${ENDPOINTS} endpoints into ${fleetDir} ...`);
  rmSync(fleetDir, { recursive: true, force: true });
  const made = generateFleet({ endpoints: ENDPOINTS, dir: fleetDir, seed: SEED });
  fleet = { ...fleetWanted, software: made.software, bytes: made.bytes };
  writeFileSync(join(fleetDir, ".params.json"), `${JSON.stringify(fleet, null, 2)}\n`);
}
const catalogDir = join(root, `catalog-${ENDPOINTS}`);
const catalogWanted = { generator: GENERATOR_VERSION, seed: SEED, endpoints: ENDPOINTS, entries: CATALOG_ENTRIES };
let catalog = readParams(catalogDir);
if (!sameParams(catalog, catalogWanted)) {
  rmSync(catalogDir, { recursive: true, force: true });
  const made = generateCatalog({ dir: catalogDir, entries: CATALOG_ENTRIES, endpoints: ENDPOINTS, seed: SEED });
  catalog = { ...catalogWanted, file: made.file, catalogEntries: made.entries };
  writeFileSync(join(catalogDir, ".params.json"), `${JSON.stringify(catalog, null, 2)}\n`);
}
// Evaluated on every run (about 1.5 s): the findings always come from the caveat being measured.
const findingsFile = join(root, `findings-${ENDPOINTS}.json`);
execFileSync(process.execPath, [entry, "evaluate", "--catalog", catalog.file, "--as-of", AS_OF, "--fail-on", "none", "--out", findingsFile, fleetDir], { env, stdio: ["ignore", "ignore", "pipe"] });
const countFindings = (list) => ({
  total: list.length,
  waived: list.filter((f) => f.waived).length,
  open: list.filter((f) => !f.waived && f.severity !== "info").length,
});
// The generated catalog gives ~3,700 findings for 500 endpoints, most of them software.unapproved (an
// allowlist catalog); the issue sizes the report at about 2,000. The measured report uses the same catalog
// with the most widespread unapproved titles approved until about 2,000 findings remain (the "approved
// after review" a real MSP does); the full ~3,700-finding document is printed once more below as the larger case.
const largeFindings = JSON.parse(readFileSync(findingsFile, "utf8"));
const large = countFindings(largeFindings.findings);
const sizedCatalog = join(catalogDir, `sized-${TARGET_FINDINGS}.catalog.yaml`);
writeFileSync(sizedCatalog, catalogApproving(readFileSync(catalog.file, "utf8"), largeFindings, TARGET_FINDINGS));
const sizedFindingsFile = join(root, `findings-${ENDPOINTS}-sized.json`);
execFileSync(process.execPath, [entry, "evaluate", "--catalog", sizedCatalog, "--as-of", AS_OF, "--fail-on", "none", "--out", sizedFindingsFile, fleetDir], { env, stdio: ["ignore", "ignore", "pipe"] });
const single = countFindings(JSON.parse(readFileSync(sizedFindingsFile, "utf8")).findings);

/** The catalog text with the most widespread software.unapproved subjects added to software.allow until about `target` findings remain. */
function catalogApproving(text, findings, target) {
  const counts = new Map();
  for (const f of findings.findings) if (f.rule === "software.unapproved") counts.set(f.subject, (counts.get(f.subject) ?? 0) + 1);
  let excess = findings.findings.length - target;
  const approve = [];
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    if (excess <= 0) break;
    approve.push(name);
    excess -= n;
  }
  const software = text.indexOf("\nsoftware:\n");
  const allow = text.indexOf("\n  allow:\n", software);
  if (software < 0 || allow < 0) throw new Error("the generated catalog has no software.allow list to extend");
  const at = allow + "\n  allow:\n".length;
  // JSON strings are valid YAML double-quoted scalars.
  return text.slice(0, at) + approve.map((name) => `    - { name: ${JSON.stringify(name)} }\n`).join("") + text.slice(at);
}

// ---------------------------------------------------------------- 2-3. one report vs Chromium alone

const out = join(root, "out");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const html = resolve(out, `report-${ENDPOINTS}.html`);
const reportArgs = ["report", "--findings", sizedFindingsFile, "--report-date", REPORT_DATE, "--branding", branding];
// The HTML Chromium alone will print: `--html` without `--out` renders no PDF. Timed too (node start-up,
// reading and validating the findings, model, templates: the part of the total that is not the browser).
const htmlRuns = [await timeNode(entry, [...reportArgs, "--html", html], { env })];
// Warm the browser binary in the page cache on a one-line page, so that neither side pays for it.
const tiny = join(out, "tiny.html");
writeFileSync(tiny, "<!doctype html><title>warm-up</title><p>warm-up</p>\n");
await timeProgram(browser, chromeArgs(join(out, "tiny.pdf"), tiny));

function chromeArgs(pdf, file) {
  return ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", `--print-to-pdf=${resolve(pdf)}`, resolve(file)];
}

const caveatRuns = [];
const chromeRuns = [];
for (let i = 0; i < RUNS; i++) {
  // Alternate who goes first: the machine's timing drifts.
  const steps = [
    async () => caveatRuns.push(await timeNode(entry, [...reportArgs, "--out", join(out, `caveat-${i}.pdf`)], { env })),
    async () => chromeRuns.push(await timeProgram(browser, chromeArgs(join(out, `chromium-${i}.pdf`), html))),
  ];
  for (const step of i % 2 ? steps.reverse() : steps) await step();
  if (i > 0) htmlRuns.push(await timeNode(entry, [...reportArgs, "--html", join(out, `again-${i}.html`)], { env }));
}
// The larger document (every finding of the generated catalog), once each.
const largeHtml = resolve(out, `report-${ENDPOINTS}-large.html`);
const largeArgs = ["report", "--findings", findingsFile, "--report-date", REPORT_DATE, "--branding", branding];
await timeNode(entry, [...largeArgs, "--html", largeHtml], { env });
const largeCaveat = await timeNode(entry, [...largeArgs, "--out", join(out, "caveat-large.pdf")], { env });
const largeChrome = await timeProgram(browser, chromeArgs(join(out, "chromium-large.pdf"), largeHtml));

const caveatMs = median(caveatRuns.map((r) => r.wallMs));
const chromeMs = median(chromeRuns.map((r) => r.wallMs));
const htmlMs = median(htmlRuns.map((r) => r.wallMs));
const renderMs = median(caveatRuns.map((r) => loggedSeconds(r.stderr)));
const caveatRss = Math.max(...caveatRuns.map((r) => r.maxRssBytes));
const caveatPages = pages(join(out, "caveat-0.pdf"));
const chromePages = pages(join(out, "chromium-0.pdf"));
const size = (file) => statSync(file).size;

// ---------------------------------------------------------------- 4. batch: 20 clients of 25 endpoints

const database = join(root, "batch.db");
const batchParamsFile = join(root, "batch.params.json");
const batchWanted = { version: BATCH_VERSION, generator: GENERATOR_VERSION, seed: SEED, clients: CLIENTS, perClient: PER_CLIENT, entries: CATALOG_ENTRIES };
const slugs = Array.from({ length: CLIENTS }, (_, i) => `bench-${String(i + 1).padStart(2, "0")}`);
if (!existsSync(database) || !sameParams(readJsonFile(batchParamsFile), batchWanted)) await fillBatchDatabase();

async function fillBatchDatabase() {
  const started = performance.now();
  console.error(`filling ${database}: ${CLIENTS} clients x ${PER_CLIENT} endpoints through caveat serve ...`);
  for (const file of [database, `${database}-wal`, `${database}-shm`, batchParamsFile]) rmSync(file, { force: true });
  const catalogs = join(root, "batch-catalogs");
  rmSync(catalogs, { recursive: true, force: true });
  const cli = (...args) => execFileSync(process.execPath, [entry, ...args, "--database", database], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const tokens = [];
  for (const [i, slug] of slugs.entries()) {
    cli("client", "add", slug, "--name", `Bench Client ${String(i + 1).padStart(2, "0")} Ltd`);
    // Each client's own catalog (the same rules, its slug); the register covers every generated serial.
    const made = generateCatalog({ dir: catalogs, entries: CATALOG_ENTRIES, endpoints: ENDPOINTS, seed: SEED, client: slug });
    cli("catalog", "push", made.file, "--client", slug);
    tokens.push(cli("token", "create", "--client", slug, "--label", "bench"));
  }
  const server = spawn(process.execPath, [entry, "serve", "--database", database, "--port", "0", "--log-level", "error"], { env, stdio: ["ignore", "ignore", "pipe"] });
  try {
    let stderr = "";
    const url = await new Promise((resolveUrl, reject) => {
      server.stderr.on("data", (d) => {
        stderr += d;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) resolveUrl(m[1]);
      });
      server.on("exit", (code) => reject(new Error(`caveat serve exited ${code}: ${stderr}`)));
    });
    // Endpoint k*25+j of the generated fleet belongs to client k: the batch is the same 500 endpoints, split.
    const pool = softwarePool(SEED);
    const posts = [];
    for (let k = 0; k < CLIENTS; k++) {
      for (let j = 0; j < PER_CLIENT; j++) posts.push({ k, index: k * PER_CLIENT + j });
    }
    let next = 0;
    const failures = [];
    const worker = async () => {
      while (next < posts.length) {
        const { k, index } = posts[next++];
        const inventory = { ...generateInventory(SEED, index, pool), client: slugs[k] };
        // Agents gzip bodies above 8 KiB.
        const response = await fetch(`${url}/api/v1/inventories`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens[k]}`, "content-type": "application/json", "content-encoding": "gzip" },
          body: gzipSync(JSON.stringify(inventory)),
        });
        const text = await response.text();
        if (response.status !== 201 && response.status !== 200) failures.push(`${slugs[k]} #${index}: ${response.status} ${text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    if (failures.length > 0) throw new Error(`${failures.length} inventories refused:\n  ${failures.slice(0, 5).join("\n  ")}`);
  } finally {
    await new Promise((done) => {
      if (server.exitCode !== null) return done();
      server.once("exit", done);
      server.kill("SIGTERM");
    });
  }
  writeFileSync(batchParamsFile, `${JSON.stringify(batchWanted, null, 2)}\n`);
  console.error(`  filled in ${s(performance.now() - started)}`);
}

const batchArgs = (dir) => ["report", "--all-clients", "--database", database, "--out-dir", dir, "--report-date", REPORT_DATE, "--as-of", AS_OF, "--branding", branding];
const coldSlug = slugs[0];
const coldArgs = (pdf) => ["report", "--client", coldSlug, "--database", database, "--out", pdf, "--report-date", REPORT_DATE, "--as-of", AS_OF, "--branding", branding];
const batchRuns = [];
const coldRuns = [];
for (let i = 0; i < RUNS; i++) {
  const dir = join(out, `batch-${i}`);
  const steps = [
    async () => batchRuns.push(await timeNode(entry, batchArgs(dir), { env })),
    async () => coldRuns.push(await timeNode(entry, coldArgs(join(out, `cold-${i}.pdf`)), { env })),
  ];
  for (const step of i % 2 ? steps.reverse() : steps) await step();
}
const batchMs = median(batchRuns.map((r) => r.wallMs));
const perReportMs = batchMs / CLIENTS;
const coldMs = median(coldRuns.map((r) => r.wallMs));
const batchLoopMs = median(batchRuns.map((r) => loggedSeconds(r.stderr)));
const coldRenderMs = median(coldRuns.map((r) => loggedSeconds(r.stderr)));
const batchDir = join(out, "batch-0");
const batchPdfs = readdirSync(batchDir).filter((f) => f.endsWith(".pdf"));
const batchPages = batchPdfs.map((f) => pages(join(batchDir, f)));
const batchFindings = countFindings(readdirSync(batchDir).filter((f) => f.endsWith(".findings.json")).flatMap((f) => JSON.parse(readFileSync(join(batchDir, f), "utf8")).findings));
const coldPages = pages(join(out, "cold-0.pdf"));

// ---------------------------------------------------------------- 5. the table

const pad = (text, width) => String(text).padStart(width);
const spread = (runs) => `min ${s(Math.min(...runs.map((r) => r.wallMs)))}, max ${s(Math.max(...runs.map((r) => r.wallMs)))}`;
console.log(`caveat report of a generated client: ${fmtInt(ENDPOINTS)} endpoints (${fmtInt(fleet.software)} software entries), ${fmtInt(single.total)} findings of which ${fmtInt(single.open)} unwaived and not info, ${fmtInt(single.waived)} waived (the issue's size: about ${fmtInt(TARGET_FINDINGS)}; the generated catalog with its most widespread unapproved titles approved); --branding ${branding}`);
console.log(`  browser ${browser} (${browserVersion}); medians of ${RUNS} runs, caveat and Chromium alone interleaved, who goes first alternating; 1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at the end (${availableParallelism()} cores; the bench's own Chromium runs raise it, a high value at the start means something else was running and skews both sides)`);
console.log(`  ${"".padEnd(44)} ${pad("median", 9)} ${pad("ratio", 7)}  reference / note`);
console.log(`  ${"caveat report --findings --out (total)".padEnd(44)} ${pad(s(caveatMs), 9)} ${pad(ratio(caveatMs, chromeMs), 7)}  vs Chromium alone; target <= ${TARGET_RATIO.toFixed(2)}x and < ${TARGET_SECONDS} s (${spread(caveatRuns)})`);
console.log(`  ${"Chromium alone --print-to-pdf, same HTML".padEnd(44)} ${pad(s(chromeMs), 9)} ${pad("1.00x", 7)}  the reference, printing no page footer (caveat prints one on every page) (${spread(chromeRuns)})`);
console.log(`  ${"  of caveat's total: the logged render".padEnd(44)} ${pad(s(renderMs), 9)} ${pad(ratio(renderMs, chromeMs), 7)}  model + HTML + browser launch + print + write, as caveat logs it`);
console.log(`  ${"  caveat report --html only (no browser)".padEnd(44)} ${pad(s(htmlMs), 9)} ${pad(ratio(htmlMs, chromeMs), 7)}  node start-up, findings read + validated, model, templates`);
console.log(`  ${"  so: browser + print + PDF write".padEnd(44)} ${pad(s(caveatMs - htmlMs), 9)} ${pad(ratio(caveatMs - htmlMs, chromeMs), 7)}  total - HTML only, against Chromium alone doing launch + load + print`);
console.log(`  ${"".padEnd(44)} caveat node process peak RSS ${mb(caveatRss)} (Chromium's own processes not counted)`);
console.log(`  same document: caveat ${caveatPages} pages (${mb(size(join(out, "caveat-0.pdf")))}), Chromium alone ${chromePages} pages (${mb(size(join(out, "chromium-0.pdf")))}); HTML ${mb(size(html))}${caveatPages === chromePages ? "" : "  PAGE COUNTS DIFFER"}`);
console.log(`  larger document, the generated catalog as is: ${fmtInt(large.total)} findings, ${fmtInt(large.open)} unwaived and not info, ${pages(join(out, "caveat-large.pdf"))} pages; one run each`);
console.log(`  ${"caveat report --findings --out (total)".padEnd(44)} ${pad(s(largeCaveat.wallMs), 9)} ${pad(ratio(largeCaveat.wallMs, largeChrome.wallMs), 7)}  vs Chromium alone`);
console.log(`  ${"Chromium alone --print-to-pdf, same HTML".padEnd(44)} ${pad(s(largeChrome.wallMs), 9)} ${pad("1.00x", 7)}  ${pages(join(out, "chromium-large.pdf"))} pages`);
console.log(`  batch: ${CLIENTS} clients x ${PER_CLIENT} endpoints (the same ${ENDPOINTS} endpoints, split; filled through caveat serve) in ${database}: ${fmtInt(batchFindings.total)} findings, ${fmtInt(batchFindings.open)} unwaived and not info; ${batchPages.reduce((a, b) => a + b, 0)} pages in ${batchPdfs.length} PDFs`);
console.log(`  ${"caveat report --all-clients (total)".padEnd(44)} ${pad(s(batchMs), 9)} ${pad("", 7)}  ${spread(batchRuns)}; caveat's loop over the clients alone ${s(batchLoopMs)}`);
console.log(`  ${"  per report (total / 20)".padEnd(44)} ${pad(s(perReportMs), 9)} ${pad(ratio(perReportMs, coldMs), 7)}  vs a cold start; target well under it (read as <= ${TARGET_BATCH_SHARE.toFixed(2)}x)`);
console.log(`  ${`caveat report --client ${coldSlug} (cold start)`.padEnd(44)} ${pad(s(coldMs), 9)} ${pad("1.00x", 7)}  the reference, ${coldPages} pages (${spread(coldRuns)}); its logged render ${s(coldRenderMs)}`);
const verdict = (ok) => (ok ? "met" : "MISSED");
console.log(`  target      500-endpoint report under ${TARGET_SECONDS} s: ${s(caveatMs)} -> ${verdict(caveatMs < TARGET_SECONDS * 1000)}${caveatMs < TARGET_SECONDS * 1000 ? "" : ` (${ratio(caveatMs, TARGET_SECONDS * 1000)} the budget; Chromium alone takes ${s(chromeMs)})`}`);
console.log(`  target      at most ${TARGET_RATIO.toFixed(2)}x Chromium alone: ${ratio(caveatMs, chromeMs)} -> ${verdict(caveatMs / chromeMs <= TARGET_RATIO)}`);
console.log(`  target      batch per-report well under a cold start: ${s(perReportMs)} vs ${s(coldMs)} = ${ratio(perReportMs, coldMs)} -> ${verdict(perReportMs / coldMs <= TARGET_BATCH_SHARE)}`);
