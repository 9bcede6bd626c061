import { describe, expect, it } from "vitest";
import { diskType, mapNetworkAdapters, normalizeMac, parseDisksNetworkReport } from "./disks-network.js";

describe("diskType", () => {
  const drive = { Model: "SAMSUNG MZALQ512HALU-000L2", MediaType: "Fixed hard disk media", InterfaceType: "SCSI" };
  it("uses MSFT_PhysicalDisk's bus and media type: NVMe, USB, SSD, HDD", () => {
    expect(diskType(drive, { BusType: 17, MediaType: 4 })).toBe("nvme");
    expect(diskType(drive, { BusType: 11, MediaType: 4 })).toBe("ssd");
    expect(diskType(drive, { BusType: 11, MediaType: 3 })).toBe("hdd");
    expect(diskType(drive, { BusType: 7, MediaType: 0 })).toBe("removable");
    expect(diskType(drive, { BusType: 11, MediaType: 5 })).toBe("other");
    expect(diskType(drive, { BusType: 15, MediaType: 0 })).toBe("virtual");
  });

  it("falls back to Win32_DiskDrive when MSFT_PhysicalDisk is missing: USB is removable, hypervisor disks are virtual, the rest unknown", () => {
    expect(diskType({ Model: "SanDisk Cruzer Blade USB Device", MediaType: "Removable Media", InterfaceType: "USB" }, undefined)).toBe("removable");
    expect(diskType({ Model: "WD Elements 25A2 USB Device", MediaType: "External hard disk media", InterfaceType: "SCSI" }, undefined)).toBe("removable");
    expect(diskType({ Model: "QEMU QEMU HARDDISK SCSI Disk Device", MediaType: "Fixed hard disk media", InterfaceType: "SCSI" }, undefined)).toBe("virtual");
    expect(diskType({ Model: "Msft Virtual Disk", MediaType: "Fixed hard disk media", InterfaceType: "SCSI" }, undefined)).toBe("virtual");
    expect(diskType(drive, undefined)).toBe("other");
  });
});

describe("network adapters", () => {
  it("lowercases MACs with colons and drops empty or all-zero ones", () => {
    expect(normalizeMac("A4:C3:F0:5E:21:9B")).toBe("a4:c3:f0:5e:21:9b");
    expect(normalizeMac("A4-C3-F0-5E-21-9B")).toBe("a4:c3:f0:5e:21:9b");
    expect(normalizeMac("00:00:00:00:00:00")).toBeUndefined();
    expect(normalizeMac(null)).toBeUndefined();
    expect(normalizeMac("A4C3F05E219B")).toBeUndefined();
  });

  it("flags software adapters Windows calls physical as virtual", () => {
    const nics = mapNetworkAdapters([
      { Name: "Intel(R) Wi-Fi 6 AX201 160MHz", MACAddress: "A4:C3:F0:5E:21:9B", PNPDeviceID: "PCI\\VEN_8086&DEV_A0F0\\3&11583659&0&A3" },
      { Name: "TAP-Windows Adapter V9", MACAddress: "00:FF:7A:3C:1D:22", PNPDeviceID: "ROOT\\NET\\0000" },
      { Name: "Microsoft Kernel Debug Network Adapter", MACAddress: null, PNPDeviceID: "ROOT\\KDNIC\\0000" },
      { Name: "Hyper-V Virtual Ethernet Adapter", MACAddress: "00:15:5D:01:6A:02", PNPDeviceID: "ROOT\\VMS_MP\\0001" },
      { Name: "Realtek USB GbE Family Controller", MACAddress: "64:4E:D7:12:A8:30", PNPDeviceID: "USB\\VID_0BDA&PID_8153\\000001000000" },
      { Name: "", MACAddress: "64:4E:D7:12:A8:31" },
    ]);
    expect(nics).toEqual([
      { name: "Intel(R) Wi-Fi 6 AX201 160MHz", mac: "a4:c3:f0:5e:21:9b", virtual: false },
      { name: "TAP-Windows Adapter V9", mac: "00:ff:7a:3c:1d:22", virtual: true },
      { name: "Microsoft Kernel Debug Network Adapter", mac: undefined, virtual: true },
      { name: "Hyper-V Virtual Ethernet Adapter", mac: "00:15:5d:01:6a:02", virtual: true },
      { name: "Realtek USB GbE Family Controller", mac: "64:4e:d7:12:a8:30", virtual: false },
    ]);
  });
});

describe("parseDisksNetworkReport", () => {
  it("joins Win32_DiskDrive to MSFT_PhysicalDisk by disk number, even when one disk came as a bare object", () => {
    const result = parseDisksNetworkReport(
      JSON.stringify({
        diskDrives: { Index: 0, Model: "SAMSUNG MZVL21T0HCLR-00BH1", SerialNumber: "0025_38B1_31A2_7C55.  ", Size: 1024203640320, MediaType: "Fixed hard disk media", InterfaceType: "SCSI" },
        physicalDisks: [{ DeviceId: "1", MediaType: 3, BusType: 11 }, { DeviceId: "0", MediaType: 4, BusType: 17 }],
        networkAdapters: { Name: "Intel(R) Wi-Fi 6E AX211 160MHz", MACAddress: "D0:AB:D5:33:91:6C", PNPDeviceID: "PCI\\VEN_8086" },
        errors: [],
      }),
    );
    expect(result.disks).toEqual([{ model: "SAMSUNG MZVL21T0HCLR-00BH1", serial: "0025_38B1_31A2_7C55.", sizeBytes: 1024203640320, type: "nvme" }]);
    expect(result.nics).toEqual([{ name: "Intel(R) Wi-Fi 6E AX211 160MHz", mac: "d0:ab:d5:33:91:6c", virtual: false }]);
    expect(result.notes).toEqual([]);
  });

  it("says SSD and HDD cannot be told apart when MSFT_PhysicalDisk does not exist", () => {
    const result = parseDisksNetworkReport(
      '{"diskDrives":[{"Index":0,"Model":"ST1000DM003-1CH162","SerialNumber":"Z1D5ABCD","Size":1000202273280}],"physicalDisks":[],"networkAdapters":[],"errors":[{"query":"MSFT_PhysicalDisk","code":"InvalidNamespace","message":"Invalid namespace"}]}',
    );
    expect(result.disks).toEqual([{ model: "ST1000DM003-1CH162", serial: "Z1D5ABCD", sizeBytes: 1000202273280, type: "other" }]);
    expect(result.notes).toEqual(["MSFT_PhysicalDisk is not available on this Windows: disks are not told apart as SSD or HDD"]);
  });

  it("throws when neither disks nor adapters could be read", () => {
    expect(() =>
      parseDisksNetworkReport('{"diskDrives":[],"physicalDisks":[],"networkAdapters":[],"errors":[{"query":"Win32_DiskDrive","code":"Failed","message":"x"},{"query":"MSFT_PhysicalDisk","code":"Failed","message":"x"},{"query":"Win32_NetworkAdapter","code":"Failed","message":"x"}]}'),
    ).toThrow(/neither disks nor network adapters could be read/);
  });
});
