import type { Probe } from "../../probe.js";
import { ProbeUnsupported } from "../../probe.js";

export function parseCpuInfo(text: string): { model: string; cores?: number; threads?: number } | undefined {
  const blocks = text.split(/\n\s*\n/).filter((b) => b.trim());
  const field = (block: string, name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(block)?.[1]?.trim();
  const model = blocks.map((b) => field(b, "model name") ?? field(b, "Model") ?? field(b, "Processor")).find(Boolean);
  if (!model) return undefined;
  const threads = blocks.filter((b) => field(b, "processor") !== undefined).length || undefined;
  // Physical cores: distinct (physical id, core id) pairs where the kernel reports them.
  const pairs = new Set(blocks.map((b) => `${field(b, "physical id") ?? ""}/${field(b, "core id") ?? ""}`).filter((p) => p !== "/"));
  return { model, cores: pairs.size || threads, threads };
}

export function parseMemTotal(text: string): number | undefined {
  const kib = /^MemTotal:\s+(\d+)\s*kB/m.exec(text)?.[1];
  return kib ? Number(kib) * 1024 : undefined;
}

export const linuxCpuMemoryProbe: Probe = {
  id: "linux.cpu-memory",
  platform: "linux",
  async run({ host }) {
    const [cpuinfo, meminfo] = await Promise.all([host.readFile("/proc/cpuinfo"), host.readFile("/proc/meminfo")]);
    if (cpuinfo === undefined && meminfo === undefined) throw new ProbeUnsupported("/proc is not mounted");
    return { hardware: { cpu: cpuinfo ? parseCpuInfo(cpuinfo) : undefined, memoryBytes: meminfo ? parseMemTotal(meminfo) : undefined } };
  },
};
