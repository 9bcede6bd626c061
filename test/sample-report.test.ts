// The sample report in docs/ (shown in the README) must be what caveat prints today: its findings are
// what the sample fleet evaluates to, its HTML is what the templates render, and the PDF is of that data.
// When this fails after a template, wording or rule change, run `npm run docs:sample-report`.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createReportRenderer, readFindingsFile, sha256Hex } from "../reports/src/report.js";
import { ROOT, runCli } from "./cli.js";
// @ts-expect-error: a plain .mjs script without types
import { SAMPLE } from "../scripts/sample-report.mjs";

const sample = SAMPLE as Record<string, string>;
const path = (p: string) => join(ROOT, p);
const lock = async () => JSON.parse(await readFile(path(sample.lock!), "utf8")) as { findingsSha256: string; htmlSha256: string; pages: number; png: Record<string, string> };
const HINT = "docs/sample-report.* is stale: run npm run docs:sample-report";

describe("the sample report in docs/", () => {
  it("holds the findings the sample fleet evaluates to", async () => {
    const fresh = await runCli(["evaluate", "--catalog", path(sample.catalog!), "--as-of", sample.asOf!, "--fail-on", "none", path(sample.fleet!)]);
    expect(fresh.code, fresh.stderr).toBe(0);
    const committed = JSON.parse(await readFile(path(sample.findings!), "utf8"));
    expect({ ...JSON.parse(fresh.stdout), generatedAt: sample.generatedAt }, HINT).toEqual(committed);
    expect(sha256Hex(await readFile(path(sample.findings!))), HINT).toBe((await lock()).findingsSha256);
  }, 30_000);

  it("is what the templates render from those findings today", async () => {
    const renderer = await createReportRenderer({ branding: path(sample.branding!) });
    const { html } = await renderer.render(await readFindingsFile(path(sample.findings!)), sample.reportDate!, { pdf: false });
    await renderer.close();
    expect(sha256Hex(html), HINT).toBe((await lock()).htmlSha256);
  });

  it("is a PDF of those findings: their fingerprint on every page", async () => {
    const { findingsSha256, pages } = await lock();
    const info = execFileSync("pdfinfo", [path(sample.pdf!)]).toString();
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1]), HINT).toBe(pages);
    const text = execFileSync("pdftotext", ["-layout", path(sample.pdf!), "-"]).toString();
    const footers = text.split("\f").filter((page) => page.trim() !== "");
    expect(footers).toHaveLength(pages);
    footers.forEach((page, i) => {
      expect(page).toContain(`Findings SHA-256 ${findingsSha256}`);
      expect(page).toContain(`Page ${i + 1} of ${pages}`);
    });
  });

  it("shows in the README the pages made with that PDF", async () => {
    const { png } = await lock();
    expect(Object.keys(png)).toHaveLength(2);
    for (const [file, sha] of Object.entries(png)) expect(sha256Hex(await readFile(path(file))), `${file}: ${HINT}`).toBe(sha);
  });
});
