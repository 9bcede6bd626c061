// USB devices, displays and printers from one `system_profiler -json` call. USB comes in two shapes:
// SPUSBDataType (vendor_id "0x046d  (Logitech Inc.)", serial_num) up to macOS 14, and SPUSBHostDataType
// (USBDeviceKeyVendorID "0x046d", USBDeviceKeySerialNumber) from macOS 15, where SPUSBDataType comes back empty.
import { printerFromCupsUri } from "../shared/cups-printer.js";
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { cleanSerial } from "../../identity.js";
import { runCommand } from "../shared/command.js";

type Node = Record<string, unknown> & { _name?: unknown; _items?: unknown };

interface PeripheralsReport {
  SPUSBDataType?: Node[];
  SPUSBHostDataType?: Node[];
  SPDisplaysDataType?: Node[];
  SPPrintersDataType?: Node[];
}

const APPLE_VENDOR = { id: "05ac", name: "Apple Inc." };

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/** "0x046d  (Logitech Inc.)" | "0x46d" | "apple_vendor_id" → "046d". */
export function usbId(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === "apple_vendor_id") return APPLE_VENDOR.id;
  const hex = /^0x([0-9a-f]{1,4})\b/i.exec(raw ?? "")?.[1];
  return hex ? hex.toLowerCase().padStart(4, "0") : undefined;
}

/** The vendor name system_profiler appends to a legacy vendor_id: "0x046d  (Logitech Inc.)" → "Logitech Inc.". */
function vendorFromId(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === "apple_vendor_id") return APPLE_VENDOR.name;
  return text(/\(([^)]*)\)\s*$/.exec(raw ?? "")?.[1]);
}

function usbSerial(value: unknown): string | undefined {
  const serial = text(value);
  return serial && !/^not provided$/i.test(serial) ? cleanSerial(serial) : undefined;
}

function walk(nodes: unknown, visit: (node: Node) => void): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) {
    if (!node || typeof node !== "object") continue;
    visit(node as Node);
    walk((node as Node)._items, visit);
  }
}

/** USB devices below the buses, either shape; hubs are skipped (their children are kept). */
export function parseUsbDevices(report: Pick<PeripheralsReport, "SPUSBDataType" | "SPUSBHostDataType">): Peripheral[] {
  const host: Peripheral[] = [];
  walk(report.SPUSBHostDataType, (node) => {
    const vendorId = usbId(node.USBDeviceKeyVendorID);
    const productId = usbId(node.USBDeviceKeyProductID);
    if ((!vendorId && !productId) || isHub(node)) return;
    host.push({ kind: "usb", vendorId, productId, vendor: text(node.USBDeviceKeyVendorName), product: text(node._name), serial: usbSerial(node.USBDeviceKeySerialNumber) });
  });
  // Both types are asked for; a macOS that knows SPUSBHostDataType leaves the legacy one empty or partial.
  if (host.length > 0) return host;
  const legacy: Peripheral[] = [];
  walk(report.SPUSBDataType, (node) => {
    const vendorId = usbId(node.vendor_id);
    const productId = usbId(node.product_id);
    if ((!vendorId && !productId) || isHub(node)) return;
    legacy.push({ kind: "usb", vendorId, productId, vendor: text(node.manufacturer) ?? vendorFromId(node.vendor_id), product: text(node._name), serial: usbSerial(node.serial_num) });
  });
  return legacy;
}

// Neither shape carries the USB device class; hubs are recognisable by name only ("USB3.1 Hub", "USB 2.0 Hub [MTT]").
function isHub(node: Node): boolean {
  return /\bhub\b/i.test(text(node._name) ?? "");
}

/** EDID manufacturer id (16 bits, three 5-bit letters) → its PNP code: 0x10ac → "DEL", 0x0610 → "APP". */
export function edidManufacturer(hex: string): string | undefined {
  const value = Number.parseInt(hex, 16);
  if (!Number.isInteger(value) || value <= 0 || value > 0x7fff) return undefined;
  const letters = [(value >> 10) & 31, (value >> 5) & 31, value & 31];
  if (letters.some((l) => l < 1 || l > 26)) return undefined;
  return String.fromCharCode(...letters.map((l) => 64 + l));
}

function displayHex(value: unknown): string | undefined {
  const hex = text(value)?.toLowerCase().replace(/^0x/, "");
  return hex && /^[0-9a-f]{1,4}$/.test(hex) ? hex.padStart(4, "0") : undefined;
}

/** Displays (spdisplays_ndrvs of every GPU), the built-in panel included. */
export function parseDisplays(gpus: Node[] | undefined): Peripheral[] {
  const rows: Peripheral[] = [];
  for (const gpu of gpus ?? []) {
    const displays = Array.isArray(gpu.spdisplays_ndrvs) ? (gpu.spdisplays_ndrvs as Node[]) : [];
    for (const display of displays) {
      const name = text(display._name);
      const vendorId = displayHex(display["_spdisplays_display-vendor-id"]);
      const productId = displayHex(display["_spdisplays_display-product-id"]);
      // Older Intel Macs list empty connectors as "spdisplays_display_connector" with no ids.
      if (!vendorId && !productId && (!name || name.startsWith("spdisplays_"))) continue;
      const serial = text(display["_spdisplays_display-serial-number"]);
      rows.push({
        kind: "monitor",
        vendor: vendorId ? edidManufacturer(vendorId) : undefined,
        product: name,
        vendorId,
        productId,
        // The EDID serial field as hex; 0 means the panel does not set one.
        serial: serial && !/^0+$/.test(serial) ? serial : undefined,
      });
    }
  }
  return rows;
}

/** Printer queues (see printerFromCupsUri). */
export function parsePrinters(items: Node[] | undefined): Peripheral[] {
  const rows: Peripheral[] = [];
  for (const item of items ?? []) {
    const name = text(item._name);
    const uri = text(item.uri);
    // Without printers, macOS reports one item holding only CUPS facts (cupsversion, status).
    if (!name || (!uri && !text(item.ppd))) continue;
    rows.push(printerFromCupsUri(name, uri));
  }
  return rows;
}

/** Parses `system_profiler -json SPUSBDataType SPUSBHostDataType SPDisplaysDataType SPPrintersDataType`. */
export function parsePeripheralsReport(json: string): Peripheral[] {
  const report = JSON.parse(json) as PeripheralsReport;
  return [...parseUsbDevices(report), ...parseDisplays(report.SPDisplaysDataType), ...parsePrinters(report.SPPrintersDataType)];
}

export const darwinPeripheralsProbe: Probe = {
  id: "darwin.peripherals",
  platform: "darwin",
  // SPPrintersDataType asks CUPS and SPDisplaysDataType the GPU driver: seconds, not milliseconds.
  timeoutMs: 30_000,
  async run(context) {
    // An unknown data type is skipped by system_profiler, so asking for both USB types is safe on every version.
    const args = ["-json", "SPUSBDataType", "SPUSBHostDataType", "SPDisplaysDataType", "SPPrintersDataType"];
    return { peripherals: parsePeripheralsReport(await runCommand(context, "system-profiler-peripherals", "/usr/sbin/system_profiler", args, "system_profiler")) };
  },
};
