import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runCommand } from "../shared/command.js";

/**
 * Parses `snap list`: a table whose columns are separated by runs of spaces:
 *   Name  Version  Rev  Tracking  Publisher  Notes
 * A verified publisher carries ✓ (`**` with --unicode=never), a starred one ✪ (`*`).
 */
export function parseSnapList(text: string): SoftwareEntry[] {
  const lines = text.split("\n").filter((l) => l.trim());
  if (lines.length === 0 || !/^Name\s+Version/.test(lines[0]!)) return [];
  return lines.slice(1).map((line) => {
    const [name, version, , , publisher] = line.trim().split(/\s+/);
    return { name: name!, version, publisher: publisher?.replace(/(?:\*\*?|[\u2713\u2714\u272a])$/u, "").replace(/^-$/, "") || undefined, source: "snap" as const, scope: "machine" as const };
  });
}

export const linuxSnapProbe: Probe = {
  id: "linux.software-snap",
  platform: "linux",
  async run(context) {
    return { software: parseSnapList(await runCommand(context, "snap-list", "snap", ["list", "--color=never", "--unicode=never"], "snap list")) };
  },
};
