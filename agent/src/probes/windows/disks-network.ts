// Physical disks (Win32_DiskDrive, with MSFT_PhysicalDisk telling SSD from HDD and NVMe) and physical
// network adapters (Win32_NetworkAdapter where PhysicalAdapter = TRUE).
import type { Disk, Nic } from "../../../../schemas/inventory.v1.js";
import { cleanSerial } from "../../identity.js";
import type { Contribution } from "../../probe.js";
import {
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

export const DISKS_NETWORK_SCRIPT = buildScript(String.raw`
$diskDrives = @(Invoke-CaveatQuery 'Win32_DiskDrive' { Get-CimInstance -ClassName Win32_DiskDrive | Select-Object Index, Model, SerialNumber, Size, MediaType, InterfaceType, PNPDeviceID })
$physicalDisks = @(Invoke-CaveatQuery 'MSFT_PhysicalDisk' { Get-CimInstance -Namespace 'root\Microsoft\Windows\Storage' -ClassName MSFT_PhysicalDisk | Select-Object DeviceId, FriendlyName, SerialNumber, MediaType, BusType, Size })
$adapters = @(Invoke-CaveatQuery 'Win32_NetworkAdapter' { Get-CimInstance -ClassName Win32_NetworkAdapter -Filter 'PhysicalAdapter = TRUE' | Select-Object Name, MACAddress, NetConnectionID, PNPDeviceID, NetEnabled })
Write-CaveatJson ([ordered]@{ diskDrives = $diskDrives; physicalDisks = $physicalDisks; networkAdapters = $adapters })
`);

// MSFT_PhysicalDisk codes (Windows Storage Management API): BusType 7 USB, 14 Virtual,
// 15 File Backed Virtual, 17 NVMe; MediaType 3 HDD, 4 SSD (5, storage-class memory, stays "other").
const BUS_USB = 7;
const BUS_VIRTUAL = new Set([14, 15]);
const BUS_NVME = 17;
const MEDIA: Record<number, Disk["type"]> = { 3: "hdd", 4: "ssd" };
const VIRTUAL_DISK_MODELS = /virtual|qemu|vmware|vbox|virtio|xen|msft virtual disk/i;

export function diskType(drive: JsonObject, physical: JsonObject | undefined): Disk["type"] {
  const bus = asInteger(physical?.BusType);
  const media = asInteger(physical?.MediaType);
  const model = `${asText(drive.Model) ?? ""} ${asText(physical?.FriendlyName) ?? ""}`;
  if (bus === BUS_NVME) return "nvme";
  if (bus === BUS_USB || /^usb$/i.test(asText(drive.InterfaceType) ?? "") || /removable|external/i.test(asText(drive.MediaType) ?? "")) return "removable";
  if ((bus !== undefined && BUS_VIRTUAL.has(bus)) || VIRTUAL_DISK_MODELS.test(model)) return "virtual";
  return (media !== undefined ? MEDIA[media] : undefined) ?? "other";
}

export function mapDiskDrives(drives: JsonObject[], physicalDisks: JsonObject[]): Disk[] {
  // MSFT_PhysicalDisk.DeviceId is the disk number as a string, the same as Win32_DiskDrive.Index.
  const byNumber = new Map(physicalDisks.map((p) => [asInteger(p.DeviceId), p]));
  return drives.map((drive) => {
    const size = asInteger(drive.Size);
    return {
      model: asText(drive.Model),
      serial: cleanSerial(asText(drive.SerialNumber)),
      sizeBytes: size !== undefined && size > 0 ? size : undefined,
      type: diskType(drive, byNumber.get(asInteger(drive.Index))),
    };
  });
}

// Adapters Windows flags as physical although they are software: VPN taps, Hyper-V / VMware host adapters,
// WAN miniports, loopback capture drivers.
const VIRTUAL_ADAPTERS = /virtual|hyper-v|vmware|virtualbox|tap-windows|wintun|wireguard|wan miniport|loopback|npcap|vpn|fortinet ssl|cisco anyconnect|globalprotect|zerotier|tailscale/i;

export function normalizeMac(value: unknown): string | undefined {
  const mac = asText(value)?.toLowerCase().replace(/-/g, ":");
  return mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) && mac !== "00:00:00:00:00:00" ? mac : undefined;
}

export function mapNetworkAdapters(adapters: JsonObject[]): Nic[] {
  const rows: Nic[] = [];
  for (const adapter of adapters) {
    const name = asText(adapter.Name);
    if (!name) continue;
    const pnp = asText(adapter.PNPDeviceID) ?? "";
    rows.push({ name, mac: normalizeMac(adapter.MACAddress), virtual: /^(ROOT|SWD)\\/i.test(pnp) || VIRTUAL_ADAPTERS.test(name) });
  }
  return rows;
}

export function parseDisksNetworkReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.disks-network");
  const errors = scriptErrors(document);
  const failed = new Set(errors.map((e) => e.query));
  if (failed.has("Win32_DiskDrive") && failed.has("Win32_NetworkAdapter")) {
    throw new Error(`neither disks nor network adapters could be read: ${errors.map(describeScriptError).join("; ")}`);
  }
  const notes = errors.map((error) =>
    error.query === "MSFT_PhysicalDisk" && isAbsent(error)
      ? "MSFT_PhysicalDisk is not available on this Windows: disks are not told apart as SSD or HDD"
      : describeScriptError(error),
  );
  return {
    disks: mapDiskDrives(asObjects(document.diskDrives), asObjects(document.physicalDisks)),
    nics: mapNetworkAdapters(asObjects(document.networkAdapters)),
    notes,
  };
}

export const windowsDisksNetworkProbe = powershellProbe("windows.disks-network", DISKS_NETWORK_SCRIPT, parseDisksNetworkReport);
