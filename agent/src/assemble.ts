// Merges probe contributions into one caveat.inventory/v1 document.
// Scalars: the first probe (in registry order) that knows a value wins. Lists: concatenated, exact
// duplicates dropped, sorted for stable diffs between scans. Then the document is checked against the
// contract; a value that breaks it is dropped and reported, so one odd DisplayName never loses a scan.
import { randomUUID } from "node:crypto";
import { checkInventory, type Inventory } from "../../schemas/validate.js";
import type { Hardware, OperatingSystem, ProbeResult, Security, SoftwareEntry } from "../../schemas/inventory.v1.js";
import type { Platform } from "./host/host.js";
import { cleanSerial, deriveEndpointId } from "./identity.js";
import type { ProbeOutcome } from "./run-probes.js";

export interface AssembleOptions {
  platform: Platform;
  arch: string;
  agentVersion: string;
  client?: string;
  replayedFrom?: string;
  collectedAt?: Date;
  scanId?: string;
}

const ARCH_NAMES: Record<string, string> = { x64: "x64", ia32: "x86", arm64: "arm64", arm: "arm" };

export function assembleInventory(outcomes: readonly ProbeOutcome[], options: AssembleOptions): Inventory {
  const endpoint: Record<string, unknown> = {};
  const os: Record<string, unknown> = { platform: options.platform };
  const hardware: Record<string, unknown> = {};
  const security: Record<string, unknown> = {};
  const disks: Hardware["disks"] = [];
  const nics: Hardware["nics"] = [];
  const peripherals: Hardware["peripherals"] = [];
  const software: SoftwareEntry[] = [];

  for (const { contribution } of outcomes) {
    if (!contribution) continue;
    fillMissing(endpoint, contribution.endpoint);
    fillMissing(os, contribution.os);
    fillMissing(hardware, contribution.hardware);
    fillMissing(security, contribution.security);
    disks.push(...(contribution.disks ?? []));
    nics.push(...(contribution.nics ?? []));
    peripherals.push(...(contribution.peripherals ?? []));
    software.push(...(contribution.software ?? []));
  }

  const hostname = typeof endpoint.hostname === "string" && endpoint.hostname.trim() ? endpoint.hostname.trim() : "unknown";
  const serial = cleanSerial(endpoint.serial as string | undefined);
  const identity = deriveEndpointId({
    uuid: endpoint.uuid as string | undefined,
    machineId: endpoint.machineId as string | undefined,
    manufacturer: endpoint.manufacturer as string | undefined,
    serial,
    hostname,
    platform: options.platform,
  });
  if (os.arch === undefined) os.arch = ARCH_NAMES[options.arch] ?? options.arch;
  if (os.name === undefined) os.name = options.platform;

  const probes: ProbeResult[] = outcomes.map((o) => o.result);
  const document = compact({
    schema: "caveat.inventory/v1",
    scanId: options.scanId ?? randomUUID(),
    collectedAt: (options.collectedAt ?? new Date()).toISOString(),
    agent: { name: "caveat-agent", version: options.agentVersion, replayedFrom: options.replayedFrom },
    client: options.client,
    endpoint: { ...identity, ...endpoint, hostname, serial, type: endpoint.type ?? "other" },
    os: os as unknown as OperatingSystem,
    hardware: { ...hardware, disks, nics: uniqueBy(nics, (n) => `${n.name}|${n.mac}`), peripherals: sortRows(uniqueBy(peripherals, JSON.stringify), (p) => `${p.kind}|${p.vendor}|${p.product}|${p.serial}`) },
    software: sortRows(uniqueBy(software, softwareKey), (s) => `${s.name.toLowerCase()}|${s.version ?? ""}|${s.user ?? ""}`),
    security: security as Security,
    probes,
  }) as Inventory;
  return repairContract(document);
}

export function softwareKey(entry: SoftwareEntry): string {
  return [entry.name.toLowerCase(), entry.version ?? "", entry.scope, entry.user ?? "", entry.source, entry.arch ?? ""].join("\u0000");
}

function fillMissing(target: Record<string, unknown>, source: object | undefined): void {
  if (!source) return;
  for (const [key, value] of Object.entries(source)) {
    if (target[key] === undefined && isPresent(value)) target[key] = value;
  }
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (typeof value === "number") return Number.isFinite(value);
  return true;
}

/** Drops undefined, null and blank strings everywhere (the contract says: absent means unknown). */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.filter(isPresent).map(compact) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (isPresent(inner)) out[key] = compact(inner);
    return out as T;
  }
  return value;
}

function uniqueBy<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const k = key(row);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
function sortRows<T>(rows: T[], key: (row: T) => string): T[] {
  const keyed = rows.map((row) => ({ row, k: key(row) }));
  keyed.sort((a, b) => collator.compare(a.k, b.k));
  return keyed.map((x) => x.row);
}

/**
 * Removes what breaks the contract (an over-long version string, a malformed MAC...) and says so in an
 * `agent.contract` probe entry. Required top-level fields are built above and cannot be dropped.
 */
function repairContract(document: Inventory): Inventory {
  const dropped: string[] = [];
  for (let round = 0; round < 3; round++) {
    const violations = checkInventory(document);
    if (violations.length === 0) break;
    const doomedRows = new Map<unknown[], Set<number>>();
    for (const violation of violations) {
      if (dropAt(document, violation.pointer, doomedRows)) dropped.push(`${violation.pointer} ${violation.message}`);
    }
    for (const [list, indexes] of doomedRows) {
      const kept = list.filter((_, i) => !indexes.has(i));
      list.length = 0;
      list.push(...kept);
    }
  }
  if (dropped.length > 0) {
    const shown = dropped.slice(0, 20).join("; ") + (dropped.length > 20 ? `; and ${dropped.length - 20} more` : "");
    document.probes.push({ id: "agent.contract", status: "error", durationMs: 0, message: `dropped values that break caveat.inventory/v1: ${shown}` });
  }
  return document;
}

const LIST_PATHS = new Set(["/software", "/hardware/disks", "/hardware/nics", "/hardware/peripherals", "/security/antivirus", "/security/diskEncryption"]);
const REQUIRED_IN_ROW = new Set(["name", "kind", "source", "scope", "volume", "encrypted"]);
const REQUIRED_FIELDS = new Set(["/os/platform", "/os/name", "/endpoint/id", "/endpoint/idSource", "/endpoint/hostname", "/endpoint/type"]);

/** Drops the offending optional field; inside a list row whose required field is bad, marks the row. */
function dropAt(document: Inventory, pointer: string, doomedRows: Map<unknown[], Set<number>>): boolean {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (let i = 1; i < parts.length; i++) {
    if (!LIST_PATHS.has(`/${parts.slice(0, i).join("/")}`)) continue;
    const list = resolve(document, parts.slice(0, i));
    const index = Number(parts[i]);
    if (!Array.isArray(list) || !Number.isInteger(index) || index >= list.length) return false;
    const field = parts[i + 1];
    if (field !== undefined && parts.length === i + 2 && !REQUIRED_IN_ROW.has(field)) {
      delete (list[index] as Record<string, unknown>)[field];
    } else {
      if (!doomedRows.has(list)) doomedRows.set(list, new Set());
      doomedRows.get(list)!.add(index);
    }
    return true;
  }
  const parent = resolve(document, parts.slice(0, -1));
  const leaf = parts[parts.length - 1];
  if (leaf === undefined || parts.length < 2 || REQUIRED_FIELDS.has(pointer) || !parent || typeof parent !== "object" || !(leaf in parent)) return false;
  delete (parent as Record<string, unknown>)[leaf];
  return true;
}

function resolve(root: unknown, parts: string[]): unknown {
  let node = root;
  for (const part of parts) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
