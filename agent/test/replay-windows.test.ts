// Replays hand-assembled Windows recordings (agent/test/fixtures/windows/<case>/) through the real probes,
// the way `caveat scan --replay DIR` does. There is no PowerShell on the test machine: the ps/<key>.out
// files are what each probe's script prints on that Windows (see each fixture's README.md).
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../../schemas/validate.js";
import { ReplayHost } from "../src/host/recording.js";
import { scan } from "../src/scan.js";

const fixture = (name: string) => new URL(`./fixtures/windows/${name}/`, import.meta.url).pathname;

async function replay(dir: string): Promise<Inventory> {
  return scan({ host: await ReplayHost.open(dir), collectedAt: new Date("2025-10-23T12:00:00Z"), scanId: "0f6c1d2e-3b4a-4c5d-8e9f-a0b1c2d3e4f5" });
}

const statuses = (inventory: Inventory) => Object.fromEntries(inventory.probes.map((p) => [p.id, p.status]));
const message = (inventory: Inventory, id: string) => inventory.probes.find((p) => p.id === id)?.message;
const ALL_OK = {
  "windows.os": "ok",
  "windows.system": "ok",
  "windows.disks-network": "ok",
  "windows.software-registry": "ok",
  "windows.software-appx": "ok",
  "windows.peripherals": "ok",
  "windows.security": "ok",
};

describe("replay: Windows 10 Pro 22H2 on a ThinkPad E14 Gen 2 (win10-22h2-pro)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("win10-22h2-pro"));
  });

  it("produces a valid caveat.inventory/v1 document with every Windows probe ok", () => {
    expect(checkInventory(inventory)).toEqual([]);
    expect(statuses(inventory)).toEqual(ALL_OK);
  });

  it("reports the OS from Caption, CurrentBuild.UBR, EditionID and DisplayVersion", () => {
    expect(inventory.os).toEqual({
      platform: "windows",
      name: "Microsoft Windows 10 Pro",
      version: "10.0.19045",
      build: "19045.6456",
      edition: "Professional",
      displayVersion: "22H2",
      arch: "x64",
      installDate: "2021-03-02T09:14:55Z",
      lastBoot: "2025-10-21T06:58:31.507Z",
    });
  });

  it("identifies the laptop by its SMBIOS UUID, with serial, Lenovo model name and no domain (workgroup)", () => {
    expect(inventory.endpoint).toEqual({
      id: "6b1a7c2e-3f4d-11b2-a85c-9e4f2d1c0b7a",
      idSource: "smbios-uuid",
      hostname: "DESKTOP-EHRK1QO",
      manufacturer: "LENOVO",
      model: "ThinkPad E14 Gen 2 (20TBS57S00)",
      serial: "PF2H8M4K",
      type: "laptop",
      uuid: "6B1A7C2E-3F4D-11B2-A85C-9E4F2D1C0B7A",
      machineId: "5d3b2f9e-8c41-4a7e-b0d2-7f1e9c3a6b54",
    });
    expect(inventory.hardware.cpu).toEqual({ model: "11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz", cores: 4, threads: 8 });
    expect(inventory.hardware.memoryBytes).toBe(16863318016);
    expect(inventory.hardware.disks.map((d) => d.type)).toEqual(["nvme", "removable"]);
  });

  it("lists legacy software from both registry views with its source and scope", () => {
    expect(inventory.software).toContainEqual({ name: "Java(TM) 6 Update 31", version: "6.0.310", publisher: "Oracle", installedOn: "2012-02-20", source: "msi", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual({ name: "Microsoft Office Professional Plus 2010", version: "14.0.6029.1000", publisher: "Microsoft Corporation", source: "registry", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual({ name: "Zoom", version: "5.16.10 (26186)", publisher: "Zoom Video Communications, Inc.", installedOn: "2023-12-04", source: "registry", scope: "user", user: "AzureAD\\JohnDoe" });
    expect(inventory.software).toContainEqual({ name: "SpotifyAB.SpotifyMusic", version: "1.222.982.0", publisher: "Spotify AB", source: "appx", scope: "user", user: "AzureAD\\JohnDoe", arch: "x86" });
  });

  it("keeps hostile names intact: script tags, quotes, ampersands, accents, CJK; a missing version stays missing", () => {
    const toolbar = inventory.software.find((s) => s.name.startsWith("<script>"));
    expect(toolbar).toEqual({ name: '<script>alert("caveat")</script> Search Toolbar', version: "1.0.0.7", publisher: "Smith & Sons' <Adware> \"Ltd\"", source: "msi", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual({ name: "FF&TB 1.5 + Plugins1", source: "registry", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual(expect.objectContaining({ name: "PDFCreator", publisher: "Frank Heindörfer, Philip Chinery", installedOn: "2011-07-05" }));
    // 20240230 is not a date: installedOn is left out rather than invented.
    expect(inventory.software).toContainEqual({ name: "微信", version: "3.9.8.25", publisher: "腾讯科技(深圳)有限公司", source: "registry", scope: "user", user: "AzureAD\\JohnDoe" });
  });

  it("drops components, hotfixes and nameless keys, and lists a program present in both views once", () => {
    const names = inventory.software.map((s) => s.name);
    expect(names).not.toContain("Office 16 Click-to-Run Extensibility Component");
    expect(names).not.toContain("Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.40.33810");
    expect(names.filter((n) => /\(KB\d+\)|Service Pack 1 \(SP1\)/.test(n))).toEqual([]);
    expect(names.filter((n) => n === "Microsoft Office Professional Plus 2010")).toHaveLength(1);
    expect(inventory.software.filter((s) => s.name === "FusionInventory Agent")).toEqual([{ name: "FusionInventory Agent", version: "2.2.0-2", publisher: "FusionInventory Team", source: "registry", scope: "machine", arch: "x64" }]);
    expect(names.filter((n) => /^Microsoft\.(VCLibs|Windows\.ShellExperienceHost|Windows\.Cortana)/.test(n))).toEqual([]);
    expect(inventory.software.filter((s) => s.name === "Microsoft.WindowsCalculator").map((s) => s.user)).toEqual(["AzureAD\\JohnDoe", "DESKTOP-EHRK1QO\\Lenovo"]);
    expect(inventory.software).toHaveLength(23);
  });

  it("names the profiles whose hive is not loaded, and not the loaded-but-empty service account hive", () => {
    const note = message(inventory, "windows.software-registry");
    expect(note).toContain("DESKTOP-EHRK1QO\\Lenovo (S-1-5-21-2934567810-1122334455-3344556677-1001, C:\\Users\\Lenovo)");
    expect(note).toContain("S-1-5-21-2934567810-1122334455-3344556677-1005 (C:\\Users\\m.rossi)");
    expect(note).not.toContain("backup-svc");
    expect(inventory.software.filter((s) => s.user?.includes("backup-svc"))).toEqual([]);
  });

  it("finds monitors and USB devices with ids and serials, and real printers only", () => {
    const peripherals = inventory.hardware.peripherals;
    expect(peripherals).toContainEqual({ kind: "usb", vendor: "Logitech", product: "USB Video Device", vendorId: "046d", productId: "08c9", serial: "6BE882AB" });
    expect(peripherals).toContainEqual({ kind: "monitor", vendor: "DEL", product: "DELL P2419H", vendorId: "10ac", productId: "a0c4", serial: "5KG1R93" });
    expect(peripherals.filter((p) => p.kind === "printer")).toEqual([
      { kind: "printer", product: "Brother HL-L2350DW series" },
      { kind: "printer", product: "Compta – Étage 2 (HP M404)" },
    ]);
    expect(peripherals.filter((p) => /hub/i.test(p.product ?? "") || p.productId === "0024")).toEqual([]);
    expect(peripherals.filter((p) => p.vendorId === "046d" && p.productId === "c30a")).toHaveLength(1);
  });

  it("reads the security posture", () => {
    expect(inventory.security).toEqual({
      firewall: { enabled: true, profiles: { Domain: true, Private: true, Public: true }, product: "Windows Firewall" },
      antivirus: [{ name: "Windows Defender", enabled: true, upToDate: true }],
      diskEncryption: [
        { volume: "C:", encrypted: true, method: "BitLocker XTS-AES-128" },
        { volume: "D:", encrypted: false },
      ],
      pendingReboot: false,
      lastUpdateInstalled: "2025-10-15",
    });
  });
});

describe("replay: Windows 10 Enterprise LTSC 2021, scanned by a standard user (win10-ltsc-2021)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("win10-ltsc-2021"));
  });

  it("produces a valid document; what needs administrator rights is a note, not a failure", () => {
    expect(checkInventory(inventory)).toEqual([]);
    expect(statuses(inventory)).toEqual(ALL_OK);
    expect(message(inventory, "windows.software-appx")).toBe("Get-AppxPackage -AllUsers needs administrator rights: only the apps of KIOSK-07\\operator were read");
    expect(message(inventory, "windows.security")).toBe("BitLocker status needs administrator rights: disk encryption unknown");
    expect(inventory.security.diskEncryption).toBeUndefined();
  });

  it("reports LTSC: EnterpriseS, 21H2, build 19044", () => {
    expect(inventory.os).toMatchObject({ platform: "windows", name: "Microsoft Windows 10 Enterprise LTSC 2021", version: "10.0.19044", build: "19044.6332", edition: "EnterpriseS", displayVersion: "21H2", arch: "x64" });
  });

  it("identifies the Dell desktop", () => {
    expect(inventory.endpoint).toMatchObject({ idSource: "smbios-uuid", hostname: "KIOSK-07", manufacturer: "Dell Inc.", model: "OptiPlex 7090", serial: "8ZQ4KB3", type: "desktop" });
    expect(inventory.endpoint.domain).toBeUndefined();
  });

  it("keeps Cyrillic software (glpi Russian export) and the current user's apps", () => {
    expect(inventory.software).toContainEqual({ name: "КриптоПро CSP", version: "5.0.12000", publisher: "Компания КриптоПро", installedOn: "2021-07-24", source: "msi", scope: "machine", arch: "x64" });
    expect(inventory.software).toContainEqual({ name: "1C Предприятие 7.7", version: "77.27", source: "registry", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual({ name: "Dell Command | Update", version: "5.4.0", publisher: "Dell Inc.", installedOn: "2024-03-18", source: "msi", scope: "machine", arch: "x64" });
    expect(inventory.software).toContainEqual({ name: "Microsoft.WindowsTerminal", version: "1.22.11141.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", user: "KIOSK-07\\operator", arch: "x64" });
    expect(message(inventory, "windows.software-registry")).toContain("KIOSK-07\\Администратор (S-1-5-21-1843921047-3412657783-2875613411-500, C:\\Users\\Администратор)");
  });

  it("finds the barcode scanner and the receipt printer; a disabled firewall profile and stale signatures show", () => {
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "usb", vendor: "Zebra (Symbol)", product: "Symbol Bar Code Scanner", vendorId: "05e0", productId: "1200", serial: "17230B4567" });
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "printer", product: "EPSON TM-T20III Receipt" });
    expect(inventory.security.firewall).toEqual({ enabled: false, profiles: { Domain: true, Private: false, Public: true }, product: "Windows Firewall" });
    expect(inventory.security.antivirus).toEqual([{ name: "Windows Defender", enabled: true, upToDate: false }]);
    expect(inventory.security.lastUpdateInstalled).toBe("2025-09-10");
  });
});

describe("replay: Windows 11 Pro 24H2 on an HP ZBook Firefly 16 G10 (win11-24h2-pro)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("win11-24h2-pro"));
  });

  it("produces a valid document with every probe ok and nothing to say", () => {
    expect(checkInventory(inventory)).toEqual([]);
    expect(statuses(inventory)).toEqual(ALL_OK);
    expect(inventory.probes.map((p) => p.message).filter(Boolean)).toEqual([]);
  });

  it("names Windows 11 by its Caption although the registry ProductName says Windows 10 Pro", () => {
    expect(inventory.os).toEqual({
      platform: "windows",
      name: "Microsoft Windows 11 Pro",
      version: "10.0.26100",
      build: "26100.2605",
      edition: "Professional",
      displayVersion: "24H2",
      arch: "x64",
      installDate: "2024-10-08T14:02:51Z",
      lastBoot: "2024-12-11T08:15:42.123Z",
    });
  });

  it("carries the osdcloud ZBook's serial, model, hostname, memory and BIOS", () => {
    expect(inventory.endpoint).toMatchObject({ hostname: "hpFirefly16P", manufacturer: "HP", model: "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", serial: "5CG3281NM4", type: "laptop", idSource: "smbios-uuid" });
    expect(inventory.hardware.memoryBytes).toBe(67864158208);
    expect(inventory.hardware.bios).toEqual({ vendor: "HP", version: "V70 Ver. 01.01.08", date: "2023-05-30" });
    expect(inventory.hardware.cpu).toEqual({ model: "13th Gen Intel(R) Core(TM) i7-1370P", cores: 14, threads: 20 });
  });

  it("keeps quotes, ampersands, accents and Japanese in software names and publishers", () => {
    expect(inventory.software).toContainEqual({ name: "一太郎2024", version: "34.0.1", publisher: "株式会社ジャストシステム", installedOn: "2024-10-15", source: "msi", scope: "machine", arch: "x64" });
    expect(inventory.software).toContainEqual(expect.objectContaining({ name: 'Contoso "Field Tools" Suite', publisher: "Contoso & Partners" }));
    expect(inventory.software).toContainEqual(expect.objectContaining({ name: "Éditeur Pro – version d'évaluation", publisher: "Société Générale d'Édition", source: "registry" }));
    expect(inventory.software).toContainEqual({ name: "Microsoft.WindowsCalculator", version: "11.2410.0.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", user: "AzureAD\\DavidSegura", arch: "x64" });
    expect(inventory.software).toContainEqual(expect.objectContaining({ name: "Microsoft.OutlookForWindows", publisher: "Microsoft Corporation" }));
    expect(inventory.software.filter((s) => s.name === "HP Wolf Security - Console")).toEqual([]);
    expect(inventory.software.filter((s) => s.source === "appx").map((s) => s.name)).toEqual(["AD2F1837.HPSupportAssistant", "Microsoft.OutlookForWindows", "Microsoft.WindowsCalculator", "Microsoft.WindowsTerminal", "SpotifyAB.SpotifyMusic"]);
  });

  it("finds the external monitor and USB devices; the dock's hub is left out", () => {
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "monitor", vendor: "HPN", product: "HP E24 G5", vendorId: "220e", productId: "3702", serial: "CNC3290K7Q" });
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "usb", vendor: "Goodix", product: "Goodix MOC Fingerprint", vendorId: "27c6", productId: "6594", serial: "UIDBC3F8E21" });
    expect(inventory.hardware.peripherals.filter((p) => p.vendorId === "2109")).toEqual([]);
    expect(inventory.hardware.peripherals.filter((p) => p.kind === "printer")).toEqual([{ kind: "printer", product: "Marketing & Design – HP Color LaserJet MFP M480f" }]);
  });

  it("reports BitLocker XTS-AES-256 and the reboot Windows Update is waiting for", () => {
    expect(inventory.security).toMatchObject({ diskEncryption: [{ volume: "C:", encrypted: true, method: "BitLocker XTS-AES-256" }], pendingReboot: true, lastUpdateInstalled: "2024-12-10" });
  });
});

describe("replay: Windows Server 2012 R2 Standard on Proxmox, PowerShell 4.0 (server-2012r2)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("server-2012r2"));
  });

  it("produces a valid document; Security Center, BitLocker and EDID absent on a server VM are notes", () => {
    expect(checkInventory(inventory)).toEqual([]);
    expect(statuses(inventory)).toEqual(ALL_OK);
    expect(message(inventory, "windows.security")).toBe("no Security Center on this Windows (Windows Server): antivirus state unknown; BitLocker is not installed (Windows Server feature not added): disk encryption unknown");
    expect(message(inventory, "windows.peripherals")).toBe("no monitor reports an EDID (WmiMonitorID: not supported, usual on virtual machines)");
    expect(inventory.security.antivirus).toBeUndefined();
    expect(inventory.security.diskEncryption).toBeUndefined();
  });

  it("reports 2012 R2 without UBR or DisplayVersion", () => {
    expect(inventory.os).toEqual({
      platform: "windows",
      name: "Microsoft Windows Server 2012 R2 Standard",
      version: "6.3.9600",
      build: "9600",
      edition: "ServerStandard",
      arch: "x64",
      installDate: "2016-04-12T10:21:33Z",
      lastBoot: "2023-10-11T03:02:17.489Z",
    });
  });

  it("identifies the VM by MachineGuid (the SMBIOS UUID is all F) and has no serial (glpi Proxmox BIOS)", () => {
    expect(inventory.endpoint).toMatchObject({ idSource: "machine-guid", hostname: "PVE-SQL01", domain: "corp.contoso.com", manufacturer: "QEMU", type: "virtual", machineId: "e2f7a9c4-61d3-4b8e-9a05-7c3f1e8d2b96" });
    expect(inventory.endpoint.serial).toBeUndefined();
    expect(inventory.hardware.bios).toEqual({ date: "2014-04-01" });
    expect(inventory.hardware.cpu).toEqual({ model: "Common KVM processor", cores: 4, threads: 4 });
    expect(inventory.hardware.disks.map((d) => d.type)).toEqual(["virtual", "virtual"]);
  });

  it("lists server software; pre-1607 Appx packages signed by Windows are left out", () => {
    expect(inventory.software).toContainEqual({ name: "Java 8 Update 202 (64-bit)", version: "8.0.2020.8", publisher: "Oracle Corporation", installedOn: "2019-02-12", source: "msi", scope: "machine", arch: "x64" });
    expect(inventory.software).toContainEqual({ name: "Microsoft SQL Server 2012 (64-bit)", publisher: "Microsoft Corporation", source: "registry", scope: "machine", arch: "x64" });
    expect(inventory.software).toContainEqual({ name: "WinSCP 6.1.2", version: "6.1.2", publisher: "Martin Prikryl", installedOn: "2023-10-04", source: "registry", scope: "user", user: "CONTOSO\\adm-jdoe" });
    expect(inventory.software.filter((s) => s.source === "appx")).toEqual([]);
    expect(inventory.software.map((s) => s.name).filter((n) => /KB\d+|Database Engine Services/.test(n))).toEqual([]);
    expect(message(inventory, "windows.software-registry")).toContain("CONTOSO\\j.müller (S-1-5-21-3623811015-3361044348-30300820-1177, C:\\Users\\j.müller)");
  });

  it("finds the QEMU tablet with its port-path serial; redirected and XPS printers are not devices", () => {
    expect(inventory.hardware.peripherals).toEqual([{ kind: "usb", vendor: "QEMU", product: "USB Input Device", vendorId: "0627", productId: "0001", serial: "28754-0000:00:01.2-1" }]);
  });

  it("reads the firewall, the pending servicing reboot and the October 2023 rollup", () => {
    expect(inventory.security).toEqual({
      firewall: { enabled: true, profiles: { Domain: true, Private: true, Public: true }, product: "Windows Firewall" },
      pendingReboot: true,
      lastUpdateInstalled: "2023-10-10",
    });
  });
});

describe("replay: a damaged recording", () => {
  it("turns an unsupported script answer and a failed script into probe statuses, and still builds the document", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-win-"));
    await cp(fixture("server-2012r2"), dir, { recursive: true });
    await writeFile(join(dir, "ps", "windows.software-appx.out"), '{"unsupported":"Get-AppxPackage is not available: this Windows has no Appx/MSIX support","errors":[]}\r\n');
    await writeFile(join(dir, "ps", "windows.security.json"), `${JSON.stringify({ error: "Get-NetFirewallProfile : The WS-Management service cannot process the request." })}\n`);
    await writeFile(join(dir, "ps", "windows.peripherals.out"), "Get-CimInstance : Invalid class \r\n");
    const inventory = await replay(dir);
    expect(checkInventory(inventory)).toEqual([]);
    expect(statuses(inventory)).toEqual({ ...ALL_OK, "windows.software-appx": "unsupported", "windows.security": "error", "windows.peripherals": "error" });
    expect(message(inventory, "windows.software-appx")).toBe("Get-AppxPackage is not available: this Windows has no Appx/MSIX support");
    expect(message(inventory, "windows.peripherals")).toMatch(/^windows\.peripherals: the PowerShell script did not print a JSON object/);
    expect(inventory.security).toEqual({});
    expect(inventory.os.name).toBe("Microsoft Windows Server 2012 R2 Standard");
  });
});
