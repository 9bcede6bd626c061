// Replays hand-assembled macOS recordings (agent/test/fixtures/darwin/<case>/) through the real probes,
// the way `caveat scan --replay DIR` does, and checks the inventory a Mac would produce.
import { beforeAll, describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../../schemas/validate.js";
import { ReplayHost } from "../src/host/recording.js";
import { scan } from "../src/scan.js";

const fixture = (name: string) => new URL(`./fixtures/darwin/${name}/`, import.meta.url).pathname;

async function replay(name: string): Promise<Inventory> {
  const host = await ReplayHost.open(fixture(name));
  return scan({ host, collectedAt: new Date("2025-09-12T08:30:00Z"), scanId: "5b0e7f0c-2a7d-4d0e-9a53-0f4f1b1f6c11" });
}

const statuses = (inventory: Inventory) => Object.fromEntries(inventory.probes.map((p) => [p.id, p.status]));

describe("replay: macOS 15 on a MacBook Air M1 (macos-15-m1)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay("macos-15-m1");
  });

  it("produces a document that follows caveat.inventory/v1", () => {
    expect(checkInventory(inventory)).toEqual([]);
  });

  it("runs every macOS probe successfully and nothing else", () => {
    expect(statuses(inventory)).toEqual({
      "darwin.os": "ok",
      "darwin.hardware": "ok",
      "darwin.disks": "ok",
      "darwin.network": "ok",
      "darwin.peripherals": "ok",
      "darwin.software-apps": "ok",
      "darwin.security": "ok",
    });
    expect(inventory.probes.every((p) => p.message === undefined)).toBe(true);
  });

  it("reports the OS exactly as sw_vers, uname and sysctl say", () => {
    expect(inventory.os).toEqual({
      platform: "darwin",
      name: "macOS 15.7.9",
      version: "15.7.9",
      build: "24G830",
      kernel: "24.6.0",
      lastBoot: "2025-09-09T07:22:11.000Z",
      arch: "arm64",
    });
  });

  it("identifies the Mac by its hardware UUID and keeps serial, model and ComputerName", () => {
    expect(inventory.endpoint).toEqual({
      id: "3f1c8a52-7b4e-5d21-9a63-0e8f2b7c4d15",
      idSource: "smbios-uuid",
      hostname: "MacBook Air de Jérôme",
      manufacturer: "Apple Inc.",
      model: "MacBook Air (MacBookAir10,1)",
      serial: "FVFHK3R1Q6LR",
      uuid: "3F1C8A52-7B4E-5D21-9A63-0E8F2B7C4D15",
      type: "laptop",
    });
    expect(inventory.hardware.cpu).toEqual({ model: "Apple M1", cores: 8, threads: 8 });
    expect(inventory.hardware.memoryBytes).toBe(16 * 2 ** 30);
  });

  it("lists applications with their Developer ID publisher, and user-installed ones under the user", () => {
    expect(inventory.software).toContainEqual({ name: "Google Chrome", version: "140.0.7339.133", publisher: "Google LLC", installedOn: "2025-09-10", source: "app", scope: "machine", arch: "universal" });
    expect(inventory.software).toContainEqual({ name: "Visual Studio Code", version: "1.104.0", publisher: "Microsoft Corporation", installedOn: "2025-09-11", source: "app", scope: "user", user: "jerome", arch: "universal" });
    expect(inventory.software).toContainEqual(expect.objectContaining({ name: "Programme d’installation", version: "6.2.0", publisher: "Apple Inc." }));
    expect(inventory.software.every((s) => s.source === "app")).toBe(true);
    expect(inventory.software).toHaveLength(16);
  });

  it("finds USB devices from SPUSBHostDataType (hubs skipped), both displays and the USB printer", () => {
    const peripherals = inventory.hardware.peripherals;
    expect(peripherals).toContainEqual({ kind: "usb", vendorId: "046d", productId: "c548", vendor: "Logitech", product: "USB Receiver", serial: "9C1E4A7D02B3F6E8" });
    expect(peripherals).toContainEqual({ kind: "monitor", vendor: "DEL", product: "DELL U2720Q", vendorId: "10ac", productId: "a0ec", serial: "4c30414c" });
    expect(peripherals).toContainEqual({ kind: "printer", vendor: "HP", product: "LaserJet Pro M404-M405", serial: "PHBQB12345" });
    expect(peripherals.filter((p) => /hub/i.test(p.product ?? ""))).toEqual([]);
    expect(peripherals.map((p) => p.kind).sort()).toEqual(["monitor", "monitor", "printer", "printer", "usb", "usb", "usb"]);
  });

  it("reads firewall and FileVault, and the disk and Wi-Fi adapter through systeminformation", () => {
    expect(inventory.security).toEqual({ firewall: { enabled: true, product: "macOS Application Firewall" }, diskEncryption: [{ volume: "/", encrypted: true, method: "FileVault" }] });
    expect(inventory.hardware.disks).toEqual([{ model: "Apple APPLE SSD AP0512Q", serial: "0ba0154ee1e82d12", sizeBytes: 500277792768, type: "nvme" }]);
    expect(inventory.hardware.nics).toContainEqual({ name: "en0", mac: "a4:83:e7:5c:21:9d", virtual: false });
    expect(inventory.hardware.nics.map((n) => n.name)).not.toContain("lo0");
  });
});

describe("replay: macOS 10.15 on an Intel iMac Pro (macos-10.15-intel-imacpro)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay("macos-10.15-intel-imacpro");
  });

  it("produces a document that follows caveat.inventory/v1, every probe ok", () => {
    expect(checkInventory(inventory)).toEqual([]);
    expect(Object.values(statuses(inventory))).toEqual(Array(7).fill("ok"));
  });

  it("reads Catalina's single-TAB sw_vers and falls back to hostname when ComputerName is unset", () => {
    expect(inventory.os).toEqual({ platform: "darwin", name: "Mac OS X 10.15.7", version: "10.15.7", build: "19H2", kernel: "19.6.0", lastBoot: "2024-06-03T08:26:20.000Z", arch: "x64" });
    expect(inventory.endpoint.hostname).toBe("imacpro-atelier.local");
    expect(inventory.probes.find((p) => p.id === "darwin.os")?.message).toBeUndefined();
  });

  it("classifies the iMac Pro as a desktop with a Hyper-Threaded Xeon", () => {
    expect(inventory.endpoint).toMatchObject({ manufacturer: "Apple Inc.", model: "iMac Pro (iMacPro1,1)", serial: "C02VT3ZZHX87", type: "desktop", idSource: "smbios-uuid" });
    expect(inventory.hardware.cpu).toEqual({ model: "8-Core Intel Xeon W", cores: 8, threads: 16 });
  });

  it("keeps the glpi sample's apps, merging the same web app found twice in one home folder", () => {
    expect(inventory.software).toContainEqual({ name: "Google Chrome", version: "49.0.2623.112", installedOn: "2016-04-06", source: "app", scope: "machine" });
    expect(inventory.software.filter((s) => s.name === "Gmail")).toEqual([{ name: "Gmail", version: "8.1", installedOn: "2016-03-02", source: "app", scope: "user", user: "teclib" }]);
    expect(inventory.software.filter((s) => s.name === "Wish").map((s) => s.version)).toEqual(["8.4.19", "8.5.7"]);
    expect(inventory.software.find((s) => s.name === "autosetup")?.version).toBeUndefined();
    expect(inventory.software).toHaveLength(21);
  });

  it("reads the legacy SPUSBDataType shape (vendor names in vendor_id, apple_vendor_id)", () => {
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "usb", vendorId: "05ac", productId: "026c", vendor: "Apple Inc.", product: "Magic Keyboard with Numeric Keypad", serial: "F0T94720ZT9J1QLAT" });
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "usb", vendorId: "046d", productId: "c52b", vendor: "Logitech", product: "USB Receiver" });
    expect(inventory.hardware.peripherals).toContainEqual({ kind: "monitor", vendor: "APP", product: "iMac", vendorId: "0610", productId: "ae22" });
    expect(inventory.hardware.peripherals.some((p) => p.kind === "printer")).toBe(false);
  });

  it("reports the firewall off and FileVault off", () => {
    expect(inventory.security).toEqual({ firewall: { enabled: false, product: "macOS Application Firewall" }, diskEncryption: [{ volume: "/", encrypted: false }] });
  });
});
