// CUPS printer queues, as both `lpstat -v` (Linux) and SPPrintersDataType (macOS) name them.
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import { cleanSerial } from "../../identity.js";

const USB_URI = /^usb:\/\/([^/]+)\/([^?]+)(?:\?(.*))?$/;

/** A queue's peripheral row: a usb:// device URI carries make, model and serial ("usb://HP/LaserJet%20Pro?serial=X"). */
export function printerFromCupsUri(name: string, uri: string | undefined): Peripheral {
  const usb = USB_URI.exec(uri ?? "");
  if (!usb) return { kind: "printer", product: name };
  return { kind: "printer", vendor: decodeUriPart(usb[1]!), product: decodeUriPart(usb[2]!), serial: cleanSerial(new URLSearchParams(usb[3] ?? "").get("serial")) };
}

function decodeUriPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (error) {
    if (error instanceof URIError) return part; // CUPS does not always percent-encode; keep a stray % as written.
    throw error;
  }
}
