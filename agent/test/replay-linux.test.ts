// Replays hand-assembled Linux recordings (agent/test/fixtures/linux/<case>/) through the real probes, the way
// `caveat scan --replay DIR` does; then scales one up to 10,000 packages and feeds it hostile package metadata.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../../schemas/validate.js";
import { ReplayHost } from "../src/host/recording.js";
import { scan } from "../src/scan.js";

const fixture = (name: string) => new URL(`./fixtures/linux/${name}/`, import.meta.url).pathname;

async function replay(dir: string): Promise<Inventory> {
  return scan({ host: await ReplayHost.open(dir), collectedAt: new Date("2024-06-12T08:00:00Z"), scanId: "0c9f3c57-8a44-4c1e-9d2b-6f1e7a3b5d20" });
}

const statuses = (inventory: Inventory) => Object.fromEntries(inventory.probes.map((p) => [p.id, p.status]));
const bySource = (inventory: Inventory, source: string) => inventory.software.filter((s) => s.source === source);

describe("replay: Ubuntu 22.04 on a Dell Latitude 7420 (ubuntu-22.04-laptop)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("ubuntu-22.04-laptop"));
  });

  it("produces a document that follows caveat.inventory/v1", () => {
    expect(checkInventory(inventory)).toEqual([]);
  });

  it("runs every probe; rpm does not apply and flatpak is not installed", () => {
    expect(statuses(inventory)).toEqual({
      "linux.os": "ok",
      "linux.system": "ok",
      "linux.cpu-memory": "ok",
      "linux.disks": "ok",
      "linux.network": "ok",
      "linux.usb": "ok",
      "linux.printers": "ok",
      "linux.software-dpkg": "ok",
      "linux.software-rpm": "unsupported",
      "linux.software-snap": "ok",
      "linux.software-flatpak": "unsupported",
      "linux.security": "ok",
    });
    expect(inventory.probes.find((p) => p.id === "linux.software-flatpak")?.message).toBe("flatpak is not installed");
  });

  it("reports the OS from os-release, the kernel and /proc/stat's btime", () => {
    expect(inventory.os).toEqual({
      platform: "linux",
      name: "Ubuntu 22.04.1 LTS",
      version: "22.04",
      displayVersion: "jammy",
      distro: "ubuntu",
      distroLike: ["debian"],
      kernel: "6.5.0-35-generic",
      lastBoot: "2024-06-03T06:35:12.000Z",
      arch: "x64",
    });
  });

  it("identifies the laptop by its SMBIOS UUID, with the Dell service tag as serial", () => {
    expect(inventory.endpoint).toEqual({
      id: "4c4c4544-0058-4b10-8032-b7c04f474833",
      idSource: "smbios-uuid",
      hostname: "lt-jdupont-7420",
      manufacturer: "Dell Inc.",
      model: "Latitude 7420",
      serial: "7XK2GH3",
      uuid: "4c4c4544-0058-4b10-8032-b7c04f474833",
      machineId: "b3a9d7f0c2e84b16a5f3e0d9c7b1a2e4",
      type: "laptop",
    });
    expect(inventory.hardware.cpu).toEqual({ model: "11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", cores: 4, threads: 8 });
    expect(inventory.hardware.memoryBytes).toBe(16_073_252 * 1024);
    expect(inventory.hardware.bios).toEqual({ vendor: "Dell Inc.", version: "1.31.1", date: "03/12/2024" });
  });

  it("lists the NVMe disk only, and the NICs without loopback", () => {
    expect(inventory.hardware.disks).toEqual([{ model: "SAMSUNG MZVL2512HCJQ-00BD1", serial: "S64KNX0T412387", sizeBytes: 512_110_190_592, type: "nvme" }]);
    expect(inventory.hardware.nics).toEqual([
      { name: "docker0", mac: "02:42:7b:3e:10:c5", virtual: true },
      { name: "enx00e04c680123", mac: "00:e0:4c:68:01:23", virtual: false },
      { name: "wlp0s20f3", mac: "d0:ab:d5:3c:7e:91", virtual: false },
    ]);
  });

  it("lists USB devices without root hubs, hubs or interfaces, and both printers", () => {
    const peripherals = inventory.hardware.peripherals;
    expect(peripherals).toContainEqual({ kind: "usb", vendorId: "046d", productId: "c548", vendor: "Logitech", product: "USB Receiver", serial: "9C1E4A7D02B3F6E8" });
    expect(peripherals).toContainEqual({ kind: "usb", vendorId: "8087", productId: "0026" });
    expect(peripherals.filter((p) => p.kind === "usb").map((p) => p.vendorId).sort()).toEqual(["046d", "0c45", "8087"]);
    expect(peripherals).toContainEqual({ kind: "printer", vendor: "HP", product: "LaserJet Pro M404-M405", serial: "PHBQB12345" });
    expect(peripherals).toContainEqual({ kind: "printer", product: "Bureau_Canon_MF742C" });
  });

  it("lists dpkg packages (held and unpacked kept, removed dropped) and snaps with their publisher", () => {
    expect(inventory.software).toContainEqual({ name: "openssl", version: "3.0.2-0ubuntu1.15", publisher: "Ubuntu Developers", source: "dpkg", scope: "machine", arch: "amd64" });
    expect(inventory.software).toContainEqual({ name: "firefox", version: "126.0.1-1", publisher: "mozilla", source: "snap", scope: "machine" });
    expect(inventory.software).toContainEqual({ name: "firefox", version: "1:1snap1-0ubuntu2", publisher: "Ubuntu Developers", source: "dpkg", scope: "machine", arch: "amd64" });
    expect(inventory.software.map((s) => s.name)).toEqual(expect.arrayContaining(["sudo", "teamviewer"]));
    expect(inventory.software.some((s) => s.name === "linux-image-5.19.0-50-generic")).toBe(false);
    expect(inventory.software.filter((s) => s.name === "libc6").map((s) => s.arch)).toEqual(["amd64", "i386"]);
    expect(bySource(inventory, "dpkg")).toHaveLength(25);
    expect(bySource(inventory, "snap").map((s) => s.publisher)).not.toContain("canonical*");
    expect(bySource(inventory, "snap")).toHaveLength(10);
  });

  it("reads ufw on, a pending reboot, the last apt run and LUKS under /", () => {
    expect(inventory.security).toEqual({
      firewall: { enabled: true, product: "ufw" },
      pendingReboot: true,
      lastUpdateInstalled: "2024-06-11",
      diskEncryption: [{ volume: "/", encrypted: true, method: "dm-crypt" }],
    });
  });
});

describe("replay: RHEL 8.10 on a Dell PowerEdge R650 (rhel-8.10-server)", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await replay(fixture("rhel-8.10-server"));
  });

  it("produces a document that follows caveat.inventory/v1", () => {
    expect(checkInventory(inventory)).toEqual([]);
  });

  it("runs rpm and reports dpkg, snap and flatpak as not installed", () => {
    expect(statuses(inventory)).toMatchObject({
      "linux.os": "ok",
      "linux.system": "ok",
      "linux.printers": "ok",
      "linux.software-dpkg": "unsupported",
      "linux.software-rpm": "ok",
      "linux.software-snap": "unsupported",
      "linux.software-flatpak": "unsupported",
      "linux.security": "ok",
    });
    expect(inventory.probes.filter((p) => p.status === "error")).toEqual([]);
  });

  it("reports the OS from the which-distro os-release", () => {
    expect(inventory.os).toEqual({
      platform: "linux",
      name: "Red Hat Enterprise Linux 8.10 (Ootpa)",
      version: "8.10",
      distro: "rhel",
      distroLike: ["fedora"],
      kernel: "4.18.0-553.5.1.el8_10.x86_64",
      lastBoot: "2024-05-20T07:26:40.000Z",
      arch: "x64",
    });
  });

  it("classifies the rack chassis (type 23) as a server and counts cores across both sockets", () => {
    expect(inventory.endpoint).toMatchObject({ manufacturer: "Dell Inc.", model: "PowerEdge R650", serial: "9ZQ4KX3", type: "server", idSource: "smbios-uuid" });
    expect(inventory.hardware.cpu).toEqual({ model: "Intel(R) Xeon(R) Silver 4309Y CPU @ 2.80GHz", cores: 16, threads: 32 });
    expect(inventory.hardware.disks).toEqual([{ model: "DELL PERC H755 Front", sizeBytes: 479_559_942_144, type: "hdd" }]);
    expect(inventory.hardware.peripherals).toEqual([]);
  });

  it("lists rpm packages with epochs, without gpg-pubkey entries", () => {
    expect(inventory.software).toContainEqual({ name: "openssl", version: "1:1.1.1k-12.el8_9", publisher: "Red Hat, Inc.", installedOn: "2024-05-20", source: "rpm", scope: "machine", arch: "x86_64" });
    expect(inventory.software).toContainEqual({ name: "mariadb-server", version: "3:10.3.39-1.module+el8.8.0+19673+72b0d35f", publisher: "Red Hat, Inc.", installedOn: "2024-05-20", source: "rpm", scope: "machine", arch: "x86_64" });
    expect(inventory.software.some((s) => s.name === "gpg-pubkey")).toBe(false);
    expect(inventory.software).toHaveLength(20);
  });

  it("reads firewalld active and / and /home unencrypted; no reboot flag on RHEL", () => {
    expect(inventory.security).toEqual({
      firewall: { enabled: true, product: "firewalld" },
      diskEncryption: [{ volume: "/", encrypted: false }, { volume: "/home", encrypted: false }],
    });
  });
});

describe("replay: a copy of the Ubuntu recording with generated package lists", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caveat-replay-linux-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function withDpkgOutput(name: string, output: string): Promise<Inventory> {
    const copy = join(dir, name);
    await cp(fixture("ubuntu-22.04-laptop"), copy, { recursive: true });
    await writeFile(join(copy, "cmd", "dpkg-query.out"), output);
    return replay(copy);
  }

  it("turns 10,000 dpkg packages into 10,000 valid software entries", async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `lib-generated-${i}\t${1 + (i % 7)}.${i % 100}.${i}-0ubuntu${i % 3}\tGenerated Maintainers <pkg${i}@example.org>\t${i % 5 === 0 ? "all" : "amd64"}\tii \n`);
    const inventory = await withDpkgOutput("ten-thousand", lines.join(""));
    expect(checkInventory(inventory)).toEqual([]);
    const dpkg = bySource(inventory, "dpkg");
    expect(dpkg).toHaveLength(10_000);
    expect(new Set(dpkg.map((s) => s.name)).size).toBe(10_000);
    expect(dpkg).toContainEqual({ name: "lib-generated-9999", version: "4.99.9999-0ubuntu0", publisher: "Generated Maintainers", source: "dpkg", scope: "machine", arch: "amd64" });
    expect(inventory.probes.find((p) => p.id === "agent.contract")).toBeUndefined();
  });

  it("keeps hostile package names, versions and maintainers verbatim", async () => {
    const hostile = [
      { name: "pkg-ünïcödé-日本語-📦", version: "1.0-ü", maintainer: "Jöhn Dœ", email: " <jd@example.org>" },
      { name: `quote"d'pkg`, version: `2.0"'`, maintainer: `"Quoted" O'Brien`, email: " <q@example.org>" },
      { name: "<script>alert(1)</script>", version: "1<img src=x onerror=alert(1)>", maintainer: `<script>alert("x")</script>`, email: "" },
      { name: "$(rm -rf /)&&`id`;${HOME}\\n", version: "0~$PATH", maintainer: "Robert'); DROP TABLE packages;--", email: "" },
      { name: "\u202egnp.exe", version: "3", maintainer: "RTL \u202e override", email: " <rtl@example.org>" },
    ];
    const output = hostile.map((h) => `${h.name}\t${h.version}\t${h.maintainer}${h.email}\tamd64\tii \n`).join("");
    const inventory = await withDpkgOutput("hostile", output);
    expect(checkInventory(inventory)).toEqual([]);
    const roundTripped = JSON.parse(JSON.stringify(inventory)) as Inventory;
    for (const h of hostile) {
      expect(roundTripped.software).toContainEqual({ name: h.name, version: h.version, publisher: h.maintainer, source: "dpkg", scope: "machine", arch: "amd64" });
    }
    expect(bySource(roundTripped, "dpkg")).toHaveLength(hostile.length);
  });
});
