// Manufacturer, model, serials and UUID from DMI (/sys/class/dmi/id): no dmidecode, no root for most
// fields. product_serial and product_uuid are root-only; as a normal user they are simply absent.
import { classifyEndpoint } from "../../endpoint-type.js";
import type { Probe } from "../../probe.js";

const DMI = "/sys/class/dmi/id";
const FIELDS = ["sys_vendor", "product_name", "product_version", "product_serial", "product_uuid", "chassis_type", "chassis_serial", "board_serial", "bios_vendor", "bios_version", "bios_date"] as const;

export const linuxSystemProbe: Probe = {
  id: "linux.system",
  platform: "linux",
  async run({ host }) {
    const values = await Promise.all(FIELDS.map((field) => host.readFile(`${DMI}/${field}`)));
    const dmi = Object.fromEntries(FIELDS.map((field, i) => [field, values[i]?.trim() || undefined])) as Record<(typeof FIELDS)[number], string | undefined>;
    const [machineId, cpuinfo] = await Promise.all([host.readFile("/etc/machine-id"), host.readFile("/proc/cpuinfo")]);
    const notes: string[] = [];
    if (!values.some((v) => v !== undefined)) notes.push(`${DMI} is not available (container or no SMBIOS)`);
    else if (dmi.product_uuid === undefined) notes.push("product_uuid and product_serial need root; run the agent as root for hardware identity");
    const hypervisor = cpuinfo ? /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) : undefined;
    return {
      endpoint: {
        manufacturer: dmi.sys_vendor,
        model: dmi.product_name,
        serial: dmi.product_serial ?? dmi.chassis_serial,
        uuid: dmi.product_uuid,
        machineId: machineId?.trim() || undefined,
        type: classifyEndpoint({ chassisTypes: dmi.chassis_type ? [Number(dmi.chassis_type)] : undefined, manufacturer: dmi.sys_vendor, model: dmi.product_name, hypervisor }),
      },
      hardware: { bios: dmi.bios_vendor || dmi.bios_version ? { vendor: dmi.bios_vendor, version: dmi.bios_version, date: dmi.bios_date } : undefined },
      notes,
    };
  },
};
