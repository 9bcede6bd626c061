import type { Probe } from "../../probe.js";
import { ProbeUnsupported } from "../../probe.js";

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([\\$"`])/g, "$1");
    }
    fields[match[1]!] = value;
  }
  return fields;
}

/** Boot time from /proc/stat's `btime` (seconds since the epoch). */
export function parseBootTime(procStat: string): string | undefined {
  const match = /^btime\s+(\d+)$/m.exec(procStat);
  return match ? new Date(Number(match[1]) * 1000).toISOString() : undefined;
}

export const linuxOsProbe: Probe = {
  id: "linux.os",
  platform: "linux",
  async run({ host }) {
    const text = (await host.readFile("/etc/os-release")) ?? (await host.readFile("/usr/lib/os-release"));
    if (text === undefined) throw new ProbeUnsupported("neither /etc/os-release nor /usr/lib/os-release exists");
    const release = parseOsRelease(text);
    const [kernel, procStat, hostname, domain] = await Promise.all([
      host.readFile("/proc/sys/kernel/osrelease"),
      host.readFile("/proc/stat"),
      host.readFile("/proc/sys/kernel/hostname"),
      host.readFile("/proc/sys/kernel/domainname"),
    ]);
    const name = release.PRETTY_NAME ?? [release.NAME, release.VERSION].filter(Boolean).join(" ");
    return {
      os: {
        name: name || "Linux",
        version: release.VERSION_ID,
        displayVersion: release.VERSION_CODENAME,
        distro: release.ID?.toLowerCase(),
        distroLike: release.ID_LIKE ? release.ID_LIKE.split(/\s+/).filter(Boolean) : undefined,
        kernel: kernel?.trim(),
        lastBoot: procStat ? parseBootTime(procStat) : undefined,
      },
      endpoint: {
        hostname: hostname?.trim(),
        domain: domain && domain.trim() !== "(none)" ? domain.trim() : undefined,
      },
    };
  },
};
