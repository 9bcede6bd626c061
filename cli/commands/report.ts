// caveat report: findings -> the client-facing PDF to sign. From a findings file (caveat evaluate's
// output), from one client's current findings in the collector's database, or for every client at once
// with one browser.
import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { clientFindings } from "../../collector/src/service/client-findings.js";
import { ServiceError } from "../../collector/src/service/errors.js";
import { createEvaluator, type Evaluator } from "../../collector/src/service/evaluation.js";
import type { Store } from "../../collector/src/store/types.js";
import { BrowserNotFoundError } from "../../reports/src/find-browser.js";
import type { OmittedEndpoint, ReportModel } from "../../reports/src/model.js";
import { cliActor, recordAudit } from "../../collector/src/service/audit.js";
import { BrowserLaunchError, RenderTimeoutError } from "../../reports/src/render-pdf.js";
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

/** One client's findings from the database, with the computers that could not be evaluated. */
interface ClientData extends FindingsData {
  omitted: OmittedEndpoint[];
}

export async function reportCommand(options: ReportCommandOptions): Promise<void> {
  const sources = [options.findings !== undefined, options.client !== undefined, options.allClients === true].filter(Boolean).length;
  if (sources !== 1) throw new CliError("say what to report on: exactly one of --findings FILE, --client SLUG or --all-clients");
  const explicitDate = options.reportDate === undefined ? undefined : parseIsoDate(options.reportDate, "--report-date");
  const asOf = options.asOf === undefined ? undefined : parseIsoDate(options.asOf, "--as-of");
  const timeoutMs = options.timeout === undefined ? undefined : parsePositiveInt(options.timeout, "--timeout") * 1000;
  if (options.allClients) {
    if (!options.outDir) throw new CliError("--all-clients writes one report per client: give --out-dir DIR");
    if (options.out || options.html) throw new CliError("--all-clients takes --out-dir, not --out or --html");
  } else {
    if (options.outDir) throw new CliError("--out-dir is for --all-clients; for one report give --out FILE");
    if (!options.out && !options.html) throw new CliError("give --out report.pdf (and/or --html report.html)");
  }
  if (options.findings !== undefined) {
    if (asOf !== undefined) throw new CliError("--as-of applies to --client and --all-clients; a findings file carries its own as-of date");
    for (const [flag, path] of [["--out", options.out], ["--html", options.html]] as const) {
      if (path !== undefined && resolve(path) === resolve(options.findings)) throw new CliError(`${flag} ${path} is the findings file itself: write the report elsewhere`);
    }
  }
  const client = options.client === undefined ? undefined : parseClientSlug(options.client, "--client");
  // The report date is the day it is issued: never before the date its findings describe.
  const reportDateFor = (findingsAsOf: string) => {
    const today = todayIso();
    const date = explicitDate ?? (today < findingsAsOf ? findingsAsOf : today);
    if (date < findingsAsOf) throw new CliError(`--report-date ${date} is before the findings' as-of date ${findingsAsOf}: a report cannot be issued before the state it reports`);
    return date;
  };

  const renderer = await reportErrors(inputErrors(createReportRenderer({ branding: options.branding, templates: options.templates, browser: options.browser, timeoutMs, launchNow: options.out !== undefined || options.allClients === true })));
  try {
    if (options.findings !== undefined) {
      const data = await inputErrors(readFindingsFile(options.findings));
      await renderOne(renderer, data, reportDateFor(data.findings.asOf), options.out, options.html);
      return;
    }
    const { store } = await openDatabase(options.database);
    try {
      const evaluator = createEvaluator(store, (await inputErrors(loadDataset(options.lifecycleDir))).index);
      const now = asOf === undefined ? new Date() : new Date(`${asOf}T12:00:00Z`);
      if (client !== undefined) {
        const data = await findingsOf(store, evaluator, client, now, asOf !== undefined);
        if (data.findings.endpoints.length === 0) throw new CliError(`client "${client}" has no computers yet: there is nothing to report`);
        // The findings the report was made from, beside it: their SHA-256 is the one printed on every page.
        const findingsPath = `${(options.out ?? options.html)!.replace(/\.(pdf|html?)$/i, "")}.findings.json`;
        const reportDate = reportDateFor(data.findings.asOf);
        const model = await renderOne(renderer, data, reportDate, options.out, options.html, findingsPath);
        await recordIssued(store, model, { asOf: data.findings.asOf, reportDate }, (options.out ?? options.html)!);
      } else {
        await renderAll(store, evaluator, renderer, now, asOf !== undefined, reportDateFor, options.outDir!);
      }
    } finally {
      await store.close();
    }
  } finally {
    await renderer.close();
  }
}

async function renderOne(renderer: ReportRenderer, data: FindingsData | ClientData, reportDate: string, out: string | undefined, html: string | undefined, findingsPath?: string): Promise<ReportModel> {
  const started = performance.now();
  const omitted = "omitted" in data ? data.omitted : [];
  const document = await reportErrors(renderer.render(data, reportDate, { pdf: out !== undefined, omitted }));
  // Written only once the report exists: a failed render leaves nothing behind.
  if (findingsPath) await writeFileAtomic(findingsPath, data.bytes);
  if (html) await writeFileAtomic(html, document.html);
  if (out) await writeFileAtomic(out, document.pdf!);
  const s = document.model.summary;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  log(`report ${document.model.documentId} for ${document.model.client.name}: ${s.open} open risk${s.open === 1 ? "" : "s"}, ${s.waived} accepted, ${s.endpoints} computer${s.endpoints === 1 ? "" : "s"} in ${seconds} s -> ${[out, html, findingsPath].filter(Boolean).join(", ")}`);
  return document.model;
}

/** The advice given, in the client's audit trail: which document, of which data, with how many open risks. */
function recordIssued(store: Store, model: ReportModel, dates: { asOf: string; reportDate: string }, file: string): Promise<unknown> {
  const s = model.summary;
  return recordAudit(store, model.client.slug, "report.issued", { documentId: model.documentId, findingsSha256: model.findingsSha256, reportDate: dates.reportDate, asOf: dates.asOf, file: basename(file), endpoints: s.endpoints, openRisks: s.open, accepted: s.waived, expiredAcceptances: s.expiredWaivers, omitted: model.omitted.length }, cliActor(), new Date());
}

async function renderAll(store: Store, evaluator: Evaluator, renderer: ReportRenderer, now: Date, explicitAsOf: boolean, reportDateFor: (asOf: string) => string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const clients = await store.clients.list();
  if (clients.length === 0) throw new CliError("the database holds no clients yet (caveat client add SLUG)");
  const progress = progressBar(clients.length);
  const failed: string[] = [];
  const empty: string[] = [];
  const started = performance.now();
  for (const client of clients) {
    let outcome = "";
    // One client's failure (its data, a timeout) must not cost the others their report; a template or
    // browser problem would fail every client the same way, so it stops the batch at once.
    try {
      const data = await findingsOf(store, evaluator, client.slug, now, explicitAsOf);
      if (data.findings.endpoints.length === 0) {
        empty.push(client.slug);
        outcome = " (no computers yet: skipped)";
      } else {
        const reportDate = reportDateFor(data.findings.asOf);
        const base = join(outDir, `${client.slug}-${reportDate}`);
        const document = await renderer.render(data, reportDate, { omitted: data.omitted });
        // Written together, after the PDF exists: a failed client leaves no findings file without its report.
        await writeFileAtomic(`${base}.findings.json`, data.bytes);
        await writeFileAtomic(`${base}.pdf`, document.pdf!);
        await recordIssued(store, document.model, { asOf: data.findings.asOf, reportDate }, `${base}.pdf`);
      }
    } catch (error) {
      if (error instanceof ReportTemplateError || error instanceof BrowserNotFoundError || error instanceof BrowserLaunchError) {
        progress.done();
        throw new CliError(`${client.slug}: ${error.message}\nstopped the batch: this would fail for every client`);
      }
      failed.push(`${client.slug}: ${(error as Error).message.split("\n")[0]}`);
      outcome = " FAILED";
    }
    progress.tick(`${client.slug}${outcome}`);
  }
  progress.done();
  const written = clients.length - failed.length - empty.length;
  const seconds = (performance.now() - started) / 1000;
  log(`${written} of ${clients.length} reports written to ${outDir} in ${seconds.toFixed(1)} s (${(seconds / clients.length).toFixed(2)} s per client)${empty.length ? `; no computers yet: ${empty.join(", ")}` : ""}`);
  if (failed.length > 0) {
    // 2 when nothing was written at all; 1 when some reports are there and some are not (the others are usable).
    throw new CliError(`${failed.length} report${failed.length === 1 ? "" : "s"} failed:\n  ${failed.join("\n  ")}`, written === 0 ? undefined : EXIT_FINDINGS);
  }
}

async function findingsOf(store: Store, evaluator: Evaluator, slug: string, now: Date, explicitAsOf: boolean): Promise<ClientData> {
  let result;
  try {
    result = await inputErrors(clientFindings(store, evaluator, slug, now));
  } catch (error) {
    if (error instanceof ServiceError) throw new CliError(error.message);
    throw error;
  }
  // --as-of reports the current state as of a date; it cannot reach back before scans already stored.
  const day = now.toISOString().slice(0, 10);
  const later = explicitAsOf ? result.findings.endpoints.filter((e) => e.lastSeen.slice(0, 10) > day) : [];
  if (later.length > 0) {
    throw new CliError(`--as-of ${day} is before the latest scan of ${later.length} computer${later.length === 1 ? "" : "s"} of ${slug} (e.g. ${later[0]!.hostname}, ${later[0]!.lastSeen.slice(0, 10)}): a report from the database shows the current state; for a past date, evaluate that day's inventories with caveat evaluate and report the findings file`);
  }
  for (const s of result.skipped) log(`warning: ${slug}: ${s.hostname} left out of the report (stored scan ${s.scanId}: ${s.reason}); the report lists it as not included`);
  return { ...findingsData(result.findings), omitted: result.skipped.map((s) => ({ hostname: s.hostname, reason: s.reason })) };
}

/** Browser, template and timeout problems are the user's to fix: one clear message, exit 2. */
export async function reportErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof BrowserNotFoundError || error instanceof BrowserLaunchError || error instanceof ReportTemplateError || error instanceof RenderTimeoutError) throw new CliError(error.message);
    throw error;
  }
}
