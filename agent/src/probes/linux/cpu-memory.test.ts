import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCpuInfo, parseMemTotal } from "./cpu-memory.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseCpuInfo", () => {
  it("counts cores from distinct (physical id, core id) pairs and threads from processor entries", () => {
    expect(parseCpuInfo(fixture("ubuntu-22.04-laptop/fs/proc/cpuinfo"))).toEqual({ model: "11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", cores: 4, threads: 8 });
  });

  it("does not merge equal core ids of two sockets", () => {
    expect(parseCpuInfo(fixture("rhel-8.10-server/fs/proc/cpuinfo"))).toEqual({ model: "Intel(R) Xeon(R) Silver 4309Y CPU @ 2.80GHz", cores: 16, threads: 32 });
  });

  it("falls back to the thread count when the kernel gives no topology (small VMs)", () => {
    const vm = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core Processor\nflags\t\t: fpu hypervisor\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core Processor\n\n";
    expect(parseCpuInfo(vm)).toEqual({ model: "AMD EPYC 7763 64-Core Processor", cores: 2, threads: 2 });
  });

  it("takes the board's Model line on a Raspberry Pi, whose CPU blocks carry no model name", () => {
    const pi = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU part\t: 0xd08\n\nprocessor\t: 1\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n";
    expect(parseCpuInfo(pi)).toEqual({ model: "Raspberry Pi 4 Model B Rev 1.4", cores: 2, threads: 2 });
  });

  it("returns undefined when no model is named", () => {
    expect(parseCpuInfo("processor\t: 0\nBogoMIPS\t: 50.00\n")).toBeUndefined();
  });
});

describe("parseMemTotal", () => {
  it("converts MemTotal from KiB to bytes", () => {
    expect(parseMemTotal(fixture("ubuntu-22.04-laptop/fs/proc/meminfo"))).toBe(16073252 * 1024);
    expect(parseMemTotal("MemFree: 10 kB\n")).toBeUndefined();
  });
});
