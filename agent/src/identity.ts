// Endpoint identity: stable across scans, agent reinstalls and renames.
// Order of preference: SMBIOS UUID (survives OS reinstall) > Windows MachineGuid / Linux machine-id
// (survive agent reinstall) > manufacturer + serial > hostname (last resort, flagged by idSource).
import { createHash } from "node:crypto";
import type { Endpoint } from "../../schemas/inventory.v1.js";

// UUIDs that firmware vendors ship on many machines at once: they identify nothing.
// 03000200-...-000700080009 is the AMI default (and its byte-swapped form) found on many white-box boards;
// SMBIOS 2.6+ defines all-0 as "not present" and all-F as "not settable" (isPlaceholderUuid covers those).
const PLACEHOLDER_UUIDS = new Set(["03000200-0400-0500-0006-000700080009", "00020003-0004-0005-0006-000700080009"]);

// Serial strings that are firmware defaults rather than serials (seen in DMI/WMI output of white-box PCs and VMs).
const PLACEHOLDER_SERIALS = new Set(
  [
    "to be filled by o.e.m.", "default string", "system serial number", "chassis serial number", "not specified", "not applicable",
    "none", "n/a", "na", "0", "00000000", "0000000000", "0123456789", "123456789", "1234567890", "serial number", "invalid", "unknown", "-", "oem",
  ],
);

/** UUID namespace for caveat endpoint ids (a random v4 fixed once; never change it). */
const CAVEAT_NAMESPACE = "8d3b6c1e-4f0a-4c55-9b7e-2f1d0c9a6e31";

export function normalizeUuid(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const hex = raw.trim().toLowerCase().replace(/[{}]/g, "");
  const compact = hex.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(compact)) return undefined;
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

export function isPlaceholderUuid(uuid: string): boolean {
  return PLACEHOLDER_UUIDS.has(uuid) || /^([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-\1{12}$/.test(uuid);
}

/** A serial as the procurement register will compare it: trimmed, or undefined when it is a firmware placeholder. */
export function cleanSerial(raw: string | undefined | null): string | undefined {
  const serial = raw?.replace(/\0/g, "").trim();
  if (!serial) return undefined;
  if (PLACEHOLDER_SERIALS.has(serial.toLowerCase())) return undefined;
  if (/^0+$/.test(serial) || /^(.)\1+$/.test(serial)) return undefined;
  return serial;
}

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace = CAVEAT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface IdentityFacts {
  uuid?: string;
  machineId?: string;
  manufacturer?: string;
  serial?: string;
  hostname: string;
  platform: string;
}

export function deriveEndpointId(facts: IdentityFacts): Pick<Endpoint, "id" | "idSource"> {
  const uuid = normalizeUuid(facts.uuid);
  if (uuid && !isPlaceholderUuid(uuid)) return { id: uuid, idSource: "smbios-uuid" };
  const machineId = facts.machineId?.trim().toLowerCase();
  if (machineId) {
    return { id: uuidV5(`machine-id:${machineId}`), idSource: facts.platform === "windows" ? "machine-guid" : "machine-id" };
  }
  const serial = cleanSerial(facts.serial);
  if (serial) return { id: uuidV5(`serial:${(facts.manufacturer ?? "").trim().toLowerCase()}:${serial.toLowerCase()}`), idSource: "serial" };
  return { id: uuidV5(`hostname:${facts.hostname.trim().toLowerCase()}`), idSource: "hostname" };
}
