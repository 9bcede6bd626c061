// The traps, end to end through the engine with the bundled lifecycle data: what a client
// would see in the report for each of these machines on 2026-11-23.
import { describe, expect, it } from "vitest";
import { BUNDLED_PRODUCTS } from "../lifecycle/data/index.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { parseCatalog } from "../catalog/load-catalog.js";
import { compileCatalog } from "./compile-catalog.js";
import { evaluateScans } from "./evaluate.js";
import { MINIMAL_CATALOG, scanOf, type ScanSpec } from "./test-support.js";

const lifecycle = new LifecycleIndex(BUNDLED_PRODUCTS);
const catalog = parseCatalog(MINIMAL_CATALOG, "catalog.yaml");

function evaluate(spec: ScanSpec, asOf = "2026-11-23") {
  const findings = evaluateScans([scanOf({ collectedAt: `${asOf}T08:00:00Z`, ...spec })], {
    catalog: compileCatalog(catalog, []),
    lifecycle,
    asOf,
    generatedAt: `${asOf}T09:00:00Z`,
  }).findings.filter((f) => f.rule !== "endpoint.new");
  return findings.map((f) => `${f.rule} | ${f.subject} | ${f.lifecycle?.cycle ?? "-"} | ${String(f.lifecycle?.eol ?? "-")}`);
}

const windows = (name: string, version: string, edition?: string) => ({ os: { platform: "windows" as const, name, version, build: version.split(".")[2], edition } });

describe("Windows editions and builds (bundled data)", () => {
  it("10.0.19045 Pro ended on 2025-10-14", () => {
    expect(evaluate(windows("Microsoft Windows 10 Pro", "10.0.19045", "Professional"))).toEqual(["os.end-of-life | Microsoft Windows 10 Pro | 10-22h2 | 2025-10-14"]);
  });

  it("10.0.17763 EnterpriseS (LTSC 2019) is supported to 2029-01-09, and warned 180 days before", () => {
    expect(evaluate(windows("Microsoft Windows 10 Enterprise LTSC 2019", "10.0.17763", "EnterpriseS"))).toEqual([]);
    expect(evaluate(windows("Microsoft Windows 10 Enterprise LTSC 2019", "10.0.17763", "EnterpriseS"), "2028-10-01")).toEqual([
      "os.nearing-end-of-life | Microsoft Windows 10 Enterprise LTSC 2019 | 10-1809-e-lts | 2029-01-09",
    ]);
  });

  it("10.0.19044 LTSC 2021 and IoT LTSC 2021 differ", () => {
    expect(evaluate(windows("Microsoft Windows 10 Enterprise LTSC 2021", "10.0.19044", "EnterpriseS"), "2027-02-01")).toEqual([
      "os.end-of-life | Microsoft Windows 10 Enterprise LTSC 2021 | 10-21h2-e-lts | 2027-01-12",
    ]);
    expect(evaluate(windows("Microsoft Windows 10 IoT Enterprise LTSC 2021", "10.0.19044", "IoTEnterpriseS"), "2027-02-01")).toEqual([]);
  });

  it("Windows 11 is recognised by its build although it reports version 10.0: Home/Pro and Enterprise dates differ", () => {
    expect(evaluate(windows("Microsoft Windows 11 Pro", "10.0.22631", "Professional"))).toEqual(["os.end-of-life | Microsoft Windows 11 Pro | 11-23h2-w | 2025-11-11"]);
    expect(evaluate(windows("Microsoft Windows 11 Enterprise", "10.0.22631", "Enterprise"))).toEqual(["os.nearing-end-of-life | Microsoft Windows 11 Enterprise | 11-23h2-e | 2026-11-10"].map((s) => s.replace("nearing-end-of-life", "end-of-life")));
    expect(evaluate(windows("Microsoft Windows 11 Pro", "10.0.26200", "Professional"))).toEqual([]);
  });

  it("Windows 7 and Server 2008 R2 share build 7601 and are told apart by name, also without an edition", () => {
    expect(evaluate(windows("Microsoft Windows 7 Professional ", "6.1.7601", "Professional"))).toEqual(["os.end-of-life | Microsoft Windows 7 Professional | 7-sp1 | 2020-01-14"]);
    expect(evaluate(windows("Microsoft Windows Server 2008 R2 Standard ", "6.1.7601"))).toEqual(["os.end-of-life | Microsoft Windows Server 2008 R2 Standard | 2008-R2-SP1 | 2020-01-14"]);
  });

  it("Server 2019 (17763) is not the Windows 10 1809 client", () => {
    expect(evaluate(windows("Microsoft Windows Server 2019 Standard", "10.0.17763", "ServerStandard"))).toEqual([]);
    expect(evaluate(windows("Microsoft Windows Server 2012 R2 Standard", "6.3.9600", "ServerStandard"))).toEqual(["os.end-of-life | Microsoft Windows Server 2012 R2 Standard | 2012-R2 | 2023-10-10"]);
  });

  it("a Windows build newer than the data is os.unknown, not silently fine", () => {
    expect(evaluate(windows("Microsoft Windows 11 Pro", "10.0.29999", "Professional"))).toEqual(["os.unknown | Microsoft Windows 11 Pro | - | -"]);
  });
});

describe("software strings (bundled data)", () => {
  const software = (...names: [string, string?, string?][]) => ({ software: names.map(([name, version, publisher]) => ({ name, version, publisher })) });

  it("flags real end-of-life DisplayNames, once per release", () => {
    expect(
      evaluate(
        software(
          ["Adobe Flash Player 32 NPAPI", "32.0.0.465", "Adobe"],
          ["Adobe Flash Player 32 PPAPI", "32.0.0.465", "Adobe"],
          ["Adobe Reader XI (11.0.23)", "11.0.23", "Adobe Systems Incorporated"],
          ["Python 2.7.18", "2.7.18150", "Python Software Foundation"],
          ["Java 8 Update 381 (64-bit)", "8.0.3810.9", "Oracle Corporation"],
          ["Microsoft Office Professional Plus 2010", "14.0.7015.1000", "Microsoft Corporation"],
          ["Microsoft Office Proofing Tools 2010 - English", "14.0.7015.1000", "Microsoft Corporation"],
          ["Microsoft SQL Server 2008 R2 (64-bit)", "10.53.6000.34", "Microsoft Corporation"],
        ),
      ).sort(),
    ).toEqual([
      "software.end-of-life | Adobe Acrobat XI / Reader XI | 11 | 2017-10-15",
      "software.end-of-life | Adobe Flash Player | flash-player | 2020-12-31",
      "software.end-of-life | Microsoft Office 2010 | 2010 | 2020-10-13",
      "software.end-of-life | Microsoft SQL Server 2008 R2 | 10.50-sp3 | 2019-07-09",
      "software.end-of-life | Oracle Java SE 8 | 8 | 2022-03-31",
      "software.end-of-life | Python 2.7 | 2.7 | 2020-01-01",
    ]);
  });

  it("does not flag look-alikes", () => {
    expect(
      evaluate(
        software(
          ["Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219", "10.0.40219", "Microsoft Corporation"],
          ["Microsoft Edge", "131.0.2903.70", "Microsoft Corporation"],
          ["Notepad++ (64-bit x64)", "8.6.9", "Notepad++ Team"],
          ["Java Auto Updater", "2.8.381.9", "Oracle Corporation"],
          ["Python Launcher", "3.12.8", "Python Software Foundation"],
          ["Adobe AIR", "33.1.1.935", "HARMAN International Industries, Inc."],
          ["Microsoft Edge WebView2 Runtime", "131.0.2903.70", "Microsoft Corporation"],
          ["Microsoft SQL Server 2012 Native Client", "11.4.7001.0", "Microsoft Corporation"],
          ["Microsoft Office 2010 Primary Interop Assemblies", "14.0.4763.1000", "Microsoft Corporation"],
          ["Microsoft 365 Apps for business - en-us", "16.0.17928.20156", "Microsoft Corporation"],
        ),
      ),
    ).toEqual([]);
  });
});
