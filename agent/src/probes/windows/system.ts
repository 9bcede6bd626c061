// Hostname, domain, manufacturer, model, serial, SMBIOS UUID and endpoint type; CPU, memory and BIOS.
import type { Endpoint } from "../../../../schemas/inventory.v1.js";
import { classifyEndpoint } from "../../endpoint-type.js";
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
  firstObject,
  parseScriptOutput,
  parseWindowsDateTime,
  scriptErrors,
  toDate,
  powershellProbe,
} from "./powershell-json.js";

export const SYSTEM_SCRIPT = buildScript(String.raw`
$computerSystem = Invoke-CaveatQuery 'Win32_ComputerSystem' { Get-CimInstance -ClassName Win32_ComputerSystem | Select-Object Manufacturer, Model, SystemFamily, Domain, PartOfDomain, Workgroup, TotalPhysicalMemory, DNSHostName, Name, PCSystemType }
$bios = Invoke-CaveatQuery 'Win32_BIOS' { Get-CimInstance -ClassName Win32_BIOS | Select-Object SerialNumber, Manufacturer, SMBIOSBIOSVersion, ReleaseDate }
$product = Invoke-CaveatQuery 'Win32_ComputerSystemProduct' { Get-CimInstance -ClassName Win32_ComputerSystemProduct | Select-Object UUID, IdentifyingNumber, Vendor, Version }
$enclosures = @(Invoke-CaveatQuery 'Win32_SystemEnclosure' { Get-CimInstance -ClassName Win32_SystemEnclosure | Select-Object ChassisTypes, SerialNumber })
$processors = @(Invoke-CaveatQuery 'Win32_Processor' { Get-CimInstance -ClassName Win32_Processor | Select-Object Name, NumberOfCores, NumberOfLogicalProcessors })
$os = Invoke-CaveatQuery 'Win32_OperatingSystem' { Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object ProductType }
$currentVersion = Invoke-CaveatQuery 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion' { Read-CaveatRegistryValues 'LocalMachine' 'SOFTWARE\Microsoft\Windows NT\CurrentVersion' @('EditionID') }
Write-CaveatJson ([ordered]@{ computerSystem = $computerSystem; bios = $bios; product = $product; enclosures = $enclosures; processors = $processors; productType = $os.ProductType; editionId = $currentVersion.EditionID })
`);

// Win32_ComputerSystem.PCSystemType, used when the chassis type says nothing (1 Desktop, 2 Mobile,
// 3 Workstation, 4 Enterprise Server, 5 SOHO Server, 7 Performance Server, 8 Slate).
const PC_SYSTEM_TYPES: Record<number, Endpoint["type"]> = { 1: "desktop", 2: "laptop", 3: "desktop", 4: "server", 5: "server", 7: "server", 8: "laptop" };

/** ProductType 2 (domain controller) or 3 (server), or a Server EditionID (ServerStandard, ServerDatacenter...). */
export function isServerOs(productType: unknown, editionId: unknown): boolean {
  const type = asInteger(productType);
  return type === 2 || type === 3 || /server/i.test(asText(editionId) ?? "");
}

/**
 * Lenovo puts the machine type (20TBS57S00) in Model and the name people know (ThinkPad E14 Gen 2) in
 * Win32_ComputerSystemProduct.Version: keep both.
 */
export function modelName(manufacturer: string | undefined, model: string | undefined, productVersion: string | undefined): string | undefined {
  if (manufacturer && /^lenovo$/i.test(manufacturer) && productVersion && !/^lenovo$/i.test(productVersion) && productVersion !== model) {
    return model ? `${productVersion} (${model})` : productVersion;
  }
  return model;
}

export function parseSystemReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.system");
  const cs = firstObject(document.computerSystem);
  const bios = firstObject(document.bios);
  const product = firstObject(document.product);
  const enclosures = asObjects(document.enclosures);
  const processors = asObjects(document.processors);
  const errors = scriptErrors(document);
  if (Object.keys(cs).length === 0 && Object.keys(bios).length === 0 && Object.keys(product).length === 0 && processors.length === 0) {
    throw new Error(`no system information could be read: ${errors.map(describeScriptError).join("; ") || "every query was empty"}`);
  }

  const manufacturer = asText(cs.Manufacturer) ?? asText(product.Vendor);
  const rawModel = asText(cs.Model);
  const model = modelName(manufacturer, rawModel, asText(product.Version));
  const chassisTypes = enclosures.flatMap((e) => asArray(e.ChassisTypes)).map(asInteger).filter((n): n is number => n !== undefined);
  let type = classifyEndpoint({ chassisTypes, manufacturer, model: rawModel, serverOs: isServerOs(document.productType, document.editionId) });
  if (type === "other") type = PC_SYSTEM_TYPES[asInteger(cs.PCSystemType) ?? -1] ?? "other";

  const serial = cleanSerial(asText(bios.SerialNumber)) ?? cleanSerial(asText(product.IdentifyingNumber)) ?? enclosures.map((e) => cleanSerial(asText(e.SerialNumber))).find(Boolean);
  const cpuModel = processors.map((p) => asText(p.Name)?.replace(/\s+/g, " ")).find(Boolean);
  const sum = (field: string) => {
    const counts = processors.map((p) => asInteger(p[field])).filter((n): n is number => n !== undefined && n > 0);
    return counts.length ? counts.reduce((a, b) => a + b, 0) : undefined;
  };
  const biosVendor = asText(bios.Manufacturer);
  const biosVersion = asText(bios.SMBIOSBIOSVersion);
  const biosDate = toDate(parseWindowsDateTime(bios.ReleaseDate));
  const memory = asInteger(cs.TotalPhysicalMemory);

  return {
    endpoint: {
      hostname: asText(cs.DNSHostName) ?? asText(cs.Name),
      // Domain holds the workgroup name when the machine is not joined: only a joined machine has a domain.
      domain: asFlag(cs.PartOfDomain) === true ? asText(cs.Domain) : undefined,
      manufacturer,
      model,
      serial,
      uuid: asText(product.UUID),
      type,
    },
    hardware: {
      cpu: cpuModel ? { model: cpuModel, cores: sum("NumberOfCores"), threads: sum("NumberOfLogicalProcessors") } : undefined,
      memoryBytes: memory !== undefined && memory > 0 ? memory : undefined,
      bios: biosVendor || biosVersion || biosDate ? { vendor: biosVendor, version: biosVersion, date: biosDate } : undefined,
    },
    notes: errors.map(describeScriptError),
  };
}

export const windowsSystemProbe = powershellProbe("windows.system", SYSTEM_SCRIPT, parseSystemReport);
