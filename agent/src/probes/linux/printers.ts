// Printers known to CUPS, from `lpstat -v` ("device for NAME: URI").
import type { Peripheral } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { printerFromCupsUri } from "../shared/cups-printer.js";

export function parseLpstatDevices(text: string): Peripheral[] {
  const rows: Peripheral[] = [];
  for (const line of text.split("\n")) {
    const match = /^device for ([^:]+):\s*(\S+)/.exec(line.trim());
    if (!match) continue;
    const [, name, uri] = match as unknown as [string, string, string];
    rows.push(printerFromCupsUri(name, uri));
  }
  return rows;
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
