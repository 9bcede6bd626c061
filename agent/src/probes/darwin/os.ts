// macOS name, version and build from sw_vers; kernel from uname -r; boot time from sysctl kern.boottime;
// the computer name people see in Finder (scutil --get ComputerName), else the network hostname.
import type { Probe } from "../../probe.js";
import { CommandNotFound, type Host } from "../../host/host.js";
import { runCommand } from "../shared/command.js";

/** Parses `sw_vers`: "Key:<tabs>value" lines (one tab before macOS 11, two since). */
export function parseSwVers(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z]+):\s*(.*?)\s*$/.exec(line);
    if (match && match[2]) fields[match[1]!] = match[2];
  }
  return fields;
}

/** Boot time from `sysctl -n kern.boottime`: "{ sec = 1700000000, usec = 0 } Tue Nov 14 22:13:20 2023". */
export function parseKernBoottime(text: string): string | undefined {
  const seconds = /\bsec\s*=\s*(\d+)/.exec(text)?.[1];
  return seconds && Number(seconds) > 0 ? new Date(Number(seconds) * 1000).toISOString() : undefined;
}

/** Trimmed stdout of a command that may fail or be missing: undefined then, with the reason in notes. */
async function optionalOutput(host: Host, key: string, command: string, args: string[], notes: string[], signal: AbortSignal): Promise<string | undefined> {
  try {
    const { stdout, stderr, exitCode } = await host.run(key, command, args, signal);
    if (exitCode === 0 && stdout.trim()) return stdout.trim();
    notes.push(`${command} ${args.join(" ")} exited ${exitCode}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`);
    return undefined;
  } catch (error) {
    if (!(error instanceof CommandNotFound)) throw error;
    notes.push(error.message);
    return undefined;
  }
}

export const darwinOsProbe: Probe = {
  id: "darwin.os",
  platform: "darwin",
  async run(context) {
    const { host, signal } = context;
    const release = parseSwVers(await runCommand(context, "sw-vers", "/usr/bin/sw_vers", [], "sw_vers"));
    if (!release.ProductName || !release.ProductVersion) throw new Error("sw_vers printed no ProductName or ProductVersion");
    const notes: string[] = [];
    const nameNotes: string[] = [];
    const [kernel, boottime, computerName] = await Promise.all([
      optionalOutput(host, "uname-r", "/usr/bin/uname", ["-r"], notes, signal),
      optionalOutput(host, "sysctl-kern-boottime", "/usr/sbin/sysctl", ["-n", "kern.boottime"], notes, signal),
      optionalOutput(host, "scutil-computername", "/usr/sbin/scutil", ["--get", "ComputerName"], nameNotes, signal),
    ]);
    const hostname = computerName ?? (await optionalOutput(host, "hostname", "/bin/hostname", [], nameNotes, signal));
    // An unset ComputerName is not worth reporting when `hostname` answered instead.
    if (hostname === undefined) notes.push(...nameNotes);
    return {
      os: {
        name: `${release.ProductName} ${release.ProductVersion}`,
        version: release.ProductVersion,
        build: release.BuildVersion,
        kernel,
        lastBoot: boottime ? parseKernBoottime(boottime) : undefined,
      },
      endpoint: { hostname },
      notes,
    };
  },
};
