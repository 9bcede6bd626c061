// caveat report: findings -> the client-facing PDF to sign. From a findings file (caveat evaluate's
// output), from one client's current findings in the collector's database, or for every client at once
// with one browser.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { clientFindings, type SkippedEndpoint } from "../../collector/src/service/client-findings.js";
import { ServiceError } from "../../collector/src/service/errors.js";
import { createEvaluator, type Evaluator } from "../../collector/src/service/evaluation.js";
import type { Store } from "../../collector/src/store/types.js";
import { BrowserNotFoundError } from "../../reports/src/find-browser.js";
import { RenderTimeoutError } from "../../reports/src/render-pdf.js";
import { createReportRenderer, findingsData, readFindingsFile, type FindingsData, type ReportRenderer } from "../../reports/src/report.js";
import { ReportTemplateError } from "../../reports/src/templates.js";
import { CliError, EXIT_FINDINGS } from "../errors.js";
import { inputErrors } from "../input-errors.js";
import { log, writeFileAtomic } from "../io.js";
import { parseClientSlug, parseIsoDate, parsePositiveInt, todayIso } from "../options.js";
import { progressBar } from "../progress.js";
import { openDatabase } from "./database.js";

export interface ReportCommandOptions {
  findings?: string;
  client?: string;
  allClients?: boolean;
  database?: string;
  out?: string;
  outDir?: string;
  html?: string;
  branding?: string;
  templates?: string;
  reportDate?: string;
  asOf?: string;
  browser?: string;
  timeout?: string;
  lifecycleDir?: string;
}

export async function reportCommand(options: ReportCommandOptions): Promise<void> {
  const sources = [options.findings !== undefined, options.client !== undefined, options.allClients === true].filter(Boolean).length;
  if (sources !== 1) throw new CliError("say what to report on: exactly one of --findings FILE, --client SLUG or --all-clients");
  const reportDate = options.reportDate === undefined ? todayIso() : parseIsoDate(options.reportDate, "--report-date");
  const asOf = options.asOf === undefined ? undefined : parseIsoDate(options.asOf, "--as-of");
  const timeoutMs = (options.timeout === undefined ? 60 : parsePositiveInt(options.timeout, "--timeout")) * 1000;
  if (options.allClients) {
    if (!options.outDir) throw new CliError("--all-clients writes one report per client: give --out-dir DIR");
    if (options.out || options.html) throw new CliError("--all-clients takes --out-dir, not --out or --html");
  } else {
    if (options.outDir) throw new CliError("--out-dir is for --all-clients; for one report give --out FILE");
    if (!options.out && !options.html) throw new CliError("give --out report.pdf (and/or --html report.html)");
  }
  if (options.findings !== undefined && asOf !== undefined) throw new CliError("--as-of applies to --client and --all-clients; a findings file carries its own as-of date");
  const client = options.client === undefined ? undefined : parseClientSlug(options.client, "--client");

  const renderer = await reportErrors(inputErrors(createReportRenderer({ branding: options.branding, templates: options.templates, browser: options.browser, timeoutMs, launchNow: options.out !== undefined || options.allClients === true })));
  try {
    if (options.findings !== undefined) {
      const data = await inputErrors(readFindingsFile(options.findings));
      await renderOne(renderer, data, reportDate, options.out, options.html);
      return;
    }
    const { store } = await openDatabase(options.database);
    try {
      const evaluator = createEvaluator(store, (await inputErrors(loadDataset(options.lifecycleDir))).index);
      const now = asOf === undefined ? new Date() : new Date(`${asOf}T12:00:00Z`);
      if (client !== undefined) {
        const data = await findingsOf(store, evaluator, client, now);
        // The findings the report was made from, beside it: their SHA-256 is the one printed on every page.
        const findingsPath = `${(options.out ?? options.html)!.replace(/\.(pdf|html?)$/i, "")}.findings.json`;
        await writeFileAtomic(findingsPath, data.bytes);
        await renderOne(renderer, data, reportDate, options.out, options.html);
        log(`findings data: ${findingsPath}`);
      } else {
        await renderAll(store, evaluator, renderer, now, reportDate, options.outDir!);
      }
    } finally {
      await store.close();
    }
  } finally {
    await renderer.close();
  }
}

async function renderOne(renderer: ReportRenderer, data: FindingsData, reportDate: string, out: string | undefined, html: string | undefined): Promise<void> {
  const started = performance.now();
  const document = await reportErrors(renderer.render(data, reportDate, { pdf: out !== undefined }));
  if (html) await writeFileAtomic(html, document.html);
  if (out) await writeFileAtomic(out, document.pdf!);
  const s = document.model.summary;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  log(`report ${document.model.documentId} for ${document.model.client.name}: ${s.open} open risk${s.open === 1 ? "" : "s"}, ${s.waived} accepted, ${s.endpoints} computer${s.endpoints === 1 ? "" : "s"} in ${seconds} s -> ${[out, html].filter(Boolean).join(", ")}`);
}

async function renderAll(store: Store, evaluator: Evaluator, renderer: ReportRenderer, now: Date, reportDate: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const clients = await store.clients.list();
  if (clients.length === 0) throw new CliError("the database holds no clients yet (caveat client add SLUG)");
  const progress = progressBar(clients.length);
  const failed: string[] = [];
  const started = performance.now();
  for (const client of clients) {
    // One client's failure (a bad template value, a timeout) must not cost the others their report.
    try {
      const data = await findingsOf(store, evaluator, client.slug, now);
      const base = join(outDir, `${client.slug}-${reportDate}`);
      const document = await reportErrors(renderer.render(data, reportDate));
      // Written together, after the PDF exists: a failed client leaves no findings file without its report.
      await writeFileAtomic(`${base}.findings.json`, data.bytes);
      await writeFileAtomic(`${base}.pdf`, document.pdf!);
    } catch (error) {
      failed.push(`${client.slug}: ${(error as Error).message.split("\n")[0]}`);
    }
    progress.tick(client.slug);
  }
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  log(`${clients.length - failed.length} of ${clients.length} reports written to ${outDir} in ${seconds.toFixed(1)} s (${(seconds / clients.length).toFixed(2)} s per report)`);
  if (failed.length > 0) throw new CliError(`${failed.length} report${failed.length === 1 ? "" : "s"} failed:\n  ${failed.join("\n  ")}`, EXIT_FINDINGS);
}

async function findingsOf(store: Store, evaluator: Evaluator, slug: string, now: Date): Promise<FindingsData> {
  let result;
  try {
    result = await inputErrors(clientFindings(store, evaluator, slug, now));
  } catch (error) {
    if (error instanceof ServiceError) throw new CliError(error.message);
    throw error;
  }
  for (const skipped of result.skipped) warnSkipped(slug, skipped);
  return findingsData(result.findings);
}

function warnSkipped(slug: string, skipped: SkippedEndpoint): void {
  log(`warning: ${slug}: ${skipped.hostname} left out of the report: its stored scan ${skipped.scanId} cannot be used (${skipped.reason})`);
}

/** Browser, template and timeout problems are the user's to fix: one clear message, exit 2. */
async function reportErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof BrowserNotFoundError || error instanceof ReportTemplateError || error instanceof RenderTimeoutError) throw new CliError(error.message);
    throw error;
  }
}
