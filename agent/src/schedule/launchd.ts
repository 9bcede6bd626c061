// macOS: a LaunchDaemon (runs as root, without anyone logged in) in /Library/LaunchDaemons.
import { assertPrintable, formatLocalTime, jobCommand, markerLine, readMarker, type ScheduledJob, type ScheduleStatus } from "./job.js";
import { posixCommandLine, type ScheduleSystem, type Step } from "./system.js";

export const LAUNCHD_LABEL = "com.caveat.agent";
export const PLIST_PATH = `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`;
/** stdout and stderr of every run; a submitting scan writes only a few lines to stderr. */
export const LAUNCHD_LOG = "/Library/Logs/caveat-agent.log";
const SERVICE = `system/${LAUNCHD_LABEL}`;
/** launchctl bootstrap/bootout arrived with OS X 10.10 (Darwin 14); before it, load/unload. */
export const BOOTSTRAP_SINCE_DARWIN = 14;

export function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

export function xmlUnescape(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name]!);
}

export function launchdPlist(job: ScheduledJob): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not.
  const strings = jobCommand(job).map((arg) => `\t\t<string>${xmlEscape(assertPrintable(arg, "argument"))}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${markerLine(job.every)} -->`,
    '<plist version="1.0">',
    "<dict>",
    "\t<key>Label</key>",
    `\t<string>${LAUNCHD_LABEL}</string>`,
    "\t<key>ProgramArguments</key>",
    "\t<array>",
    ...strings,
    "\t</array>",
    // Counted from when launchd loaded the job (boot), so a fleet's Macs are spread by their boot times.
    "\t<key>StartInterval</key>",
    `\t<integer>${job.every.seconds}</integer>`,
    "\t<key>RunAtLoad</key>",
    "\t<true/>",
    "\t<key>StandardOutPath</key>",
    `\t<string>${xmlEscape(LAUNCHD_LOG)}</string>`,
    "\t<key>StandardErrorPath</key>",
    `\t<string>${xmlEscape(LAUNCHD_LOG)}</string>`,
    "\t<key>Nice</key>",
    "\t<integer>10</integer>",
    "\t<key>LowPriorityIO</key>",
    "\t<true/>",
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** The ProgramArguments of a plist launchdPlist() wrote. */
export function plistArguments(plist: string): string[] {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? "";
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => xmlUnescape(m[1]!));
}

export function isModernLaunchctl(darwinRelease: string): boolean {
  return Number(darwinRelease.split(".")[0]) >= BOOTSTRAP_SINCE_DARWIN;
}

export function launchdInstallSteps(job: ScheduledJob, modern: boolean): Step[] {
  const write: Step = { kind: "write", path: PLIST_PATH, content: launchdPlist(job), mode: 0o644 };
  if (!modern) {
    return [write, { kind: "run", command: "launchctl", args: ["unload", PLIST_PATH], mayFail: true }, { kind: "run", command: "launchctl", args: ["load", "-w", PLIST_PATH] }];
  }
  return [
    write,
    // Unload the old definition first: bootstrap refuses a label that is already loaded.
    { kind: "run", command: "launchctl", args: ["bootout", SERVICE], mayFail: true },
    // A `launchctl disable` from earlier would make bootstrap fail with "service is disabled".
    { kind: "run", command: "launchctl", args: ["enable", SERVICE] },
    // bootout returns before the old job is fully gone; bootstrap right after can fail with EIO (5).
    { kind: "run", command: "launchctl", args: ["bootstrap", "system", PLIST_PATH], attempts: 3 },
  ];
}

export function launchdRemoveSteps(modern: boolean, present: { plist: boolean; loaded: boolean }): Step[] {
  if (!present.plist && !present.loaded) return [];
  const unload: Step = modern
    ? { kind: "run", command: "launchctl", args: ["bootout", SERVICE], mayFail: true }
    : { kind: "run", command: "launchctl", args: ["unload", PLIST_PATH], mayFail: true };
  return [unload, ...(present.plist ? [{ kind: "remove", path: PLIST_PATH } as const] : [])];
}

/** The top-level "key = value" lines of `launchctl print system/<label>`. */
export function parseLaunchctlPrint(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^\t([a-z][a-z ]*?) = (.*)$/gm)) values[match[1]!] = match[2]!.trim();
  return values;
}

export async function launchdLoaded(system: ScheduleSystem, modern: boolean): Promise<{ loaded: boolean; output: string }> {
  const result = modern ? await system.run("launchctl", ["print", SERVICE]) : await system.run("launchctl", ["list", LAUNCHD_LABEL]);
  return { loaded: result.exitCode === 0, output: result.stdout };
}

export async function launchdStatus(system: ScheduleSystem, modern: boolean): Promise<ScheduleStatus> {
  const status: ScheduleStatus = { scheduler: "launchd", installed: false, facts: [], problems: [], warnings: [] };
  const [plist, { loaded, output }] = await Promise.all([system.readFile(PLIST_PATH), launchdLoaded(system, modern)]);
  if (plist === undefined && !loaded) {
    status.problems.push(`${PLIST_PATH} does not exist`);
    return status;
  }
  if (plist !== undefined) {
    status.facts.push(["every", readMarker(plist) ?? "unknown (not written by caveat schedule install)"]);
    status.facts.push(["file", PLIST_PATH]);
    status.facts.push(["command", posixCommandLine(...splitCommand(plistArguments(plist)))]);
  } else {
    status.problems.push(`${PLIST_PATH} is missing but ${LAUNCHD_LABEL} is loaded (run caveat schedule install again)`);
  }
  if (!loaded) {
    status.problems.push(`${LAUNCHD_LABEL} is not loaded into launchd (run caveat schedule install again)`);
  } else if (modern) {
    const values = parseLaunchctlPrint(output);
    status.facts.push(["state", `${values.state ?? "unknown"}${values.runs ? `, ${values.runs} runs since loaded` : ""}`]);
    if (values["last exit code"]) status.facts.push(["last exit code", values["last exit code"]]);
  } else {
    const exit = /"LastExitStatus" = (\d+);/.exec(output)?.[1];
    status.facts.push(["state", "loaded"]);
    if (exit) status.facts.push(["last exit code", exit]);
  }
  const logged = await system.modifiedAt(LAUNCHD_LOG);
  status.facts.push(["last run", logged ? `${formatLocalTime(logged)} (last write to ${LAUNCHD_LOG})` : `unknown (${LAUNCHD_LOG} does not exist yet)`]);
  status.facts.push(["next run", "launchd does not tell; the interval counts from when the job was loaded (boot or install)"]);
  status.installed = status.problems.length === 0;
  return status;
}

function splitCommand(args: string[]): [string, string[]] {
  return [args[0] ?? "", args.slice(1)];
}
