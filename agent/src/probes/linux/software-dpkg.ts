import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runCommand } from "../shared/command.js";

// db:Status-Abbrev whose second letter (the current state) means the files are on disk: installed, unpacked,
// half-configured, triggers-awaited, triggers-pending. Not n(ot-installed), c(onfig-files) or H(alf-installed).
const INSTALLED = /^.[iUFWt]/;

export const DPKG_FORMAT = "${binary:Package}\\t${Version}\\t${Maintainer}\\t${Architecture}\\t${db:Status-Abbrev}\\n";

/** Parses `dpkg-query -W -f "$DPKG_FORMAT"`; keeps installed packages (status ii, hi, iU...), not removed ones (rc). */
export function parseDpkgQuery(text: string): SoftwareEntry[] {
  const rows: SoftwareEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [name, version, maintainer, arch, status] = line.split("\t");
    if (!name || !status || !INSTALLED.test(status)) continue;
    // Only a trailing e-mail address is dropped from "Name <address>".
    rows.push({ name: name.replace(/:[a-z0-9]+$/, ""), version, publisher: maintainer?.replace(/\s*<[^<>@\s]+@[^<>\s]+>\s*$/, ""), arch, source: "dpkg", scope: "machine" });
  }
  return rows;
}

export const linuxDpkgProbe: Probe = {
  id: "linux.software-dpkg",
  platform: "linux",
  async run(context) {
    return { software: parseDpkgQuery(await runCommand(context, "dpkg-query", "dpkg-query", ["-W", "-f", DPKG_FORMAT])) };
  },
};
