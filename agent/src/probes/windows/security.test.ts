import { describe, expect, it } from "vitest";
import { decodeProductState, lastHotfixDate, mapEncryptableVolumes, mapFirewallProfiles, parseHotfixInstalledOn, parseNetshFirewall, parseSecurityReport, SECURITY_SCRIPT } from "./security.js";

// `netsh advfirewall show allprofiles state` on an English Windows (trailing spaces as printed).
const NETSH = [
  "",
  "Domain Profile Settings: ",
  "----------------------------------------------------------------------",
  "State                                 ON",
  "",
  "Private Profile Settings: ",
  "----------------------------------------------------------------------",
  "State                                 ON",
  "",
  "Public Profile Settings: ",
  "----------------------------------------------------------------------",
  "State                                 OFF",
  "Ok.",
  "",
].join("\r\n");

describe("firewall", () => {
  it("reads Get-NetFirewallProfile's GpoBoolean as a string or a number; enabled only when every profile is", () => {
    expect(mapFirewallProfiles([{ name: "Domain", enabled: "True" }, { name: "Private", enabled: "True" }, { name: "Public", enabled: "True" }])).toEqual({ enabled: true, profiles: { Domain: true, Private: true, Public: true }, product: "Windows Firewall" });
    expect(mapFirewallProfiles([{ name: "Domain", enabled: 1 }, { name: "Private", enabled: 0 }, { name: "Public", enabled: "NotConfigured" }])).toEqual({ enabled: false, profiles: { Domain: true, Private: false }, product: "Windows Firewall" });
    expect(mapFirewallProfiles([])).toBeUndefined();
  });

  it("parses netsh's English output, and gives up on other languages", () => {
    expect(parseNetshFirewall(NETSH)).toEqual({ enabled: false, profiles: { Domain: true, Private: true, Public: false }, product: "Windows Firewall" });
    expect(parseNetshFirewall("Domänenprofil-Einstellungen:\r\n-----\r\nStatus                                EIN\r\n")).toBeUndefined();
  });

  it("falls back to netsh when Get-NetFirewallProfile failed", () => {
    const result = parseSecurityReport(
      JSON.stringify({ firewall: [], netsh: NETSH, antivirus: [], encryptableVolumes: [], reboot: null, hotfixes: [], errors: [{ query: "Get-NetFirewallProfile", code: "CommandNotFoundException", message: "The term 'Get-NetFirewallProfile' is not recognized" }] }),
    );
    expect(result.security?.firewall).toEqual({ enabled: false, profiles: { Domain: true, Private: true, Public: false }, product: "Windows Firewall" });
    expect(result.notes?.[0]).toMatch(/^Get-NetFirewallProfile failed, netsh was asked instead/);
    const german = parseSecurityReport(JSON.stringify({ firewall: [], netsh: "Status EIN", antivirus: [], encryptableVolumes: [], hotfixes: [], errors: [] }));
    expect(german.security?.firewall).toBeUndefined();
    expect(german.notes).toContain("netsh advfirewall output not understood (not English?): firewall state unknown");
  });
});

describe("antivirus productState", () => {
  it("decodes the product-state and signature nibbles (values from the published tables)", () => {
    expect(decodeProductState(397568)).toEqual({ enabled: true, upToDate: true }); // 0x061100 Defender on
    expect(decodeProductState(393472)).toEqual({ enabled: false, upToDate: true }); // 0x060100 Defender off, third-party AV active
    expect(decodeProductState(397584)).toEqual({ enabled: true, upToDate: false }); // 0x061110
    expect(decodeProductState(266240)).toEqual({ enabled: true, upToDate: true }); // 0x041000 Trend Micro
    expect(decodeProductState(262160)).toEqual({ enabled: false, upToDate: false }); // 0x040010
    expect(decodeProductState(270336)).toEqual({ enabled: false, upToDate: true }); // 0x042000 snoozed
  });
});

describe("BitLocker", () => {
  it("counts a volume as encrypted when protection is on; a suspended one is not, and says so", () => {
    expect(
      mapEncryptableVolumes([
        { DriveLetter: "C:", ProtectionStatus: 1, ConversionStatus: 1, EncryptionMethod: 6 },
        { DriveLetter: null, ProtectionStatus: 0, ConversionStatus: 0, EncryptionMethod: 0 },
        { DriveLetter: "D:", ProtectionStatus: 0, ConversionStatus: 1, EncryptionMethod: 7 },
        { DriveLetter: "E:", ProtectionStatus: 0, ConversionStatus: 0, EncryptionMethod: 0 },
        { DriveLetter: "F:", ConversionStatus: 1, EncryptionMethod: 4 },
      ]),
    ).toEqual({
      rows: [
        { volume: "C:", encrypted: true, method: "BitLocker XTS-AES-128" },
        { volume: "D:", encrypted: false, method: undefined },
        { volume: "E:", encrypted: false, method: undefined },
        { volume: "F:", encrypted: true, method: "BitLocker AES-256" },
      ],
      notes: ["D: is encrypted but BitLocker protection is suspended (the key is readable on the disk)"],
    });
  });
});

describe("last update", () => {
  it("reads QFE InstalledOn as M/d/yyyy, hex FILETIME or yyyymmdd, and ignores empty and impossible dates", () => {
    expect(parseHotfixInstalledOn("10/12/2023")).toBe("2023-10-12");
    expect(parseHotfixInstalledOn("3/2/2022")).toBe("2022-03-02");
    // 0x01cc1b8f8d2a1c16 100-ns ticks since 1601-01-01 = 2011-05-26T10:27:44.952Z
    expect(parseHotfixInstalledOn("01cc1b8f8d2a1c16")).toBe("2011-05-26");
    expect(parseHotfixInstalledOn("20231012")).toBe("2023-10-12");
    for (const junk of ["", null, "13/45/2023", "2/30/2024", "0000000000000000", "soon"]) expect(parseHotfixInstalledOn(junk), String(junk)).toBeUndefined();
  });

  it("takes the latest date, comparing dates and not strings", () => {
    expect(lastHotfixDate([{ installedOn: "9/13/2023" }, { installedOn: "10/10/2023" }, { installedOn: "" }, { installedOn: "3/18/2014" }])).toBe("2023-10-10");
    expect(lastHotfixDate([])).toBeUndefined();
  });
});

describe("parseSecurityReport", () => {
  it("reports what Windows Server lacks as notes, not errors (Server 2012 R2: no Security Center, no BitLocker feature)", () => {
    const result = parseSecurityReport(
      JSON.stringify({
        firewall: [{ name: "Domain", enabled: "True" }, { name: "Private", enabled: "True" }, { name: "Public", enabled: "True" }],
        netsh: null,
        antivirus: [],
        encryptableVolumes: [],
        reboot: { componentBasedServicing: true, windowsUpdate: false },
        hotfixes: [{ id: "KB5031419", installedOn: "10/10/2023" }],
        errors: [
          { query: "AntiVirusProduct", code: "InvalidNamespace", message: "Invalid namespace" },
          { query: "Win32_EncryptableVolume", code: "InvalidNamespace", message: "Invalid namespace" },
        ],
      }),
    );
    expect(result.security).toEqual({
      firewall: { enabled: true, profiles: { Domain: true, Private: true, Public: true }, product: "Windows Firewall" },
      pendingReboot: true,
      lastUpdateInstalled: "2023-10-10",
    });
    expect(result.notes).toEqual(["no Security Center on this Windows (Windows Server): antivirus state unknown", "BitLocker is not installed (Windows Server feature not added): disk encryption unknown"]);
  });

  it("says BitLocker needs administrator rights and leaves disk encryption unknown; an empty AV list is a real answer", () => {
    const result = parseSecurityReport(
      JSON.stringify({ firewall: [], antivirus: [], encryptableVolumes: [], reboot: { componentBasedServicing: false, windowsUpdate: false }, hotfixes: [], errors: [{ query: "Win32_EncryptableVolume", code: "AccessDenied", message: "Access denied" }] }),
    );
    expect(result.security).toEqual({ antivirus: [], pendingReboot: false });
    expect(result.notes).toEqual(["BitLocker status needs administrator rights: disk encryption unknown"]);
  });

  it("decodes antivirus products, one of which may come as a bare object", () => {
    const result = parseSecurityReport(JSON.stringify({ antivirus: { displayName: "Sophos Intercept X", productState: 266240, timestamp: "Tue, 21 Oct 2025 07:02:11 GMT" }, errors: [] }));
    expect(result.security?.antivirus).toEqual([{ name: "Sophos Intercept X", enabled: true, upToDate: true }]);
  });

  it("throws when no security fact could be read", () => {
    const failed = (q: string) => ({ query: q, code: "Failed", message: "x" });
    expect(() =>
      parseSecurityReport(JSON.stringify({ firewall: [], netsh: null, antivirus: [], encryptableVolumes: [], reboot: null, hotfixes: [], errors: ["Get-NetFirewallProfile", "netsh advfirewall", "AntiVirusProduct", "Win32_EncryptableVolume", "pending reboot keys", "Win32_QuickFixEngineering"].map(failed) })),
    ).toThrow(/no security fact could be read/);
  });

  it("asks the active policy store and reads InstalledOn raw, not through Get-HotFix's local-time DateTime", () => {
    expect(SECURITY_SCRIPT).toContain("Get-NetFirewallProfile -PolicyStore ActiveStore");
    expect(SECURITY_SCRIPT).toContain("CimInstanceProperties['InstalledOn'].Value");
    expect(SECURITY_SCRIPT).toContain("Component Based Servicing\\RebootPending");
    expect(SECURITY_SCRIPT).toContain("WindowsUpdate\\Auto Update\\RebootRequired");
  });
});
