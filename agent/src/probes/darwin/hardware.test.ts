import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMemorySize, parseProcessorCount, parseSpHardware } from "./hardware.js";

const sample = (name: string) => readFileSync(new URL(`../../../test/fixtures/darwin/samples/${name}`, import.meta.url), "utf8");

describe("parseSpHardware", () => {
  it("reads an Apple silicon MacBook Air (proc 8:4:4, chip_type)", () => {
    const { endpoint, hardware } = parseSpHardware(sample("macos-m1-SPHardwareDataType-tirekick.json"));
    expect(endpoint).toEqual({
      manufacturer: "Apple Inc.",
      model: "MacBook Air (MacBookAir10,1)",
      serial: "XXXXXXXXQ6LR",
      uuid: "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX",
      type: "laptop",
    });
    expect(hardware).toEqual({ cpu: { model: "Apple M1", cores: 8, threads: 8 }, memoryBytes: 16 * 2 ** 30, bios: { vendor: "Apple Inc.", version: "7429.41.5" } });
  });

  it("reads an Intel iMac Pro (integer core count, Hyper-Threading on)", () => {
    const { endpoint, hardware } = parseSpHardware(sample("macos-intel-imacpro-SPHardwareDataType-tirekick.json"));
    expect(endpoint).toMatchObject({ model: "iMac Pro (iMacPro1,1)", serial: "C02VT3******", type: "desktop" });
    expect(hardware?.cpu).toEqual({ model: "8-Core Intel Xeon W", cores: 8, threads: 16 });
    expect(hardware?.memoryBytes).toBe(32 * 2 ** 30);
  });

  it("classifies Apple's virtual machine as virtual", () => {
    const { endpoint, hardware } = parseSpHardware(sample("macos26-ghrunner-arm64-vm-SPHardwareDataType-tirekick.json"));
    expect(endpoint).toMatchObject({ model: "Apple Virtual Machine 1 (VirtualMac2,1)", type: "virtual" });
    expect(hardware?.cpu).toEqual({ model: "Apple M1 (Virtual)", cores: 3, threads: 3 });
    expect(hardware?.memoryBytes).toBe(7 * 2 ** 30);
  });

  it("leaves the CPU out when it says Unknown, and threads unknown without an HTT flag", () => {
    const { endpoint, hardware } = parseSpHardware(sample("macos15-ghrunner-intel-SPHardwareDataType-tirekick.json"));
    expect(hardware?.cpu).toBeUndefined();
    expect(endpoint).toMatchObject({ model: "Mac mini (Macmini6,2)", type: "desktop" });
    const htt = parseSpHardware(JSON.stringify({ SPHardwareDataType: [{ cpu_type: "Quad-Core Intel Core i5", number_processors: 4 }] }));
    expect(htt.hardware?.cpu).toEqual({ model: "Quad-Core Intel Core i5", cores: 4, threads: undefined });
  });

  it("throws on a report without the hardware item", () => {
    expect(() => parseSpHardware('{ "SPHardwareDataType" : [ ] }')).toThrow(/no SPHardwareDataType item/);
  });
});

describe("parseProcessorCount / parseMemorySize", () => {
  it("takes the total from Apple silicon's proc strings", () => {
    expect(parseProcessorCount("proc 8:4:4")).toBe(8);
    expect(parseProcessorCount("proc 12:8:4")).toBe(12);
    expect(parseProcessorCount(10)).toBe(10);
    expect(parseProcessorCount("none")).toBeUndefined();
  });

  it("converts binary units", () => {
    expect(parseMemorySize("16 GB")).toBe(17_179_869_184);
    expect(parseMemorySize("512 MB")).toBe(536_870_912);
    expect(parseMemorySize("lots")).toBeUndefined();
  });
});
