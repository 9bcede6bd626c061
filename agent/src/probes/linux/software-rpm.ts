import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runCommand } from "../shared/command.js";
import { ProbeUnsupported } from "../../probe.js";

export const RPM_FORMAT = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{VENDOR}\\t%{ARCH}\\t%{INSTALLTIME}\\n";

/** Parses `rpm -qa --qf "$RPM_FORMAT"`. Version is [epoch:]version-release as rpm prints it; gpg-pubkey pseudo-packages are skipped. */
export function parseRpmQuery(text: string): SoftwareEntry[] {
  const rows: SoftwareEntry[] = [];
  for (const line of text.split("\n")) {
    const [name, epoch, version, release, vendor, arch, installTime] = line.split("\t");
    if (!name || name === "gpg-pubkey" || version === undefined) continue;
    const epochPart = epoch && epoch !== "(none)" && epoch !== "0" ? `${epoch}:` : "";
    const seconds = Number(installTime);
    rows.push({
      name,
      version: `${epochPart}${version}${release && release !== "(none)" ? `-${release}` : ""}`,
      publisher: vendor && vendor !== "(none)" ? vendor : undefined,
      arch: arch && arch !== "(none)" ? arch : undefined,
      installedOn: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString().slice(0, 10) : undefined,
      source: "rpm",
      scope: "machine",
    });
  }
  return rows;
}

export const linuxRpmProbe: Probe = {
  id: "linux.software-rpm",
  platform: "linux",
  async run(context) {
    // rpm is installable on Debian too; only a distro whose packages are rpm counts.
    const release = await context.host.readFile("/etc/os-release");
    if (release !== undefined && !/^ID(_LIKE)?=.*\b(rhel|fedora|centos|suse|opensuse|rocky|almalinux|amzn|ol|mariner|azurelinux)\b/m.test(release)) {
      throw new ProbeUnsupported("not an rpm-based distribution");
    }
    return { software: parseRpmQuery(await runCommand(context, "rpm-qa", "rpm", ["-qa", "--qf", RPM_FORMAT])) };
  },
};
