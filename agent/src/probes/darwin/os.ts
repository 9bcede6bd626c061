// macOS name, version and build from sw_vers; kernel from uname -r; boot time from sysctl kern.boottime;
// the computer name people see in Finder (scutil --get ComputerName), else the network hostname.
import type { Probe, ProbeContext } from "../../probe.js";
import { CommandFailed, runCommand, runIfInstalled } from "../shared/command.js";

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
async function optionalOutput(context: ProbeContext, key: string, command: string, args: string[], notes: string[]): Promise<string | undefined> {
  const output = await runIfInstalled(context, key, command, args, notes);
  if (!output) return undefined;
  if (output.exitCode === 0 && output.stdout.trim()) return output.stdout.trim();
  notes.push(new CommandFailed(`${command} ${args.join(" ")}`, output.exitCode, output.stderr).message);
  return undefined;
}

export const darwinOsProbe: Probe = {
  id: "darwin.os",
  platform: "darwin",
  async run(context) {
    const release = parseSwVers(await runCommand(context, "sw-vers", "/usr/bin/sw_vers", [], "sw_vers"));
    if (!release.ProductName || !release.ProductVersion) throw new Error("sw_vers printed no ProductName or ProductVersion");
    const notes: string[] = [];
    const nameNotes: string[] = [];
    const [kernel, boottime, computerName] = await Promise.all([
      optionalOutput(context, "uname-r", "/usr/bin/uname", ["-r"], notes),
      optionalOutput(context, "sysctl-kern-boottime", "/usr/sbin/sysctl", ["-n", "kern.boottime"], notes),
      optionalOutput(context, "scutil-computername", "/usr/sbin/scutil", ["--get", "ComputerName"], nameNotes),
    ]);
    const hostname = computerName ?? (await optionalOutput(context, "hostname", "/bin/hostname", [], nameNotes));
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
