// The report use case: findings data (a file, or a client's current findings from the collector) ->
// view model -> HTML -> PDF. One ReportRenderer holds the templates, the branding and one browser, so a
// batch of clients pays for Chromium's start once.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Findings } from "../../schemas/findings.v1.js";
import { ContractError, parseFindings } from "../../schemas/validate.js";
import { DEFAULT_BRANDING, loadBrandingFile, type LoadedBranding } from "./branding.js";
import { findBrowser } from "./find-browser.js";
import { buildReportModel, type OmittedEndpoint, type ReportModel } from "./model.js";
import { PdfPrinter, puppeteerCachedBrowser } from "./render-pdf.js";
import { loadTemplates, ReportTemplateError } from "./templates.js";

/** Findings and the exact bytes they were read from (or written as): the report prints their SHA-256. */
export interface FindingsData {
  findings: Findings;
  bytes: Uint8Array;
}

export interface RendererOptions {
  branding?: string;
  templates?: string;
  /** --browser: an explicit Chromium/Chrome/Edge executable. */
  browser?: string;
  /** Per report; default 60 s, plus 5 ms per finding for very large reports (20,000 findings print in about a minute). */
  timeoutMs?: number;
  /** Start the browser now, while the caller still reads findings (it will print PDFs, not only HTML). */
  launchNow?: boolean;
}

export interface RenderedDocument {
  model: ReportModel;
  html: string;
  /** Absent when only HTML was asked for. */
  pdf?: Uint8Array;
}

export interface ReportRenderer {
  render(data: FindingsData, reportDate: string, options?: { pdf?: boolean; omitted?: OmittedEndpoint[] }): Promise<RenderedDocument>;
  close(): Promise<void>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The findings file as written by `caveat evaluate`: invalid JSON or contract violations name the line. */
export async function readFindingsFile(path: string): Promise<FindingsData> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ContractError("caveat.findings/v1", path, [{ pointer: "", message: `cannot read the findings file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  return { findings: parseFindings(bytes.toString("utf8"), path), bytes };
}

/** Findings made here (from the collector's database): serialized once, and those bytes are what the report fingerprints. */
export function findingsData(findings: Findings): FindingsData {
  return { findings, bytes: Buffer.from(`${JSON.stringify(findings, null, 2)}\n`) };
}

export async function createReportRenderer(options: RendererOptions = {}): Promise<ReportRenderer> {
  const [templates, branding] = await Promise.all([loadTemplates(options.templates), options.branding ? loadBrandingFile(options.branding) : Promise.resolve<LoadedBranding>({ branding: DEFAULT_BRANDING })]);
  const timeoutFor = (data: FindingsData) => options.timeoutMs ?? 60_000 + data.findings.findings.length * 5;
  let printer: Promise<PdfPrinter> | undefined;
  const printerOnce = () => (printer ??= PdfPrinter.launch(findBrowser({ explicit: options.browser, puppeteerCache: puppeteerCachedBrowser }), options.timeoutMs ?? 60_000));
  if (options.launchNow) {
    // Chromium starts on the other core while this thread reads and checks the findings; a launch failure
    // surfaces at the first render (and a browser that cannot be found, right here).
    printerOnce().catch(() => undefined);
  }
  return {
    async render(data, reportDate, renderOptions = {}) {
      const model = buildReportModel({ findings: data.findings, findingsSha256: sha256Hex(data.bytes), branding: branding.branding, logo: branding.logo, reportDate, omitted: renderOptions.omitted });
      const rendered = templates.render(model);
      if (renderOptions.pdf === false) return { model, html: rendered.html };
      let current = await printerOnce();
      if (!current.connected) {
        // The browser died (crash, OOM kill) during an earlier report of a batch: start another one.
        printer = undefined;
        current = await printerOnce();
      }
      const { pdf, blocked } = await current.print(rendered, { paper: model.paper, timeoutMs: timeoutFor(data) });
      if (blocked.length > 0) throw new ReportTemplateError(`the report page tried to load ${blocked.length} resource(s) (${blocked.slice(0, 3).join(", ")}); they were blocked: fix the templates so they embed everything`);
      return { model, html: rendered.html, pdf };
    },
    async close() {
      if (printer) await (await printer.catch(() => undefined))?.close();
    },
  };
}
