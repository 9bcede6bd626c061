// One scan: pick the platform's probes, run them against a Host, assemble and validate the inventory.
import type { Inventory } from "../../schemas/validate.js";
import { assembleInventory } from "./assemble.js";
import type { Host } from "./host/host.js";
import { probesFor } from "./probes/index.js";
import type { Probe } from "./probe.js";
import { runProbes } from "./run-probes.js";
import { AGENT_VERSION } from "./version.js";

export interface ScanOptions {
  host: Host;
  client?: string;
  /** Overrides every probe's own timeout (tests, slow machines). */
  timeoutMs?: number;
  /** Defaults to the registry's probes for the host's platform. */
  probes?: readonly Probe[];
  collectedAt?: Date;
  scanId?: string;
}

export async function scan(options: ScanOptions): Promise<Inventory> {
  const { host } = options;
  const probes = options.probes ?? probesFor(host.platform);
  const outcomes = await runProbes(probes, host, { timeoutMs: options.timeoutMs });
  return assembleInventory(outcomes, {
    platform: host.platform,
    arch: host.arch,
    agentVersion: AGENT_VERSION,
    client: options.client,
    replayedFrom: host.origin === "live" ? undefined : host.origin,
    collectedAt: options.collectedAt,
    scanId: options.scanId,
  });
}
