#!/usr/bin/env node
// Regenerates the sample client report shown in the README: the fictional Acme Dental fleet
// (collector/samples/acme-dental/fleet) evaluated as of 2026-11-23 against the sample catalog, rendered
// with the sample MSP branding.
//
//   npm run docs:sample-report
//
// Writes docs/sample-report.findings.json (the data, generatedAt pinned so the file only changes when the
// findings do), docs/sample-report.pdf, docs/sample-report-page-1.png and -2.png (pdftoppm), and
// docs/sample-report.lock.json: the SHA-256 of the findings, of the HTML they render to, and of the PNGs. A test
// renders the committed findings again and compares: a template, wording or model change that was not
// followed by this script fails the tests, so the committed sample never drifts from what caveat prints.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

export const SAMPLE = {
  asOf: "2026-11-23",
  reportDate: "2026-11-23",
  generatedAt: "2026-11-23T08:00:00.000Z",
  catalog: "collector/samples/acme-dental.catalog.yaml",
  fleet: "collector/samples/acme-dental/fleet",
  branding: "reports/samples/northwind.branding.yaml",
  findings: "docs/sample-report.findings.json",
  pdf: "docs/sample-report.pdf",
  lock: "docs/sample-report.lock.json",
};

const caveat = (...args) => execFileSync(process.execPath, ["bin/caveat.mjs", ...args], { stdio: ["ignore", "pipe", "inherit"] });
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

if (import.meta.url === `file://${process.argv[1]}`) {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const findings = JSON.parse(caveat("evaluate", "--catalog", SAMPLE.catalog, "--as-of", SAMPLE.asOf, "--fail-on", "none", SAMPLE.fleet).toString());
  findings.generatedAt = SAMPLE.generatedAt;
  writeFileSync(SAMPLE.findings, `${JSON.stringify(findings, null, 2)}\n`);
  const html = "docs/.sample-report.html";
  caveat("report", "--findings", SAMPLE.findings, "--branding", SAMPLE.branding, "--report-date", SAMPLE.reportDate, "--out", SAMPLE.pdf, "--html", html);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [SAMPLE.pdf]).toString())[1]);
  execFileSync("pdftoppm", ["-r", "70", "-png", "-f", "1", "-l", "2", SAMPLE.pdf, "docs/sample-report-page"]);
  const png = Object.fromEntries(["01", "02"].map((n) => [`docs/sample-report-page-${n}.png`, sha256(readFileSync(`docs/sample-report-page-${n}.png`))]));
  const lock = { findingsSha256: sha256(readFileSync(SAMPLE.findings)), htmlSha256: sha256(readFileSync(html)), pages, png };
  rmSync(html);
  writeFileSync(SAMPLE.lock, `${JSON.stringify(lock, null, 2)}\n`);
  console.error(`sample report: ${pages} pages, findings ${lock.findingsSha256.slice(0, 12)}, html ${lock.htmlSha256.slice(0, 12)}`);
}
