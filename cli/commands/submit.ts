// `caveat submit`: flush the spool (after an outage), optionally adding inventory files first; and the
// delivery step of `caveat scan --submit`.
import { readFile } from "node:fs/promises";
import { AgentConfigError, resolveSubmitSettings, type SubmitFlags, type SubmitSettings } from "../../agent/src/agent-config.js";
import { defaultSpoolDirHere, formatBytes, Spool, SpoolError } from "../../agent/src/spool.js";
import { flushSpool, submitInventory, type FlushReport } from "../../agent/src/submit.js";
import { ContractError, parseInventory, type Inventory } from "../../schemas/validate.js";
import { CliError, EXIT_USAGE } from "../errors.js";
import { log } from "../io.js";
import { parsePositiveInt } from "../options.js";

/** sysexits EX_TEMPFAIL: nothing is wrong with the input, the collector could not take it now. */
export const EXIT_TEMPFAIL = 75;

/** The submission flags shared by `scan --submit` and `submit`, as commander hands them over. */
export interface SubmitCliOptions {
  token?: string;
  config?: string;
  spool?: string;
  spoolMaxItems?: string;
  spoolMaxBytes?: string;
}

export interface SubmitCommandOptions extends SubmitCliOptions {
  url?: string;
  timeout?: string;
  dueOnly?: boolean;
  requeueRejected?: boolean;
}

/** Flags, CAVEAT_TOKEN and the config file -> settings; every problem is a one-line usage error (exit 2). */
export async function resolveSubmitCliSettings(url: string | undefined, options: SubmitCliOptions & { client?: string }, urlFlag: string): Promise<SubmitSettings> {
  const flags: SubmitFlags = {
    url,
    token: options.token,
    config: options.config,
    spool: options.spool,
    client: options.client,
    spoolMaxItems: options.spoolMaxItems === undefined ? undefined : parsePositiveInt(options.spoolMaxItems, "--spool-max-items"),
    spoolMaxBytes: options.spoolMaxBytes === undefined ? undefined : parsePositiveInt(options.spoolMaxBytes, "--spool-max-bytes"),
  };
  try {
    return await resolveSubmitSettings(flags, { env: process.env, platform: process.platform, warn: warn, defaultSpoolDir: defaultSpoolDirHere(), urlFlag });
  } catch (error) {
    if (error instanceof AgentConfigError) throw new CliError(error.message);
    throw error;
  }
}

export async function submitCommand(files: string[], options: SubmitCommandOptions): Promise<FlushReport> {
  const timeoutMs = options.timeout === undefined ? undefined : parsePositiveInt(options.timeout, "--timeout");
  const settings = await resolveSubmitCliSettings(options.url, options, "--url URL");
  const spool = new Spool(settings.spoolDir, settings.limits, warn);
  const inputs = await readInventoryFiles(files);
  await withSpoolErrors(settings.spoolDir, async () => {
    if (options.requeueRejected) {
      const moved = await spool.requeueRejected();
      log(moved.length === 0 ? `nothing in ${spool.rejectedDir} to requeue` : `requeued ${moved.length} rejected inventor${moved.length === 1 ? "y" : "ies"} from ${spool.rejectedDir}`);
    }
    for (const { file, text, inventory } of inputs) {
      const name = await spool.add(text, inventory.scanId, inventory.collectedAt);
      log(`${file}: added to the spool as ${name}`);
    }
  });
  const report = await withSpoolErrors(settings.spoolDir, () => flushSpool(spool, { url: settings.url, token: settings.token, timeoutMs, dueOnly: options.dueOnly === true, log }));
  log(`spool ${settings.spoolDir}: ${describeOutcome(report)}`);
  if (report.rejected.length > 0) {
    throw new CliError(`the collector refused ${report.rejected.length} inventor${report.rejected.length === 1 ? "y" : "ies"} (${report.rejected[0]!.summary}); they are in ${spool.rejectedDir}, each with its answer`, EXIT_USAGE);
  }
  if (report.deferred) throw new CliError(`the spool was not sent (${report.deferred.summary}); ${report.remaining.length} waiting in ${settings.spoolDir}`, EXIT_TEMPFAIL);
  return report;
}

export interface DeliverOptions {
  timeoutMs?: number;
}

/**
 * The end of `caveat scan --submit`: the inventory goes into the spool first (on disk before anything
 * is sent), then the spool is flushed with this scan always tried and older ones when their time has
 * come. Returns normally when the scan was accepted or is safely spooled; throws CliError when the
 * collector refused it for good.
 */
export async function deliverScan(settings: SubmitSettings, inventory: Inventory, body: string, options: DeliverOptions = {}): Promise<void> {
  const spool = new Spool(settings.spoolDir, settings.limits, warn);
  let fresh: string;
  try {
    fresh = await spool.add(body, inventory.scanId, inventory.collectedAt);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    // The spool is unusable (permissions, disk full): still try to hand the scan over directly.
    warn(`cannot write the spool ${settings.spoolDir} (${code}); sending scan ${inventory.scanId} without keeping a copy`);
    const result = await submitInventory(settings.url, settings.token, body, { timeoutMs: options.timeoutMs, scanId: inventory.scanId });
    if (result.outcome === "accepted") {
      log(`scan ${inventory.scanId} submitted to ${settings.url.href}: HTTP ${result.status}${result.duplicate ? " duplicate" : ""} (not spooled)`);
      return;
    }
    throw new CliError(
      `scan ${inventory.scanId} could neither be spooled (${code} in ${settings.spoolDir}; run as root/SYSTEM or give --spool DIR) nor submitted (${result.summary})`,
      result.outcome === "permanent" ? EXIT_USAGE : EXIT_TEMPFAIL,
    );
  }
  const report = await withSpoolErrors(settings.spoolDir, () => flushSpool(spool, { url: settings.url, token: settings.token, timeoutMs: options.timeoutMs, fresh, dueOnly: true, log }));
  const rejected = report.rejected.find((r) => r.item.name === fresh);
  if (rejected) {
    log(`spool ${settings.spoolDir}: ${describeOutcome(report)}`);
    throw new CliError(`the collector refused scan ${inventory.scanId}: ${rejected.summary}; kept in ${rejected.path} with its answer`, EXIT_USAGE);
  }
  if (report.accepted.some((a) => a.item.name === fresh)) {
    log(`scan ${inventory.scanId} submitted to ${settings.url.href}; spool ${settings.spoolDir}: ${describeOutcome(report)}`);
    return;
  }
  // Its own failure was logged by flushSpool just above; only say why when it was not tried at all.
  const reason = report.deferred?.item.name === fresh ? "" : " (not tried: an older scan failed first)";
  log(`scan ${inventory.scanId} is safely spooled in ${settings.spoolDir}${reason}; ${describeOutcome(report)}; the next scheduled run or \`caveat submit\` sends it`);
}

/** "2 sent, 1 waiting (next attempt after ...)" */
export function describeOutcome(report: FlushReport): string {
  const parts: string[] = [];
  if (report.accepted.length > 0) parts.push(`${report.accepted.length} sent`);
  if (report.rejected.length > 0) parts.push(`${report.rejected.length} rejected`);
  const waiting = report.remaining;
  const bytes = waiting.reduce((sum, item) => sum + item.bytes, 0);
  let text = `${waiting.length} waiting${waiting.length > 0 ? ` (${formatBytes(bytes)})` : ""}`;
  const next = waiting.map((item) => item.state.nextAttemptAt).filter((t): t is string => t !== undefined).sort()[0];
  if (next && waiting.every((item) => item.state.nextAttemptAt !== undefined)) text += `, next attempt after ${next}`;
  parts.push(text);
  return parts.join(", ");
}

async function readInventoryFiles(files: string[]): Promise<Array<{ file: string; text: string; inventory: Inventory }>> {
  const inputs: Array<{ file: string; text: string; inventory: Inventory }> = [];
  const problems: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
    } catch (error) {
      throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      inputs.push({ file, text, inventory: parseInventory(text, file) });
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      problems.push(error.message);
    }
  }
  // All or nothing: an invalid file would only be refused by the collector (400) and land in rejected/.
  if (problems.length > 0) throw new CliError(problems.join("\n"));
  return inputs;
}

/** File system errors in the spool become one line naming the directory and what to do. */
async function withSpoolErrors<T>(dir: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SpoolError) throw new CliError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw new CliError(`spool ${dir}: ${code}; run as root/SYSTEM or give --spool DIR`);
    if (code === "ENOSPC") throw new CliError(`spool ${dir}: the disk is full`, EXIT_TEMPFAIL);
    throw error;
  }
}

function warn(message: string): void {
  log(`warning: ${message}`);
}
