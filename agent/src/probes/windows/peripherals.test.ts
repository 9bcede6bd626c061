import { describe, expect, it } from "vitest";
import { decodeWmiString, edidManufacturerId, isSoftwarePrinter, mapMonitors, mapPrinters, mapUsbDevices, parsePeripheralsReport, parseUsbDeviceId } from "./peripherals.js";

/** WmiMonitorID's uint16[] form of a string, zero-padded. */
const codes = (text: string, length = 16) => [...text].map((c) => c.charCodeAt(0)).concat(Array(Math.max(0, length - text.length)).fill(0));

describe("monitors", () => {
  it("decodes zero-padded uint16 strings, including a bare number and null", () => {
    expect(decodeWmiString(codes("DELL P2419H", 13))).toBe("DELL P2419H");
    expect(decodeWmiString([68, 69, 76, 0, 65, 0])).toBe("DEL");
    expect(decodeWmiString(codes("", 13))).toBeUndefined();
    expect(decodeWmiString(null)).toBeUndefined();
    expect(decodeWmiString(48)).toBe("0");
  });

  it("encodes the EDID manufacturer id as EDID bytes 8-9 hold it", () => {
    expect(["DEL", "LEN", "SAM", "GSM", "AUO", "HPN", "del", "D3L"].map(edidManufacturerId)).toEqual(["10ac", "30ae", "4c2d", "1e6d", "06af", "220e", undefined, undefined]);
  });

  it("maps external and built-in displays; a panel's serial 0 and inactive entries are dropped", () => {
    expect(
      mapMonitors([
        { InstanceName: "DISPLAY\\DELA0C4\\5&1f5ec029&0&UID1048848_0", Active: true, ManufacturerName: codes("DEL"), ProductCodeID: codes("A0C4"), SerialNumberID: codes("5KG1R93"), UserFriendlyName: codes("DELL P2419H", 13) },
        { InstanceName: "DISPLAY\\LEN40BA\\4&2a3c1d8&0&UID8388688_0", Active: true, ManufacturerName: codes("LEN"), ProductCodeID: codes("40BA"), SerialNumberID: codes("0"), UserFriendlyName: null },
        { InstanceName: "DISPLAY\\SAM0F9A\\old", Active: false, ManufacturerName: codes("SAM"), ProductCodeID: codes("0F9A"), SerialNumberID: codes("H4ZN800123"), UserFriendlyName: codes("S24F350", 13) },
      ]),
    ).toEqual([
      { kind: "monitor", vendor: "DEL", product: "DELL P2419H", vendorId: "10ac", productId: "a0c4", serial: "5KG1R93" },
      { kind: "monitor", vendor: "LEN", product: undefined, vendorId: "30ae", productId: "40ba", serial: undefined },
    ]);
  });
});

describe("USB devices", () => {
  it("parses vendor, product, interface and instance from a device id", () => {
    expect(parseUsbDeviceId("USB\\VID_046D&PID_08C9\\6BE882AB")).toEqual({ vendorId: "046d", productId: "08c9", interface: undefined, instance: "6BE882AB" });
    expect(parseUsbDeviceId("USB\\VID_046D&PID_C30A&MI_01\\7&2BCD78FF&0&0001")).toEqual({ vendorId: "046d", productId: "c30a", interface: "01", instance: "7&2BCD78FF&0&0001" });
    expect(parseUsbDeviceId("USB\\ROOT_HUB20\\4&3113F1A8&0")).toBeUndefined();
    expect(parseUsbDeviceId("USBSTOR\\DISK&VEN_SANDISK&PROD_CRUZER_BLADE&REV_1.00\\4C530001230531116382&0")).toBeUndefined();
  });

  // Devices of the glpi Windows 7 CIM_LogicalDevice sample (Logitech webcam, keyboard, mouse, Intel hubs),
  // as Win32_PnPEntity lists them on an English Windows.
  const GLPI = [
    { DeviceID: "USB\\VID_046D&PID_C30A&MI_01\\7&2BCD78FF&0&0001", Name: "USB Input Device", Manufacturer: "(Standard system devices)", Service: "HidUsb" },
    { DeviceID: "USB\\VID_8087&PID_0024\\5&1C9B8E1E&0&1", Name: "Generic USB Hub", Manufacturer: "(Generic USB Hub)", Service: "usbhub" },
    { DeviceID: "USB\\ROOT_HUB20\\4&3113F1A8&0", Name: "USB Root Hub", Manufacturer: "(Standard USB Host Controller)", Service: "usbhub" },
    { DeviceID: "USB\\VID_0B05&PID_179C\\6&DF2EE03&0&7", Name: "ASUS Bluetooth", Manufacturer: "Atheros Communications", Service: "BTHUSB" },
    { DeviceID: "USB\\VID_046D&PID_08C9\\6BE882AB", Name: "USB Composite Device", Manufacturer: "(Standard USB Host Controller)", Service: "usbccgp" },
    { DeviceID: "USB\\VID_046D&PID_08C9&MI_02\\7&E16BD72&0&0002", Name: "USB Audio Device", Manufacturer: "(Generic USB Audio)", Service: "usbaudio" },
    { DeviceID: "USB\\VID_046D&PID_08C9&MI_00\\7&E16BD72&0&0000", Name: "USB Video Device", Manufacturer: "Microsoft", Service: "usbvideo" },
    { DeviceID: "USB\\VID_046D&PID_C03E\\6&DF2EE03&0&6", Name: "USB Input Device", Manufacturer: "(Standard system devices)", Service: "HidUsb" },
    { DeviceID: "USB\\VID_046D&PID_C30A\\6&DF2EE03&0&5", Name: "USB Composite Device", Manufacturer: "(Standard USB Host Controller)", Service: "usbccgp" },
    { DeviceID: "USB\\VID_046D&PID_C30A&MI_00\\7&2BCD78FF&0&0000", Name: "USB Input Device", Manufacturer: "(Standard system devices)", Service: "HidUsb" },
  ];

  it("makes one row per physical device: hubs out, composite functions folded into their parent", () => {
    expect(mapUsbDevices(GLPI)).toEqual([
      { kind: "usb", vendor: "ASUS", product: "ASUS Bluetooth", vendorId: "0b05", productId: "179c", serial: undefined },
      { kind: "usb", vendor: "Logitech", product: "USB Video Device", vendorId: "046d", productId: "08c9", serial: "6BE882AB" },
      { kind: "usb", vendor: "Logitech", product: "USB Input Device", vendorId: "046d", productId: "c03e", serial: undefined },
      { kind: "usb", vendor: "Logitech", product: "USB Input Device", vendorId: "046d", productId: "c30a", serial: undefined },
    ]);
  });

  it("keeps a function whose parent is not listed, and takes a maker's name only from a real manufacturer", () => {
    expect(
      mapUsbDevices([
        { DeviceID: "USB\\VID_ABCD&PID_1234&MI_00\\7&1&0&0000", Name: "Vendor Widget", Manufacturer: "Widget Corp", Service: "WidgetDrv" },
        { DeviceID: "USB\\VID_ABCD&PID_5678\\SN0042", Name: "USB Input Device", Manufacturer: "(Standard system devices)", Service: "HidUsb" },
        { DeviceID: "USB\\VID_ABCD&PID_9999\\0000000000", Name: "Thing", Manufacturer: "Microsoft", Service: "WinUSB" },
      ]),
    ).toEqual([
      { kind: "usb", vendor: undefined, product: "USB Input Device", vendorId: "abcd", productId: "5678", serial: "SN0042" },
      { kind: "usb", vendor: undefined, product: "Thing", vendorId: "abcd", productId: "9999", serial: undefined },
      { kind: "usb", vendor: "Widget Corp", product: "Vendor Widget", vendorId: "abcd", productId: "1234", serial: undefined },
    ]);
  });
});

describe("printers", () => {
  it("drops print-to-file, fax, OneNote and remote-session printers, keeps devices (accents and & included)", () => {
    const printers = [
      { Name: "Microsoft Print to PDF", DriverName: "Microsoft Print To PDF", PortName: "PORTPROMPT:" },
      { Name: "Microsoft XPS Document Writer", DriverName: "Microsoft XPS Document Writer v4", PortName: "PORTPROMPT:" },
      { Name: "OneNote (Desktop)", DriverName: "Send to Microsoft OneNote 16 Driver", PortName: "nul:" },
      { Name: "OneNote for Windows 10", DriverName: "Microsoft Software Printer Driver", PortName: "Microsoft.Office.OneNote_16001.14326.22094.0_x64__8wekyb3d8bbwe_microsoft.onenoteim_S-1-5-21-1-2-3-1001" },
      { Name: "Télécopie", DriverName: "Microsoft Shared Fax Driver", PortName: "SHRFAX:" },
      { Name: "HP LaserJet 400 M401 PCL 6 (redirected 2)", DriverName: "Remote Desktop Easy Print", PortName: "TS001" },
      { Name: "Compta – Étage 2 (HP M404)", DriverName: "HP LaserJet Pro M404-M405 PCL 6 (V3)", PortName: "192.168.10.45" },
      { Name: "Marketing & Design", DriverName: "HP Color LaserJet MFP M480 PCL-6 (V4)", PortName: "WSD-6f4a2c1e.0064" },
    ];
    expect(mapPrinters(printers)).toEqual([
      { kind: "printer", product: "Compta – Étage 2 (HP M404)" },
      { kind: "printer", product: "Marketing & Design" },
    ]);
    expect(isSoftwarePrinter({ Name: "Fax", DriverName: "Some OEM fax", PortName: "COM3:" })).toBe(true);
  });
});

describe("parsePeripheralsReport", () => {
  it("reads the three lists, decoding \\u0026 escapes, and explains WmiMonitorID's 'not supported' on a VM", () => {
    const result = parsePeripheralsReport(
      '{"monitors":[],"usb":[{"DeviceID":"USB\\\\VID_0627\\u0026PID_0001\\\\28754-0000:00:01.2-1","Name":"USB Input Device","Manufacturer":"(Standard system devices)","Service":"HidUsb","PNPClass":null}],' +
        '"printers":{"Name":"Microsoft XPS Document Writer","DriverName":"Microsoft XPS Document Writer v4","PortName":"PORTPROMPT:"},"errors":[{"query":"WmiMonitorID","code":"NotSupported","message":"Not supported"}]}',
    );
    expect(result.peripherals).toEqual([{ kind: "usb", vendor: "QEMU", product: "USB Input Device", vendorId: "0627", productId: "0001", serial: "28754-0000:00:01.2-1" }]);
    expect(result.notes).toEqual(["no monitor reports an EDID (WmiMonitorID: not supported, usual on virtual machines)"]);
  });

  it("throws when all three queries failed", () => {
    const failed = (q: string) => ({ query: q, code: "Failed", message: "x" });
    expect(() => parsePeripheralsReport(JSON.stringify({ monitors: [], usb: [], printers: [], errors: [failed("WmiMonitorID"), failed("Win32_PnPEntity"), failed("Win32_Printer")] }))).toThrow(/no peripheral could be read/);
  });
});
