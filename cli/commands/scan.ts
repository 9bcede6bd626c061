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

export interface ScanCommandOptions {
  out?: string;
  client?: string;
  pretty?: boolean;
  record?: string;
  replay?: string;
  timeout?: string;
}

export async function scanCommand(options: ScanCommandOptions): Promise<Inventory> {
  if (options.record && options.replay) throw new CliError("--record and --replay cannot be used together");
  const client = options.client === undefined ? undefined : parseClientSlug(options.client, "--client");
  const timeoutMs = options.timeout === undefined ? undefined : parsePositiveInt(options.timeout, "--timeout");
  const host = await openHost(options);
  const started = performance.now();
  let inventory: Inventory;
  try {
    inventory = await scan({ host, client, timeoutMs });
  } finally {
    await host.close();
  }
  const text = `${JSON.stringify(inventory, null, options.pretty ? 2 : undefined)}\n`;
  if (options.out) await writeFileAtomic(options.out, text);
  else await writeStdout(text);
  log(summarize(inventory, performance.now() - started, options.out));
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
