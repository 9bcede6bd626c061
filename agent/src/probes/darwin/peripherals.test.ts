import { describe, expect, it } from "vitest";
import { edidManufacturer, parseDisplays, parsePeripheralsReport, parsePrinters, parseUsbDevices, usbId } from "./peripherals.js";

// SPUSBDataType as macOS 14 and earlier print it (legacy key names, vendor name inside vendor_id).
const LEGACY_USB = [
  { _name: "USB31Bus", host_controller: "AppleT8103USBXHCI" },
  {
    _items: [
      {
        _items: [
          { _name: "USB Receiver", location_id: "0x01110000 / 3", manufacturer: "Logitech", product_id: "0xc52b", serial_num: "4A1F2B3C", vendor_id: "0x046d  (Logitech Inc.)" },
          { _name: "FT232R USB UART", product_id: "0x6001", serial_num: "AB0JQ5W9", vendor_id: "0x0403  (Future Technology Devices International Limited)" },
        ],
        _name: "USB3.1 Hub",
        product_id: "0x0817",
        vendor_id: "0x2109  (VIA Labs, Inc.)",
      },
      { _name: "Keyboard", product_id: "0x0250", vendor_id: "apple_vendor_id" },
    ],
    _name: "USB31Bus",
    host_controller: "AppleT8103USBXHCI",
  },
];

// SPUSBHostDataType as macOS 15+ prints it (USBDeviceKey* names, padded strings as captured).
const HOST_USB = [
  { _name: "USB 3.1 Bus", Driver: "AppleT8142USBXHCI", USBKeyHardwareType: "Built-in" },
  {
    _items: [
      {
        _items: [{ _name: "USB 10/100/1000 LAN", USBDeviceKeyLinkSpeed: "5 Gb/s", USBDeviceKeyProductID: "0x8153", USBDeviceKeyVendorID: "0x0bda", USBDeviceKeyVendorName: "Realtek" }],
        _name: "USB3.1 Hub",
        USBDeviceKeyProductID: "0x0817",
        USBDeviceKeyVendorID: "0x2109",
        USBDeviceKeyVendorName: "Anker",
      },
      { _name: " SanDisk 3.2 Gen1", USBDeviceKeyProductID: "0x55fd", USBDeviceKeySerialNumber: "03017022120225210315", USBDeviceKeyVendorID: "0x0781", USBDeviceKeyVendorName: " USB", USBKeyHardwareType: "Removable" },
      { _name: "YubiKey OTP+FIDO+CCID", USBDeviceKeyProductID: "0x0407", USBDeviceKeySerialNumber: "Not Provided", USBDeviceKeyVendorID: "0x1050", USBDeviceKeyVendorName: "Yubico" },
    ],
    _name: "USB 3.1 Bus",
    Driver: "AppleT8142USBXHCI",
  },
];

describe("parseUsbDevices", () => {
  it("reads the legacy SPUSBDataType tree below hubs, skipping buses and hubs", () => {
    expect(parseUsbDevices({ SPUSBDataType: LEGACY_USB })).toEqual([
      { kind: "usb", vendorId: "046d", productId: "c52b", vendor: "Logitech", product: "USB Receiver", serial: "4A1F2B3C" },
      { kind: "usb", vendorId: "0403", productId: "6001", vendor: "Future Technology Devices International Limited", product: "FT232R USB UART", serial: "AB0JQ5W9" },
      { kind: "usb", vendorId: "05ac", productId: "0250", vendor: "Apple Inc.", product: "Keyboard", serial: undefined },
    ]);
  });

  it("reads the SPUSBHostDataType tree of macOS 15+, trimming names and dropping 'Not Provided' serials", () => {
    expect(parseUsbDevices({ SPUSBDataType: [], SPUSBHostDataType: HOST_USB })).toEqual([
      { kind: "usb", vendorId: "0bda", productId: "8153", vendor: "Realtek", product: "USB 10/100/1000 LAN", serial: undefined },
      { kind: "usb", vendorId: "0781", productId: "55fd", vendor: "USB", product: "SanDisk 3.2 Gen1", serial: "03017022120225210315" },
      { kind: "usb", vendorId: "1050", productId: "0407", vendor: "Yubico", product: "YubiKey OTP+FIDO+CCID", serial: undefined },
    ]);
  });

  it("prefers the host tree when both are filled, so a device is not listed twice", () => {
    const rows = parseUsbDevices({ SPUSBDataType: LEGACY_USB, SPUSBHostDataType: HOST_USB });
    expect(rows.map((r) => r.vendorId)).toEqual(["0bda", "0781", "1050"]);
  });

  it("falls back to the legacy tree when the host tree has only buses", () => {
    expect(parseUsbDevices({ SPUSBDataType: LEGACY_USB, SPUSBHostDataType: [HOST_USB[0]!] })).toHaveLength(3);
  });
});

describe("usbId", () => {
  it("normalises the id spellings to four lowercase hex digits", () => {
    expect(usbId("0x046d  (Logitech Inc.)")).toBe("046d");
    expect(usbId("0x5AC")).toBe("05ac");
    expect(usbId("apple_vendor_id")).toBe("05ac");
    expect(usbId("none")).toBeUndefined();
    expect(usbId(1133)).toBeUndefined();
  });
});

describe("parseDisplays", () => {
  it("lists external and built-in displays with EDID ids and the PNP vendor code", () => {
    const gpus = [
      {
        _name: "kHW_AppleM1Item",
        spdisplays_ndrvs: [
          { _name: "DELL U3419W", "_spdisplays_display-product-id": "a130", "_spdisplays_display-serial-number": "3046324c", "_spdisplays_display-vendor-id": "10ac" },
          { _name: "Color LCD", "_spdisplays_display-product-id": "a050", "_spdisplays_display-vendor-id": "610", spdisplays_connection_type: "spdisplays_internal" },
          { _name: "LG HDR 4K", "_spdisplays_display-product-id": "7707", "_spdisplays_display-serial-number": "0", "_spdisplays_display-vendor-id": "1e6d" },
        ],
      },
      { _name: "kHW_IntelUHDGraphics630Item", sppci_model: "Intel UHD Graphics 630" },
      { _name: "Radeon", spdisplays_ndrvs: [{ _name: "spdisplays_display_connector", spdisplays_status: "spdisplays_not_connected" }] },
    ];
    expect(parseDisplays(gpus)).toEqual([
      { kind: "monitor", vendor: "DEL", product: "DELL U3419W", vendorId: "10ac", productId: "a130", serial: "3046324c" },
      { kind: "monitor", vendor: "APP", product: "Color LCD", vendorId: "0610", productId: "a050", serial: undefined },
      { kind: "monitor", vendor: "GSM", product: "LG HDR 4K", vendorId: "1e6d", productId: "7707", serial: undefined },
    ]);
  });

  it("decodes EDID manufacturer ids and rejects impossible ones", () => {
    expect(edidManufacturer("4c2d")).toBe("SAM");
    expect(edidManufacturer("30ae")).toBe("LEN");
    expect(edidManufacturer("0000")).toBeUndefined();
    expect(edidManufacturer("ffff")).toBeUndefined();
  });
});

describe("parsePrinters", () => {
  it("takes make, model and serial from usb:// URIs and the queue name otherwise", () => {
    expect(
      parsePrinters([
        { _name: "HP LaserJet Pro M404-M405", ppd: "HP LaserJet Pro M404-M405", uri: "usb://HP/LaserJet%20Pro%20M404-M405?serial=PHBQB12345" },
        { _name: "Kitchen", uri: "socket://192.168.1.133:9100", status: "idle" },
        { _name: "Odd", uri: "usb://ACME/Model%ZZ%20100" },
      ]),
    ).toEqual([
      { kind: "printer", vendor: "HP", product: "LaserJet Pro M404-M405", serial: "PHBQB12345" },
      { kind: "printer", product: "Kitchen" },
      { kind: "printer", vendor: "ACME", product: "Model%ZZ%20100", serial: undefined },
    ]);
  });

  it("skips the CUPS-only item macOS reports when there is no printer", () => {
    expect(parsePrinters([{ cupsversion: "2.3.4", status: "no_info_found" }, { _name: "The printers list is empty. To add printers, click the Add button." }])).toEqual([]);
  });
});

describe("parsePeripheralsReport", () => {
  it("joins USB, displays and printers from one report, tolerating absent types", () => {
    const rows = parsePeripheralsReport(JSON.stringify({ SPUSBDataType: LEGACY_USB, SPPrintersDataType: [{ _name: "Kitchen", uri: "ipp://kitchen.local/ipp/print" }] }));
    expect(rows.map((r) => r.kind)).toEqual(["usb", "usb", "usb", "printer"]);
    expect(parsePeripheralsReport("{}")).toEqual([]);
  });
});
