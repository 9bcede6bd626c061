// Security posture readable without root: firewall service state, root-filesystem encryption, pending
// reboot flag and the last package installation date. Each part is optional and reported honestly.
import type { Security } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runIfInstalled } from "../shared/command.js";

interface LsblkNode { name: string; type: string; mountpoint?: string | null; mountpoints?: (string | null)[]; children?: LsblkNode[] }

/** Walks `lsblk -J -o NAME,TYPE,MOUNTPOINT` and reports, for / and /home, whether a crypt layer sits under them. */
export function parseLsblkEncryption(text: string): NonNullable<Security["diskEncryption"]> {
  const tree = JSON.parse(text) as { blockdevices?: LsblkNode[] };
  const found = new Map<string, boolean>();
  const walk = (node: LsblkNode, encrypted: boolean) => {
    const underCrypt = encrypted || node.type === "crypt";
    for (const mount of [node.mountpoint, ...(node.mountpoints ?? [])]) {
      if (mount === "/" || mount === "/home") found.set(mount, (found.get(mount) ?? false) || underCrypt);
    }
    for (const child of node.children ?? []) walk(child, underCrypt);
  };
  // lsblk prints disks at the top and their partitions and mappings as children.
  for (const device of tree.blockdevices ?? []) walk(device, false);
  return [...found].map(([volume, encrypted]) => ({ volume, encrypted, method: encrypted ? "dm-crypt" : undefined }));
}

/** The End-Date of the last transaction in apt's history.log, as a date. */
export function parseAptHistoryLastDate(text: string): string | undefined {
  const dates = [...text.matchAll(/^End-Date:\s*(\d{4}-\d{2}-\d{2})/gm)].map((m) => m[1]!);
  return dates.sort().pop();
}

export const linuxSecurityProbe: Probe = {
  id: "linux.security",
  platform: "linux",
  async run(context) {
    const { host, signal } = context;
    const notes: string[] = [];
    const security: Security = {};
    const [ufwConf, rebootRequired, aptHistory] = await Promise.all([
      host.readFile("/etc/ufw/ufw.conf"),
      host.readFile("/run/reboot-required"),
      host.readFile("/var/log/apt/history.log"),
    ]);
    const firewalldConf = await host.readFile("/etc/firewalld/firewalld.conf");
    if (ufwConf !== undefined && /^ENABLED=yes/m.test(ufwConf)) security.firewall = { enabled: true, product: "ufw" };
    else if (firewalldConf !== undefined) {
      // `systemctl is-active` prints "inactive" for units that do not exist, so only ask when firewalld is installed.
      const state = await host.run("systemctl-firewalld", "systemctl", ["is-active", "firewalld"], signal);
      security.firewall = { enabled: state.stdout.trim() === "active", product: "firewalld" };
    } else if (ufwConf !== undefined) security.firewall = { enabled: false, product: "ufw" };
    else notes.push("neither ufw nor firewalld is installed: firewall state unknown (nftables rules need root to read)");
    // Debian and Ubuntu write /run/reboot-required; other distros have no cheap equivalent.
    if (rebootRequired !== undefined) security.pendingReboot = true;
    else if (aptHistory !== undefined) security.pendingReboot = false;
    if (aptHistory) security.lastUpdateInstalled = parseAptHistoryLastDate(aptHistory);
    const lsblk = await runIfInstalled(context, "lsblk", "lsblk", ["-J", "-o", "NAME,TYPE,MOUNTPOINT"], notes, "disk encryption unknown");
    if (lsblk?.exitCode === 0) security.diskEncryption = parseLsblkEncryption(lsblk.stdout);
    return { security, notes };
  },
};
