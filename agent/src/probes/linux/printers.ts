// Printers known to CUPS, from `lpstat -v` ("device for NAME: URI"). USB URIs carry make, model and serial.
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";

export function parseLpstatDevices(text: string): Peripheral[] {
  const rows: Peripheral[] = [];
  for (const line of text.split("\n")) {
    const match = /^device for ([^:]+):\s*(\S+)/.exec(line.trim());
    if (!match) continue;
    const [, name, uri] = match as unknown as [string, string, string];
    const usb = /^usb:\/\/([^/]+)\/([^?]+)(?:\?(.*))?$/.exec(uri);
    if (usb) {
      const params = new URLSearchParams(usb[3] ?? "");
      rows.push({ kind: "printer", vendor: decode(usb[1]!), product: decode(usb[2]!), serial: params.get("serial") ?? undefined });
    } else {
      rows.push({ kind: "printer", product: name });
    }
  }
  return rows;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // CUPS does not always percent-encode; a stray % is kept as written.
  }
}

export const linuxPrintersProbe: Probe = {
  id: "linux.printers",
  platform: "linux",
  async run({ host, signal }) {
    const { stdout, exitCode } = await host.run("lpstat-v", "lpstat", ["-v"], signal);
    // lpstat exits 1 with "No destinations added" when CUPS has no printers: that is an answer, not a failure.
    if (exitCode !== 0 && stdout.trim() === "") return { peripherals: [] };
    return { peripherals: parseLpstatDevices(stdout) };
  },
};
