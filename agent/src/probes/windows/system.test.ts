import { describe, expect, it } from "vitest";
import { isServerOs, modelName, parseSystemReport } from "./system.js";

// The osdcloud HP ZBook sample (Win32_ComputerSystem, Win32_BIOS) as the system script prints it.
const ZBOOK = {
  computerSystem: { Manufacturer: "HP", Model: "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", SystemFamily: "103C_5336AN HP ZBook", Domain: "WORKGROUP", PartOfDomain: false, Workgroup: "WORKGROUP", TotalPhysicalMemory: 67864158208, DNSHostName: "hpFirefly16P", Name: "HPFIREFLY16P", PCSystemType: 2 },
  bios: { SerialNumber: "5CG3281NM4", Manufacturer: "HP", SMBIOSBIOSVersion: "V70 Ver. 01.01.08", ReleaseDate: "\\/Date(1685404800000)\\/" },
  product: { UUID: "7E2B4D91-3C5A-4F08-B6E1-9A0C2D4F6B83", IdentifyingNumber: "5CG3281NM4", Vendor: "HP", Version: "" },
  enclosures: [{ ChassisTypes: [10], SerialNumber: "5CG3281NM4" }],
  processors: [{ Name: "13th Gen Intel(R) Core(TM) i7-1370P", NumberOfCores: 14, NumberOfLogicalProcessors: 20 }],
  productType: 1,
  editionId: "Professional",
  errors: [],
};

const report = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...ZBOOK, ...overrides }).replace(/\\\\\//g, "\\/");

describe("parseSystemReport", () => {
  it("maps the ZBook: hostname as DNSHostName spells it, no domain in a workgroup, laptop by chassis", () => {
    expect(parseSystemReport(report())).toEqual({
      endpoint: {
        hostname: "hpFirefly16P",
        domain: undefined,
        manufacturer: "HP",
        model: "HP ZBook Firefly 16 inch G10 Mobile Workstation PC",
        serial: "5CG3281NM4",
        uuid: "7E2B4D91-3C5A-4F08-B6E1-9A0C2D4F6B83",
        type: "laptop",
      },
      hardware: {
        cpu: { model: "13th Gen Intel(R) Core(TM) i7-1370P", cores: 14, threads: 20 },
        memoryBytes: 67864158208,
        bios: { vendor: "HP", version: "V70 Ver. 01.01.08", date: "2023-05-30" },
      },
      notes: [],
    });
  });

  it("reports the domain only for a domain member", () => {
    const joined = parseSystemReport(report({ computerSystem: { ...ZBOOK.computerSystem, Domain: "corp.contoso.com", PartOfDomain: true } }));
    expect(joined.endpoint?.domain).toBe("corp.contoso.com");
  });

  it("names a Lenovo by the product Version and keeps the machine type (glpi ThinkPad E14 sample)", () => {
    const lenovo = parseSystemReport(
      report({
        computerSystem: { Manufacturer: "LENOVO", Model: "20TBS57S00", SystemFamily: "ThinkPad E14 Gen 2", Domain: "WORKGROUP", PartOfDomain: false, TotalPhysicalMemory: 16863318016, DNSHostName: "DESKTOP-EHRK1QO", PCSystemType: 2 },
        product: { UUID: "6B1A7C2E-3F4D-11B2-A85C-9E4F2D1C0B7A", IdentifyingNumber: "PF2H8M4K", Vendor: "LENOVO", Version: "ThinkPad E14 Gen 2" },
      }),
    );
    expect(lenovo.endpoint?.model).toBe("ThinkPad E14 Gen 2 (20TBS57S00)");
    expect(modelName("HP", "HP ZBook", "SBKPF")).toBe("HP ZBook");
    expect(modelName("LENOVO", "20TBS57S00", "LENOVO")).toBe("20TBS57S00");
  });

  it("skips placeholder serials and falls back to the product and enclosure serials", () => {
    const oem = parseSystemReport(report({ bios: { ...ZBOOK.bios, SerialNumber: "To be filled by O.E.M." }, product: { ...ZBOOK.product, IdentifyingNumber: "Default string" }, enclosures: [{ ChassisTypes: [3], SerialNumber: " CZC1234XYZ " }] }));
    expect(oem.endpoint?.serial).toBe("CZC1234XYZ");
    // glpi Proxmox sample: every serial empty.
    const vm = parseSystemReport(report({ bios: { SerialNumber: "", Manufacturer: "", SMBIOSBIOSVersion: "", ReleaseDate: "20140401000000.000000+000" }, product: { UUID: null, IdentifyingNumber: "" }, enclosures: [{ ChassisTypes: [1], SerialNumber: "" }] }));
    expect(vm.endpoint?.serial).toBeUndefined();
    expect(vm.hardware?.bios).toEqual({ vendor: undefined, version: undefined, date: "2014-04-01" });
  });

  it("classifies: virtual before server, server by ProductType or EditionID, PCSystemType when the chassis says nothing", () => {
    const type = (overrides: Record<string, unknown>) => parseSystemReport(report(overrides)).endpoint?.type;
    expect(type({ computerSystem: { ...ZBOOK.computerSystem, Manufacturer: "QEMU", Model: "Standard PC (i440FX + PIIX, 1996)" }, productType: 3 })).toBe("virtual");
    expect(type({ computerSystem: { ...ZBOOK.computerSystem, Manufacturer: "Microsoft Corporation", Model: "Virtual Machine" } })).toBe("virtual");
    expect(type({ productType: 3, editionId: "ServerStandard" })).toBe("server");
    expect(type({ productType: 1, editionId: "ServerDatacenter" })).toBe("server");
    expect(type({ enclosures: { ChassisTypes: 3 } })).toBe("desktop"); // one enclosure, one chassis type: both collapsed
    expect(type({ enclosures: [{ ChassisTypes: [1] }] })).toBe("laptop"); // "Other": PCSystemType 2 (Mobile) decides
    expect(type({ enclosures: [{ ChassisTypes: [2] }], computerSystem: { ...ZBOOK.computerSystem, PCSystemType: 0 } })).toBe("other");
  });

  it("adds up cores and threads of every socket and squeezes the padding out of old CPU names", () => {
    const twoSockets = parseSystemReport(
      report({ processors: [{ Name: "       Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz", NumberOfCores: 10, NumberOfLogicalProcessors: 20 }, { Name: "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz", NumberOfCores: 10, NumberOfLogicalProcessors: 20 }] }),
    );
    expect(twoSockets.hardware?.cpu).toEqual({ model: "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz", cores: 20, threads: 40 });
  });

  it("keeps what it could read and names what failed; throws when nothing at all was readable", () => {
    const partial = parseSystemReport(report({ bios: null, errors: [{ query: "Win32_BIOS", code: "Failed", message: "Generic failure" }] }));
    expect(partial.endpoint?.hostname).toBe("hpFirefly16P");
    expect(partial.hardware?.bios).toBeUndefined();
    expect(partial.notes).toEqual(["Win32_BIOS: Failed (Generic failure)"]);
    expect(() => parseSystemReport('{"computerSystem":null,"bios":null,"product":null,"enclosures":[],"processors":[],"errors":[{"query":"Win32_ComputerSystem","code":"Failed","message":"x"}]}')).toThrow(/no system information could be read: Win32_ComputerSystem: Failed/);
  });
});

describe("isServerOs", () => {
  it("is true for ProductType 2 (domain controller) and 3, or a Server EditionID", () => {
    expect([isServerOs(1, "Professional"), isServerOs(2, null), isServerOs("3", undefined), isServerOs(null, "ServerStandardEval"), isServerOs(1, "EnterpriseS")]).toEqual([false, true, true, true, false]);
  });
});
