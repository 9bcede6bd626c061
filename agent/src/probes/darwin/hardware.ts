// Model, serial, hardware UUID, chip and memory from `system_profiler -json SPHardwareDataType`.
// No root needed; the serial and UUID are readable by any user on macOS.
import type { Contribution, Probe } from "../../probe.js";
import { classifyEndpoint } from "../../endpoint-type.js";
import { runCommand } from "../shared/command.js";

/** The fields of SPHardwareDataType's single "hardware_overview" item that the inventory uses. */
interface HardwareOverview {
  machine_model?: string;
  machine_name?: string;
  serial_number?: string;
  platform_UUID?: string;
  chip_type?: string;
  cpu_type?: string;
  /** An integer on Intel Macs and VMs; "proc 8:4:4" (total:performance:efficiency) on Apple silicon. */
  number_processors?: number | string;
  platform_cpu_htt?: string;
  physical_memory?: string;
  boot_rom_version?: string;
}

const APPLE = "Apple Inc.";
const UNITS: Record<string, number> = { KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

/** "16 GB" → bytes (system_profiler uses binary units). */
export function parseMemorySize(text: string | undefined): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]B)\s*$/i.exec(text ?? "");
  return match ? Math.round(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!) : undefined;
}

/** Core count from number_processors: 8, or "proc 8:4:4" / "proc 12:8:4" on Apple silicon (the first number is the total). */
export function parseProcessorCount(value: number | string | undefined): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
  const total = /^\s*(?:proc\s+)?(\d+)/.exec(value ?? "")?.[1];
  return total && Number(total) > 0 ? Number(total) : undefined;
}

/** Parses `system_profiler -json SPHardwareDataType`. */
export function parseSpHardware(text: string): Pick<Contribution, "endpoint" | "hardware"> {
  const report = JSON.parse(text) as { SPHardwareDataType?: HardwareOverview[] };
  const item = report.SPHardwareDataType?.[0];
  if (!item) throw new Error("system_profiler returned no SPHardwareDataType item");
  const name = item.machine_name?.trim() || undefined;
  const identifier = item.machine_model?.trim() || undefined;
  const cpuModel = [item.chip_type, item.cpu_type].map((s) => s?.trim()).find((s) => s && !/^unknown$/i.test(s));
  const cores = parseProcessorCount(item.number_processors);
  // Apple silicon has no SMT; Intel Macs say whether Hyper-Threading is on.
  const threads = !cores ? undefined : item.chip_type ? cores : item.platform_cpu_htt === "htt_enabled" ? cores * 2 : item.platform_cpu_htt === "htt_disabled" ? cores : undefined;
  return {
    endpoint: {
      manufacturer: APPLE,
      // "MacBook Air (MacBookAir10,1)": the name for people, the identifier for support and lifecycle lookups.
      model: name && identifier ? `${name} (${identifier})` : (name ?? identifier),
      serial: item.serial_number,
      uuid: item.platform_UUID,
      type: classifyEndpoint({ manufacturer: APPLE, model: identifier, macModelName: name ?? identifier }),
    },
    hardware: {
      cpu: cpuModel ? { model: cpuModel, cores, threads } : undefined,
      memoryBytes: parseMemorySize(item.physical_memory),
      bios: item.boot_rom_version ? { vendor: APPLE, version: item.boot_rom_version } : undefined,
    },
  };
}

export const darwinHardwareProbe: Probe = {
  id: "darwin.hardware",
  platform: "darwin",
  async run(context) {
    return parseSpHardware(await runCommand(context, "system-profiler-hardware", "/usr/sbin/system_profiler", ["-json", "SPHardwareDataType"], "system_profiler SPHardwareDataType"));
  },
};
