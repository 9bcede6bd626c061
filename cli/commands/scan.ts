import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Host } from "../../agent/src/host/host.js";
import { LiveHost } from "../../agent/src/host/live-host.js";
import { RecordingHost, ReplayHost } from "../../agent/src/host/recording.js";
import { scan } from "../../agent/src/scan.js";
import { AGENT_VERSION } from "../../agent/src/version.js";
import type { Inventory } from "../../schemas/validate.js";
import { CliError } from "../errors.js";
import { log, writeFileAtomic, writeStdout } from "../io.js";
import { parseClientSlug, parsePositiveInt } from "../options.js";
import { deliverScan, resolveSubmitCliSettings, type SubmitCliOptions } from "./submit.js";

export interface ScanCommandOptions extends SubmitCliOptions {
  out?: string;
  client?: string;
  pretty?: boolean;
  record?: string;
  replay?: string;
  timeout?: string;
  /** --submit URL, or bare --submit (true): the URL comes from the config file. */
  submit?: string | boolean;
  submitTimeout?: string;
}

const SUBMIT_ONLY_FLAGS = [
  ["token", "--token"],
  ["config", "--config"],
  ["spool", "--spool"],
  ["spoolMaxItems", "--spool-max-items"],
  ["spoolMaxBytes", "--spool-max-bytes"],
  ["submitTimeout", "--submit-timeout"],
] as const;

export async function scanCommand(options: ScanCommandOptions): Promise<Inventory> {
  if (options.record && options.replay) throw new CliError("--record and --replay cannot be used together");
  const submitting = options.submit !== undefined && options.submit !== false;
  const stray = SUBMIT_ONLY_FLAGS.find(([key]) => options[key] !== undefined);
  if (!submitting && stray) throw new CliError(`${stray[1]} only applies with --submit`);
  const timeoutMs = options.timeout === undefined ? undefined : parsePositiveInt(options.timeout, "--timeout");
  const submitTimeoutMs = options.submitTimeout === undefined ? undefined : parsePositiveInt(options.submitTimeout, "--submit-timeout");
  // Settings first: a missing token is a usage error before a scan is spent on it.
  const settings = submitting ? await resolveSubmitCliSettings(typeof options.submit === "string" ? options.submit : undefined, options, "--submit URL") : undefined;
  const clientText = settings ? settings.client : options.client;
  const client = clientText === undefined ? undefined : parseClientSlug(clientText, settings?.clientSource ?? "--client");
  const host = await openHost(options);
  const started = performance.now();
  let inventory: Inventory;
  try {
    inventory = await scan({ host, client, timeoutMs });
  } finally {
    await host.close();
  }
  const text = `${JSON.stringify(inventory, null, options.pretty ? 2 : undefined)}\n`;
  // When submitting, stdout stays quiet (a scheduler would log every inventory); --out still writes one.
  if (options.out) await writeFileAtomic(options.out, text);
  else if (!settings) await writeStdout(text);
  log(summarize(inventory, performance.now() - started, options.out));
  if (settings) await deliverScan(settings, inventory, options.pretty ? `${JSON.stringify(inventory)}\n` : text, { timeoutMs: submitTimeoutMs });
  return inventory;
}

async function openHost(options: ScanCommandOptions): Promise<Host> {
  if (options.replay) {
    const dir = resolve(options.replay);
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new CliError(`--replay ${options.replay}: not a directory (expected a recording made with caveat scan --record DIR)`);
    try {
      return await ReplayHost.open(dir);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  const live = new LiveHost();
  if (!options.record) return live;
  const recording = new RecordingHost(live, resolve(options.record));
  await recording.start(AGENT_VERSION);
  return recording;
}

export function summarize(inventory: Inventory, elapsedMs: number, out?: string): string {
  const counts = new Map<string, number>();
  for (const probe of inventory.probes) counts.set(probe.status, (counts.get(probe.status) ?? 0) + 1);
  const statuses = [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
  const failed = inventory.probes.filter((p) => p.status === "error" || p.status === "timeout").map((p) => `${p.id} (${p.status}: ${p.message ?? ""})`);
  const lines = [
    `scan ${inventory.endpoint.hostname}: ${inventory.os.name.trim()}, ${inventory.software.length} software, ${inventory.hardware.peripherals.length} peripherals; probes ${statuses}; ${(elapsedMs / 1000).toFixed(2)} s${out ? ` -> ${out}` : ""}`,
    ...failed.map((f) => `  warning: ${f}`),
  ];
  return lines.join("\n");
}
