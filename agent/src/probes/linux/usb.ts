// USB devices from sysfs (what lsusb reads), without needing usbutils installed.
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";

const USB = "/sys/bus/usb/devices";
const HUB_CLASS = "09";

export const linuxUsbProbe: Probe = {
  id: "linux.usb",
  platform: "linux",
  async run({ host }) {
    // Device directories are named like 1-1 or 2-1.4; interfaces (1-1:1.0) and root hubs (usb1) are skipped.
    const devices = (await host.listDir(USB)).filter((name) => /^\d+-[\d.]+$/.test(name));
    const rows = await Promise.all(
      devices.map(async (name): Promise<Peripheral | undefined> => {
        const read = async (attr: string) => (await host.readFile(`${USB}/${name}/${attr}`))?.trim() || undefined;
        const [vendorId, productId, vendor, product, serial, deviceClass] = await Promise.all(["idVendor", "idProduct", "manufacturer", "product", "serial", "bDeviceClass"].map(read));
        if (deviceClass === HUB_CLASS) return undefined;
        return { kind: "usb", vendorId: vendorId?.toLowerCase(), productId: productId?.toLowerCase(), vendor, product, serial };
      }),
    );
    return { peripherals: rows.filter((r): r is Peripheral => r !== undefined) };
  },
};
