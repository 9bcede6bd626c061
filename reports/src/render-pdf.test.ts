// The printer against the real system Chromium (found the way caveat finds it), checked with poppler's
// pdfinfo and pdftotext: one browser serves a batch, and a report that overruns its deadline fails alone.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "puppeteer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBrowser } from "./find-browser.js";
import { PdfPrinter, RenderTimeoutError } from "./render-pdf.js";
import type { RenderedReport } from "./templates.js";

const FOOTER = `<div style="font-size:8px; width:100%; text-align:center">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`;

function reportOf(title: string, rows: number): RenderedReport {
  const body = Array.from({ length: rows }, (_, i) => `<tr><td>${title} row ${i + 1}</td><td>${"detail ".repeat(12)}</td></tr>`).join("");
  return { html: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><table>${body}</table></body></html>`, footer: FOOTER };
}

let dir: string;
let printer: PdfPrinter;

/** The browser behind the printer (private): to show that the batch really used one. */
const browserOf = (p: PdfPrinter) => (p as unknown as { browser: Browser }).browser;

/** pdfinfo's page count; pdfinfo exits non-zero on anything that is not a well-formed PDF. */
async function pagesOf(pdf: Uint8Array, name: string): Promise<number> {
  const path = join(dir, name);
  await writeFile(path, pdf);
  const info = execFileSync("pdfinfo", [path], { encoding: "utf8" });
  return Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
}

const textOf = (name: string) => execFileSync("pdftotext", ["-layout", join(dir, name), "-"], { encoding: "utf8" });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caveat-printer-"));
  printer = await PdfPrinter.launch(findBrowser());
}, 60_000);

afterAll(async () => {
  await printer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("PdfPrinter", () => {
  it("prints several reports with one launched browser, each a valid PDF with its own content and page footer", async () => {
    const browser = browserOf(printer);
    const pid = browser.process()?.pid;
    const openPages = (await browser.pages()).length;
    for (const [name, rows] of [["First", 5], ["Second", 400], ["Third", 1]] as const) {
      const { pdf, blocked } = await printer.print(reportOf(name, rows), { paper: "A4", timeoutMs: 30_000 });
      expect(blocked).toEqual([]);
      expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
      const pages = await pagesOf(pdf, `${name}.pdf`);
      expect(pages, name).toBeGreaterThanOrEqual(name === "Second" ? 5 : 1);
      const text = textOf(`${name}.pdf`);
      expect(text).toContain(`${name} row ${rows}`);
      expect(text).toContain(`Page ${pages} of ${pages}`);
      // Same browser process, and the report's page was closed again: nothing piles up over a batch.
      expect(browserOf(printer)).toBe(browser);
      expect(browser.connected).toBe(true);
      expect(browser.process()?.pid).toBe(pid);
      expect((await browser.pages()).length).toBe(openPages);
    }
  });

  it("rejects a report that overruns its deadline with RenderTimeoutError, and then prints the next report", async () => {
    const big = reportOf("Huge", 3000);
    const overrun = printer.print(big, { paper: "A4", timeoutMs: 1 });
    await expect(overrun).rejects.toBeInstanceOf(RenderTimeoutError);
    await expect(overrun).rejects.toThrow(/did not finish printing the report within .* s \(raise --timeout/);

    const browser = browserOf(printer);
    expect(browser.connected).toBe(true);
    const { pdf } = await printer.print(reportOf("After the timeout", 3), { paper: "Letter", timeoutMs: 30_000 });
    expect(await pagesOf(pdf, "after.pdf")).toBe(1);
    expect(textOf("after.pdf")).toContain("After the timeout row 3");
    expect(execFileSync("pdfinfo", [join(dir, "after.pdf")], { encoding: "utf8" })).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
  });
});
