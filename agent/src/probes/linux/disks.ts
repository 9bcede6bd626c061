// Physical disks from sysfs (/sys/block): what lsblk reads, without a process per disk.
import type { Disk } from "../../../../schemas/inventory.v1.js";
import { cleanSerial } from "../../identity.js";
import type { Probe } from "../../probe.js";

// Block devices that are not disks someone bought: loop files, RAM disks, device-mapper and md layers.
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|nbd|sr|fd)\d*/;
const SECTOR_BYTES = 512; // /sys/block/<dev>/size is always in 512-byte units, whatever the hardware sector size.

export const linuxDisksProbe: Probe = {
  id: "linux.disks",
  platform: "linux",
  async run({ host }) {
    const names = (await host.listDir("/sys/block")).filter((name) => !NOT_A_DISK.test(name));
    const disks = await Promise.all(
      names.map(async (name): Promise<Disk> => {
        const read = async (path: string) => (await host.readFile(`/sys/block/${name}/${path}`))?.trim() || undefined;
        const [size, rotational, removable, model, vendor, serial] = await Promise.all([
          read("size"), read("queue/rotational"), read("removable"), read("device/model"), read("device/vendor"), read("device/serial"),
        ]);
        const sectors = Number(size);
        return {
          // virtio and NVMe put a PCI vendor id (0x1af4) in device/vendor: not a name.
          model: [vendor && !/^0x[0-9a-f]+$/i.test(vendor) ? vendor : undefined, model].filter(Boolean).join(" ") || undefined,
          serial: cleanSerial(serial),
          sizeBytes: Number.isFinite(sectors) && sectors > 0 ? sectors * SECTOR_BYTES : undefined,
          type: name.startsWith("nvme") ? "nvme" : removable === "1" ? "removable" : name.startsWith("vd") || name.startsWith("xvd") ? "virtual" : rotational === "0" ? "ssd" : rotational === "1" ? "hdd" : "other",
        };
      }),
    );
    return { disks };
  },
};
