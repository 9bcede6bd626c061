import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";

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
  async run({ host, signal }) {
    const { stdout, exitCode, stderr } = await host.run("flatpak-list", "flatpak", ["list", "--app", "--columns=application,name,version,origin,installation"], signal);
    if (exitCode !== 0) throw new Error(`flatpak list exited ${exitCode}: ${stderr.trim().split("\n")[0] ?? ""}`);
    return { software: parseFlatpakList(stdout) };
  },
};
