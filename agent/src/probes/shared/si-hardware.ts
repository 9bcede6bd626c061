// Disks and network adapters through systeminformation, on macOS. On Windows it starts a PowerShell
// per call (the Windows probes query WMI in the scan's shell instead); on Linux sysfs answers the same
// questions in a few milliseconds (linux/disks.ts, linux/network.ts), so systeminformation is loaded
// only when a macOS probe needs it.
import type si from "systeminformation";
import type { Disk, Nic } from "../../../../schemas/inventory.v1.js";
import type { Platform } from "../../host/host.js";
import type { Probe } from "../../probe.js";
import { cleanSerial } from "../../identity.js";

type SiDisk = Pick<si.Systeminformation.DiskLayoutData, "type" | "name" | "vendor" | "size" | "serialNum" | "interfaceType">;
type SiNic = Pick<si.Systeminformation.NetworkInterfacesData, "iface" | "ifaceName" | "mac" | "internal" | "virtual">;

export function mapDisks(disks: SiDisk[]): Disk[] {
  return disks.map((d) => ({
    model: [d.vendor, d.name].filter((s) => s?.trim()).join(" ").trim() || undefined,
    serial: cleanSerial(d.serialNum),
    sizeBytes: Number.isFinite(d.size) && d.size > 0 ? Math.round(d.size) : undefined,
    type: diskType(d),
  }));
}

function diskType(d: SiDisk): Disk["type"] {
  if (/nvme/i.test(d.interfaceType) || /nvme/i.test(d.type)) return "nvme";
  if (/usb/i.test(d.interfaceType)) return "removable";
  if (/^ssd$/i.test(d.type)) return "ssd";
  if (/^hd$/i.test(d.type)) return "hdd";
  if (/virtual|qemu|vbox|vmware/i.test(`${d.vendor} ${d.name}`)) return "virtual";
  return "other";
}

export function mapNics(nics: SiNic[]): Nic[] {
  return nics
    .filter((n) => !n.internal)
    .map((n) => {
      const mac = n.mac?.toLowerCase().replace(/-/g, ":");
      return { name: n.ifaceName || n.iface, mac: mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) && mac !== "00:00:00:00:00:00" ? mac : undefined, virtual: n.virtual };
    });
}

async function loadSi(): Promise<typeof si> {
  return (await import("systeminformation")).default;
}

function diskProbe(platform: Platform): Probe {
  return {
    id: `${platform}.disks`,
    platform,
    timeoutMs: 20_000,
    async run({ host }) {
      const disks = await host.systemInformation("disk-layout", async () => (await loadSi()).diskLayout());
      return { disks: mapDisks(disks) };
    },
  };
}

function networkProbe(platform: Platform): Probe {
  return {
    id: `${platform}.network`,
    platform,
    async run({ host }) {
      const nics = await host.systemInformation("network-interfaces", async () => {
        const value = await (await loadSi()).networkInterfaces();
        return (Array.isArray(value) ? value : [value]).map(({ iface, ifaceName, mac, internal, virtual }) => ({ iface, ifaceName, mac, internal, virtual }));
      });
      return { nics: mapNics(nics) };
    },
  };
}

export const darwinDisksProbe = diskProbe("darwin");
export const darwinNetworkProbe = networkProbe("darwin");
