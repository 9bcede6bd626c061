// The report use case: findings data (a file, or a client's current findings from the collector) ->
// view model -> HTML -> PDF. One ReportRenderer holds the templates, the branding and one browser, so a
// batch of clients pays for Chromium's start once.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Findings } from "../../schemas/findings.v1.js";
import { ContractError, parseFindings } from "../../schemas/validate.js";
import { DEFAULT_BRANDING, loadBrandingFile, type LoadedBranding } from "./branding.js";
import { findBrowser } from "./find-browser.js";
import { buildCertificateModel, type CertificateInput } from "./certificate.js";
import { buildEvidenceModel, type EvidenceInput } from "./evidence.js";
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
  render(data: FindingsData, reportDate: string, options?: { pdf?: boolean; omitted?: OmittedEndpoint[]; title?: string; decisionDue?: string }): Promise<RenderedDocument>;
  /** The signature certificate page of a signed acknowledgement, with the renderer's branding. */
  printCertificate(input: CertificateInput): Promise<Uint8Array>;
  /** A client's evidence pack (an audit export) as a PDF, with the renderer's branding. */
  printEvidence(input: EvidenceInput): Promise<Uint8Array>;
  /** The waiver statement of a report, as HTML (what the signing page shows and the certificate records). */
  statementHtml(model: ReportModel): string;
  readonly branding: LoadedBranding;
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
  const livePrinter = async () => {
    let current = await printerOnce();
    if (!current.connected) {
      // The browser died (crash, OOM kill) during an earlier report of a batch: start another one.
      printer = undefined;
      current = await printerOnce();
    }
    return current;
  };
  const blockedError = (what: string, blocked: string[]) =>
    new ReportTemplateError(`the ${what} tried to load ${blocked.length} resource(s) (${blocked.slice(0, 3).join(", ")}); they were blocked: fix the templates so they embed everything`);
  return {
    branding,
    async render(data, reportDate, renderOptions = {}) {
      const model = buildReportModel({ findings: data.findings, findingsSha256: sha256Hex(data.bytes), branding: branding.branding, logo: branding.logo, reportDate, omitted: renderOptions.omitted, title: renderOptions.title, decisionDue: renderOptions.decisionDue });
      const rendered = templates.render(model);
      if (renderOptions.pdf === false) return { model, html: rendered.html };
      const { pdf, blocked } = await (await livePrinter()).print(rendered, { paper: model.paper, timeoutMs: timeoutFor(data) });
      if (blocked.length > 0) throw blockedError("report page", blocked);
      return { model, html: rendered.html, pdf };
    },
    statementHtml: (model) => templates.renderStatement(model),
    async printEvidence(input) {
      const model = buildEvidenceModel(input, branding.branding, branding.logo);
      const { pdf, blocked } = await (await livePrinter()).print(templates.renderEvidence(model), { paper: model.paper, timeoutMs: options.timeoutMs ?? 60_000 + input.events.length * 5 });
      if (blocked.length > 0) throw blockedError("evidence pack", blocked);
      return pdf;
    },
    async printCertificate(input) {
      const model = buildCertificateModel(input);
      const { pdf, blocked } = await (await livePrinter()).print(templates.renderCertificate(model), { paper: model.paper, timeoutMs: options.timeoutMs ?? 60_000 });
      if (blocked.length > 0) throw blockedError("signature certificate", blocked);
      return pdf;
    },
    async close() {
      if (printer) await (await printer.catch(() => undefined))?.close();
    },
  };
}
