// Monitors (WmiMonitorID: the EDID as Windows decoded it), USB devices (Win32_PnPEntity under USB\VID_...)
// and printers (Win32_Printer, minus the software "printers" Windows and Office install).
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import { cleanSerial } from "../../identity.js";
import type { Contribution } from "../../probe.js";
import {
  asArray,
  asFlag,
  asInteger,
  asObjects,
  asText,
  buildScript,
  describeScriptError,
  isAbsent,
  parseScriptOutput,
  scriptErrors,
  powershellProbe,
  type JsonObject,
} from "./powershell-json.js";

export const PERIPHERALS_SCRIPT = buildScript(String.raw`
$monitors = @(Invoke-CaveatQuery 'WmiMonitorID' { Get-CimInstance -Namespace 'root\wmi' -ClassName WmiMonitorID | Select-Object InstanceName, Active, ManufacturerName, ProductCodeID, SerialNumberID, UserFriendlyName })
$usb = @(Invoke-CaveatQuery 'Win32_PnPEntity' { Get-CimInstance -ClassName Win32_PnPEntity -Filter "DeviceID LIKE 'USB%'" | Select-Object DeviceID, Name, Manufacturer, Service, PNPClass })
$printers = @(Invoke-CaveatQuery 'Win32_Printer' { Get-CimInstance -ClassName Win32_Printer | Select-Object Name, DriverName, PortName, Network, Local, Shared })
Write-CaveatJson ([ordered]@{ monitors = $monitors; usb = $usb; printers = $printers })
`);

// ---- data ----------------------------------------------------------------------------------------

// USB vendor ids (linux-usb.org usb.ids) of common devices. Win32_PnPEntity.Manufacturer names the driver's
// provider ("Microsoft", "(Standard USB Host Controller)"), not the maker, so the id is the better source.
const USB_VENDORS: Record<string, string> = {
  "03f0": "HP", "0403": "FTDI", "041e": "Creative", "0424": "Microchip", "045e": "Microsoft", "046a": "Cherry", "046d": "Logitech",
  "04b8": "Epson", "04e8": "Samsung", "04f2": "Chicony", "04f9": "Brother", "0525": "Netchip", "05ac": "Apple", "0627": "QEMU", "067b": "Prolific",
  "05e0": "Zebra (Symbol)", "06cb": "Synaptics", "0781": "SanDisk", "08bb": "Texas Instruments", "090c": "Silicon Motion", "0951": "Kingston", "0b05": "ASUS", "0bda": "Realtek",
  "0c45": "Microdia", "10c4": "Silicon Labs", "1050": "Yubico", "138a": "Validity Sensors", "17ef": "Lenovo", "1a86": "QinHeng",
  "1bcf": "Sunplus", "2109": "VIA Labs", "27c6": "Goodix", "413c": "Dell", "5986": "Bison", "8087": "Intel",
};

// Win32_PnPEntity.Manufacturer values that name a driver provider rather than a maker.
const GENERIC_MANUFACTURER = /^\(|^microsoft$|^compatible usb storage device$/i;

// Queues that are not devices: print-to-file drivers, fax, OneNote, and a remote desktop client's printers
// redirected into the session (port TSnnn). Matched on the driver and port, which Windows does not translate.
const SOFTWARE_PRINTER_DRIVERS = [/^Microsoft Print To PDF$/i, /^Microsoft XPS Document Writer/i, /^Microsoft Shared Fax Driver$/i, /OneNote/i, /^Microsoft Software Printer Driver$/i, /^Adobe PDF Converter$/i, /^PDFCreator/i, /^CutePDF/i];
const SOFTWARE_PRINTER_PORTS = [/^PORTPROMPT:$/i, /^SHRFAX:$/i, /^XPSPort:$/i, /^nul:?$/i, /^TS\d{3}$/i, /^FILE:$/i];
const SOFTWARE_PRINTER_NAMES = [/^Microsoft Print to PDF$/i, /^Microsoft XPS Document Writer$/i, /^Fax$/i, /OneNote/i, /\(redirected \d+\)$/i];

// ---- monitors ------------------------------------------------------------------------------------

/** WmiMonitorID strings are uint16 character codes padded with zeros. */
export function decodeWmiString(value: unknown): string | undefined {
  const codes = asArray(value).map(asInteger);
  const end = codes.findIndex((c) => c === undefined || c === 0);
  const text = String.fromCharCode(...(end === -1 ? codes : codes.slice(0, end)).map((c) => c!));
  return text.trim() || undefined;
}

/** The 3-letter EDID manufacturer code as EDID bytes 8-9 store it (5 bits per letter, 'A' = 1), in hex. */
export function edidManufacturerId(code: string): string | undefined {
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  const [a, b, c] = [...code].map((ch) => ch.charCodeAt(0) - 64) as [number, number, number];
  return ((a << 10) | (b << 5) | c).toString(16).padStart(4, "0");
}

export function mapMonitors(monitors: JsonObject[]): Peripheral[] {
  const rows: Peripheral[] = [];
  for (const monitor of monitors) {
    if (asFlag(monitor.Active) === false) continue;
    const code = decodeWmiString(monitor.ManufacturerName)?.toUpperCase();
    const productCode = decodeWmiString(monitor.ProductCodeID)?.toLowerCase();
    rows.push({
      kind: "monitor",
      // The 3-letter PNP id itself (DEL, HPN, SAM), as darwin.peripherals reports it: EDID carries no name.
      vendor: code,
      product: decodeWmiString(monitor.UserFriendlyName),
      vendorId: code ? edidManufacturerId(code) : undefined,
      productId: productCode && /^[0-9a-f]{4}$/.test(productCode) ? productCode : undefined,
      serial: cleanSerial(decodeWmiString(monitor.SerialNumberID)),
    });
  }
  return rows;
}

// ---- USB -----------------------------------------------------------------------------------------

export interface UsbDeviceId {
  vendorId: string;
  productId: string;
  /** The interface number of a composite device's function (MI_xx), absent for the device itself. */
  interface?: string;
  /** The instance id: the device's serial number when it has one, else a Windows-made id containing '&'. */
  instance: string;
}

/** USB\VID_046D&PID_08C9\6BE882AB, USB\VID_046D&PID_C30A&MI_01\7&2BCD78FF&0&0001 */
export function parseUsbDeviceId(deviceId: string): UsbDeviceId | undefined {
  const match = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})((?:&[^\\]*)?)\\(.+)$/i.exec(deviceId);
  if (!match) return undefined;
  const mi = /&MI_([0-9A-F]{2})/i.exec(match[3]!);
  return { vendorId: match[1]!.toLowerCase(), productId: match[2]!.toLowerCase(), interface: mi?.[1], instance: match[4]! };
}

function isHub(device: JsonObject): boolean {
  return /^usbhub/i.test(asText(device.Service) ?? "") || /\bhub\b/i.test(asText(device.Name) ?? "");
}

/**
 * One row per physical USB device. Hubs are infrastructure and left out. A composite device appears as a
 * parent (service usbccgp, "USB Composite Device") plus one entry per function (MI_00, MI_01...): the
 * parent is the device, and it takes the name of its first function, which says what it is.
 */
export function mapUsbDevices(devices: JsonObject[]): Peripheral[] {
  const parsed = devices
    .map((device) => ({ device, id: parseUsbDeviceId(asText(device.DeviceID) ?? "") }))
    .filter((d): d is { device: JsonObject; id: UsbDeviceId } => d.id !== undefined && !isHub(d.device));
  const parents = parsed.filter((d) => d.id.interface === undefined);
  const functions = parsed.filter((d) => d.id.interface !== undefined).sort((a, b) => a.id.interface!.localeCompare(b.id.interface!));
  const parentKeys = new Set(parents.map((d) => `${d.id.vendorId}:${d.id.productId}`));
  const orphans = functions.filter((f) => !parentKeys.has(`${f.id.vendorId}:${f.id.productId}`));
  const rows: Peripheral[] = [];
  for (const { device, id } of [...parents, ...orphans]) {
    const composite = /^usbccgp$/i.test(asText(device.Service) ?? "");
    const firstFunction = composite ? functions.find((f) => f.id.vendorId === id.vendorId && f.id.productId === id.productId) : undefined;
    const manufacturer = asText(device.Manufacturer);
    rows.push({
      kind: "usb",
      vendor: USB_VENDORS[id.vendorId] ?? (manufacturer && !GENERIC_MANUFACTURER.test(manufacturer) ? manufacturer : undefined),
      product: asText(firstFunction?.device.Name) ?? asText(device.Name),
      vendorId: id.vendorId,
      productId: id.productId,
      serial: id.interface === undefined && !id.instance.includes("&") ? cleanSerial(id.instance) : undefined,
    });
  }
  return rows;
}

// ---- printers ------------------------------------------------------------------------------------

export function isSoftwarePrinter(printer: JsonObject): boolean {
  const driver = asText(printer.DriverName) ?? "";
  const port = asText(printer.PortName) ?? "";
  const name = asText(printer.Name) ?? "";
  return SOFTWARE_PRINTER_DRIVERS.some((re) => re.test(driver)) || SOFTWARE_PRINTER_PORTS.some((re) => re.test(port)) || SOFTWARE_PRINTER_NAMES.some((re) => re.test(name));
}

export function mapPrinters(printers: JsonObject[]): Peripheral[] {
  return printers.filter((p) => asText(p.Name) && !isSoftwarePrinter(p)).map((p) => ({ kind: "printer" as const, product: asText(p.Name) }));
}

// ---- probe ---------------------------------------------------------------------------------------

export function parsePeripheralsReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.peripherals");
  const errors = scriptErrors(document);
  if (["WmiMonitorID", "Win32_PnPEntity", "Win32_Printer"].every((q) => errors.some((e) => e.query === q))) {
    throw new Error(`no peripheral could be read: ${errors.map(describeScriptError).join("; ")}`);
  }
  const notes = errors.map((error) =>
    // Virtual machines and remote sessions without an EDID-capable display make WmiMonitorID answer "not supported".
    error.query === "WmiMonitorID" && isAbsent(error) ? "no monitor reports an EDID (WmiMonitorID: not supported, usual on virtual machines)" : describeScriptError(error),
  );
  return {
    peripherals: [...mapMonitors(asObjects(document.monitors)), ...mapUsbDevices(asObjects(document.usb)), ...mapPrinters(asObjects(document.printers))],
    notes,
  };
}

export const windowsPeripheralsProbe = powershellProbe("windows.peripherals", PERIPHERALS_SCRIPT, parsePeripheralsReport);
