import { describe, expect, it } from "vitest";
import { dedupeSoftware, parseSoftwareRegistryReport, skipReason, SOFTWARE_REGISTRY_SCRIPT, USER_SID_PATTERN } from "./software-registry.js";

/** JSON as Windows PowerShell 5.1 writes it: < > & ' escaped as \u003c \u003e \u0026 \u0027. */
const ps = (value: unknown) => JSON.stringify(value).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

const entry = (key: string, values: Record<string, unknown> = {}) => ({
  key,
  DisplayName: null,
  DisplayVersion: null,
  Publisher: null,
  InstallDate: null,
  SystemComponent: null,
  WindowsInstaller: null,
  ParentKeyName: null,
  ReleaseType: null,
  ...values,
});

const SID_JOHN = "S-1-12-1-3027455131-1198786383-2735843234-2436812561";
const SID_SVC = "S-1-5-21-2934567810-1122334455-3344556677-1002";
const SID_GONE = "S-1-5-21-2934567810-1122334455-3344556677-1005";

// Entries from the glpi Windows XP and Russian Windows 10 Uninstall exports, plus hostile ones.
const REPORT = ps({
  is64: true,
  hives: [
    {
      root: "HKLM", arch: "x64", sid: null, user: null, present: true,
      entries: [
        entry("AddressBook"),
        entry("{50F91F80-D397-437C-B0C8-62128DE3B55E}", { DisplayName: "КриптоПро CSP", DisplayVersion: "5.0.12000", Publisher: "Компания КриптоПро", InstallDate: "20210724", WindowsInstaller: 1 }),
        entry("FusionInventory-Agent", { DisplayName: "FusionInventory Agent", DisplayVersion: "2.2.0-2", Publisher: "FusionInventory Team" }),
        entry("XpsEPSC", { DisplayName: "XML Paper Specification Shared Components Pack 1.0", InstallDate: "20080410", Publisher: "Microsoft Corporation", SystemComponent: 1 }),
        entry("StringComponent", { DisplayName: "Vendor helper written as REG_SZ", SystemComponent: "1" }),
      ],
    },
    {
      root: "HKLM", arch: "x86", sid: null, user: null, present: true,
      entries: [
        entry("Office14.PROPLUS", { DisplayName: "Microsoft Office Professional Plus 2010", DisplayVersion: "14.0.6029.1000", Publisher: "Microsoft Corporation", SystemComponent: "" }),
        entry("{90140000-0011-0000-0000-0000000FF1CE}", { DisplayName: "Microsoft Office Professional Plus 2010", DisplayVersion: "14.0.6029.1000", Publisher: "Microsoft Corporation", InstallDate: "20120417", SystemComponent: 1, WindowsInstaller: 1 }),
        entry("{90140000-0011-0000-0000-0000000FF1CE}_Office14.PROPLUS_{047B0968-E622-4FAA-9B4B-121FA109EDDE}", { DisplayName: "Microsoft Office 2010 Service Pack 1 (SP1)", Publisher: "Microsoft", ParentKeyName: "Office14.PROPLUS" }),
        entry("KB2079403", { DisplayName: "Security Update for Windows XP (KB2079403)", DisplayVersion: "1", InstallDate: "20100816", Publisher: "Microsoft Corporation", ParentKeyName: "OperatingSystem", ReleaseType: "Security Update" }),
        entry("KB953595", { DisplayName: "Hotfix for Microsoft .NET Framework 3.5 SP1 (KB953595)", ReleaseType: "HotFix" }),
        entry("{26A24AE4-039D-4CA4-87B4-2F83216031FF}", { DisplayName: "Java(TM) 6 Update 31", DisplayVersion: "6.0.310", Publisher: "Oracle", InstallDate: "20120220", WindowsInstaller: 1 }),
        entry("FF&TB 1.5 + Plugins1", { DisplayName: "FF&TB 1.5 + Plugins1" }),
        entry("FusionInventory-Agent", { DisplayName: "FusionInventory Agent", DisplayVersion: "2.2.0-2", Publisher: "FusionInventory Team" }),
        entry("{3F2B9C61}", { DisplayName: '<script>alert("caveat")</script> Search Toolbar', DisplayVersion: "1.0.0.7", Publisher: "Smith & Sons' <Adware> \"Ltd\"", InstallDate: "2023-13-45" }),
        entry("1C Предприятие 7.7.27", { DisplayName: "1C Предприятие 7.7", DisplayVersion: "77.27" }),
        entry("Blank", { DisplayName: "   " }),
      ],
    },
    // One Uninstall entry arrives as a bare object when a script did not keep the array.
    { root: "HKU", arch: null, sid: SID_JOHN, user: "AzureAD\\JohnDoe", present: true, entries: entry("WeChat", { DisplayName: "微信", DisplayVersion: "3.9.8.25", Publisher: "腾讯科技(深圳)有限公司", InstallDate: "20240230" }) },
    { root: "HKU", arch: null, sid: SID_SVC, user: null, present: false, entries: [] },
  ],
  profiles: [
    { sid: "S-1-5-21-2934567810-1122334455-3344556677-1001", user: "DESKTOP-EHRK1QO\\Lenovo", path: "C:\\Users\\Lenovo" },
    { sid: SID_SVC, user: null, path: "C:\\Users\\backup-svc" },
    { sid: SID_GONE, user: null, path: "C:\\Users\\m.rossi" },
    { sid: SID_JOHN, user: "AzureAD\\JohnDoe", path: "C:\\Users\\JohnDoe" },
  ],
  errors: [],
});

describe("parseSoftwareRegistryReport", () => {
  const result = parseSoftwareRegistryReport(REPORT);
  const names = (result.software ?? []).map((s) => s.name);

  it("keeps programs with their source, scope and view, decoding non-ASCII and escaped characters", () => {
    expect(result.software).toContainEqual({ name: "КриптоПро CSP", version: "5.0.12000", publisher: "Компания КриптоПро", installedOn: "2021-07-24", source: "msi", scope: "machine", user: undefined, arch: "x64" });
    expect(result.software).toContainEqual({ name: "Java(TM) 6 Update 31", version: "6.0.310", publisher: "Oracle", installedOn: "2012-02-20", source: "msi", scope: "machine", user: undefined, arch: "x86" });
    expect(result.software).toContainEqual(expect.objectContaining({ name: '<script>alert("caveat")</script> Search Toolbar', publisher: "Smith & Sons' <Adware> \"Ltd\"", installedOn: undefined }));
    expect(result.software).toContainEqual({ name: "微信", version: "3.9.8.25", publisher: "腾讯科技(深圳)有限公司", installedOn: undefined, source: "registry", scope: "user", user: "AzureAD\\JohnDoe", arch: undefined });
  });

  it("keeps entries without DisplayVersion or Publisher, and Office's SystemComponent=\"\" (not set)", () => {
    expect(result.software).toContainEqual(expect.objectContaining({ name: "FF&TB 1.5 + Plugins1", version: undefined, publisher: undefined, source: "registry" }));
    expect(result.software).toContainEqual(expect.objectContaining({ name: "1C Предприятие 7.7", version: "77.27", publisher: undefined, arch: "x86" }));
    expect(result.software).toContainEqual(expect.objectContaining({ name: "Microsoft Office Professional Plus 2010", version: "14.0.6029.1000", source: "registry", arch: "x86" }));
  });

  it("skips components, updates and entries without a name", () => {
    expect(names).not.toContain("XML Paper Specification Shared Components Pack 1.0");
    expect(names).not.toContain("Vendor helper written as REG_SZ");
    expect(names).not.toContain("Microsoft Office 2010 Service Pack 1 (SP1)");
    expect(names.filter((n) => /KB\d+/.test(n))).toEqual([]);
    expect(names.filter((n) => n === "Microsoft Office Professional Plus 2010")).toHaveLength(1);
    expect(names.every((n) => n.trim() !== "")).toBe(true);
  });

  it("lists a program registered in both views once, under the 64-bit view", () => {
    expect((result.software ?? []).filter((s) => s.name === "FusionInventory Agent")).toEqual([
      { name: "FusionInventory Agent", version: "2.2.0-2", publisher: "FusionInventory Team", installedOn: undefined, source: "registry", scope: "machine", user: undefined, arch: "x64" },
    ]);
    expect(result.software).toHaveLength(8);
  });

  it("names the profiles whose hive is not loaded (by account, else SID), not the loaded ones, empty or not", () => {
    expect(result.notes).toEqual([
      "per-user software not read for 2 profiles whose registry hive is not loaded (user signed out): " +
        "DESKTOP-EHRK1QO\\Lenovo (S-1-5-21-2934567810-1122334455-3344556677-1001, C:\\Users\\Lenovo), " +
        "S-1-5-21-2934567810-1122334455-3344556677-1005 (C:\\Users\\m.rossi)",
    ]);
  });

  it("shows the SID for a loaded hive whose account no longer resolves", () => {
    const report = ps({ is64: true, hives: [{ root: "HKLM", arch: "x64", present: true, entries: [] }, { root: "HKU", sid: SID_GONE, user: null, present: true, entries: [entry("Zoom", { DisplayName: "Zoom" })] }], profiles: [], errors: [] });
    expect(parseSoftwareRegistryReport(report).software).toEqual([expect.objectContaining({ name: "Zoom", scope: "user", user: SID_GONE })]);
  });

  it("passes script errors on as notes, and throws when the machine's Uninstall key could not be read", () => {
    const partial = ps({ is64: true, hives: [{ root: "HKLM", arch: "x64", present: true, entries: [] }], profiles: [], errors: [{ query: "HKU\\S-1-5-21-1-2-3-1001\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall", code: "SecurityException", message: "Requested registry access is not allowed." }] });
    expect(parseSoftwareRegistryReport(partial).notes).toEqual(["HKU\\S-1-5-21-1-2-3-1001\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall: SecurityException (Requested registry access is not allowed.)"]);
    const broken = ps({ is64: true, hives: [{ root: "HKLM", arch: "x64", present: false, entries: [] }], profiles: [], errors: [{ query: "HKLM\\...\\Uninstall (x64)", code: "SecurityException", message: "denied" }] });
    expect(() => parseSoftwareRegistryReport(broken)).toThrow(/machine's Uninstall key could not be read: HKLM.*SecurityException/);
  });
});

describe("skipReason and dedupeSoftware", () => {
  it("explains each skip", () => {
    expect(skipReason({ DisplayName: null })).toBe("no DisplayName");
    expect(skipReason({ DisplayName: "x", SystemComponent: 1 })).toBe("SystemComponent");
    expect(skipReason({ DisplayName: "x", ParentKeyName: "OperatingSystem" })).toBe("ParentKeyName");
    expect(skipReason({ DisplayName: "x", ReleaseType: "Update" })).toBe("ReleaseType");
    expect(skipReason({ DisplayName: "x", ReleaseType: "Service Pack", SystemComponent: 0 })).toBeUndefined();
  });

  it("treats case and surrounding space of the name as the same program, not the version or user", () => {
    const rows = dedupeSoftware([
      { name: "Zoom", version: "5.16", source: "registry", scope: "user", user: "A" },
      { name: "zoom ", version: "5.16", source: "msi", scope: "user", user: "A" },
      { name: "Zoom", version: "5.17", source: "registry", scope: "user", user: "A" },
      { name: "Zoom", version: "5.16", source: "registry", scope: "user", user: "B" },
    ]);
    expect(rows.map((r) => `${r.name}|${r.version}|${r.user}|${r.source}`)).toEqual(["Zoom|5.16|A|registry", "Zoom|5.17|A|registry", "Zoom|5.16|B|registry"]);
  });
});

describe("the script", () => {
  it("reads both HKLM views, the loaded user hives and the ProfileList, translating SIDs", () => {
    expect(SOFTWARE_REGISTRY_SCRIPT).toContain("'Registry64'");
    expect(SOFTWARE_REGISTRY_SCRIPT).toContain("'Registry32'");
    expect(SOFTWARE_REGISTRY_SCRIPT).toContain("Open-CaveatRegistryKey 'Users'");
    expect(SOFTWARE_REGISTRY_SCRIPT).toContain("ProfileList");
    expect(SOFTWARE_REGISTRY_SCRIPT).toContain("[System.Security.Principal.NTAccount]");
  });

  it("matches user SIDs (domain, local, Entra ID) but not system accounts or *_Classes hives", () => {
    const re = new RegExp(USER_SID_PATTERN);
    expect([SID_JOHN, SID_SVC, "S-1-5-21-1-2-3-500"].every((s) => re.test(s))).toBe(true);
    expect([".DEFAULT", "S-1-5-18", "S-1-5-19", "S-1-5-20", `${SID_SVC}_Classes`, `${SID_SVC}.bak`].some((s) => re.test(s))).toBe(false);
  });
});
