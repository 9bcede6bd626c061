// Application Firewall state (socketfilterfw) and FileVault (fdesetup status); both readable without root.
// Antivirus, pending updates and reboot state have no cheap, reliable source on macOS and stay absent.
import type { Security } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import type { CommandOutput } from "../../host/host.js";
import { runIfInstalled } from "../shared/command.js";

/** `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)"; State 2 is "block all", also on. */
export function parseFirewallGlobalState(text: string): boolean | undefined {
  const state = /\(State = (\d+)\)/.exec(text)?.[1];
  if (state !== undefined) return Number(state) >= 1;
  if (/\bFirewall is enabled\b/i.test(text)) return true;
  if (/\bFirewall is disabled\b/i.test(text)) return false;
  return undefined;
}

/**
 * `fdesetup status`: "FileVault is On." / "FileVault is Off." / "Encryption in progress: Percent completed = 41.2" /
 * "Decryption in progress: ...". Only a finished encryption counts as encrypted.
 */
export function parseFdesetupStatus(text: string): boolean | undefined {
  if (/\b(?:Encryption|Decryption) in progress\b/i.test(text)) return false;
  if (/^FileVault is On\b/im.test(text)) return true;
  if (/^FileVault is Off\b/im.test(text)) return false;
  return undefined;
}

function firstLine(output: CommandOutput): string {
  return (output.stdout.trim() || output.stderr.trim()).split("\n")[0] ?? "";
}

export const darwinSecurityProbe: Probe = {
  id: "darwin.security",
  platform: "darwin",
  async run(context) {
    const notes: string[] = [];
    const security: Security = {};
    const [firewall, fileVault] = await Promise.all([
      runIfInstalled(context, "socketfilterfw-globalstate", "/usr/libexec/ApplicationFirewall/socketfilterfw", ["--getglobalstate"], notes),
      runIfInstalled(context, "fdesetup-status", "/usr/bin/fdesetup", ["status"], notes),
    ]);
    if (firewall) {
      const enabled = firewall.exitCode === 0 ? parseFirewallGlobalState(firewall.stdout) : undefined;
      if (enabled === undefined) notes.push(`socketfilterfw answered neither enabled nor disabled (exit ${firewall.exitCode}): ${firstLine(firewall)}`);
      else security.firewall = { enabled, product: "macOS Application Firewall" };
    }
    if (fileVault) {
      const encrypted = fileVault.exitCode === 0 ? parseFdesetupStatus(fileVault.stdout) : undefined;
      if (encrypted === undefined) notes.push(`fdesetup status was not understood (exit ${fileVault.exitCode}): ${firstLine(fileVault)}`);
      else security.diskEncryption = [{ volume: "/", encrypted, method: encrypted ? "FileVault" : undefined }];
    }
    return { security, notes };
  },
};
