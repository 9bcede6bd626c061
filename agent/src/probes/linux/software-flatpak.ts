import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runCommand } from "../shared/command.js";

/** Parses `flatpak list --app --columns=application,name,version,origin,installation` (tab-separated). */
export function parseFlatpakList(text: string): SoftwareEntry[] {
  const rows: SoftwareEntry[] = [];
  for (const line of text.split("\n")) {
    const [application, name, version, origin, installation] = line.split("\t");
    if (!application?.trim()) continue;
    rows.push({
      name: name?.trim() || application.trim(),
      version: version?.trim() || undefined,
      publisher: origin?.trim() || undefined,
      source: "flatpak",
      scope: installation?.trim() === "user" ? "user" : "machine",
    });
  }
  return rows;
}

export const linuxFlatpakProbe: Probe = {
  id: "linux.software-flatpak",
  platform: "linux",
  async run(context) {
    const stdout = await runCommand(context, "flatpak-list", "flatpak", ["list", "--app", "--columns=application,name,version,origin,installation"], "flatpak list");
    return { software: parseFlatpakList(stdout) };
  },
};
