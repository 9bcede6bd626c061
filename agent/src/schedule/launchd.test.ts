import { describe, expect, it } from "vitest";
import { fail, FakeScheduleSystem, ok } from "./fake-system.js";
import { parseEvery, type ScheduledJob } from "./job.js";
import { isModernLaunchctl, launchdInstallSteps, launchdPlist, launchdRemoveSteps, launchdStatus, parseLaunchctlPrint, plistArguments, xmlEscape } from "./launchd.js";

const job = (over: Partial<ScheduledJob> = {}): ScheduledJob => ({
  node: "/usr/local/bin/node",
  agent: "/usr/local/lib/caveat/caveat-agent.mjs",
  config: "/etc/caveat/agent.json",
  every: parseEvery("6h"),
  ...over,
});

describe("launchd plist", () => {
  it("writes a LaunchDaemon that starts at load and every interval, logging to /Library/Logs", () => {
    expect(launchdPlist(job())).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- caveat schedule: every 6h (written by caveat schedule install; remove with caveat schedule remove) -->
<plist version="1.0">
<dict>
\t<key>Label</key>
\t<string>com.caveat.agent</string>
\t<key>ProgramArguments</key>
\t<array>
\t\t<string>/usr/local/bin/node</string>
\t\t<string>/usr/local/lib/caveat/caveat-agent.mjs</string>
\t\t<string>scan</string>
\t\t<string>--submit</string>
\t\t<string>--config</string>
\t\t<string>/etc/caveat/agent.json</string>
\t</array>
\t<key>StartInterval</key>
\t<integer>21600</integer>
\t<key>RunAtLoad</key>
\t<true/>
\t<key>StandardOutPath</key>
\t<string>/Library/Logs/caveat-agent.log</string>
\t<key>StandardErrorPath</key>
\t<string>/Library/Logs/caveat-agent.log</string>
\t<key>Nice</key>
\t<integer>10</integer>
\t<key>LowPriorityIO</key>
\t<true/>
</dict>
</plist>
`);
  });

  it("escapes XML in arguments and reads them back exactly", () => {
    const odd = job({ agent: `/Users/Shared/R&D <tools>/"caveat" it's.mjs` });
    const plist = launchdPlist(odd);
    expect(plist).toContain("\t\t<string>/Users/Shared/R&amp;D &lt;tools&gt;/&quot;caveat&quot; it&apos;s.mjs</string>\n");
    expect(plistArguments(plist)).toEqual([odd.node, odd.agent, "scan", "--submit", "--config", odd.config]);
    expect(xmlEscape("&amp;")).toBe("&amp;amp;");
    expect(() => launchdPlist(job({ config: "/etc/caveat/a\u0001.json" }))).toThrow(/control character/);
  });
});

describe("launchd install and remove", () => {
  it("boots out the old job, enables the label and bootstraps the plist, retrying bootstrap", () => {
    expect(launchdInstallSteps(job(), true).slice(1)).toEqual([
      { kind: "run", command: "launchctl", args: ["bootout", "system/com.caveat.agent"], mayFail: true },
      { kind: "run", command: "launchctl", args: ["enable", "system/com.caveat.agent"] },
      { kind: "run", command: "launchctl", args: ["bootstrap", "system", "/Library/LaunchDaemons/com.caveat.agent.plist"], attempts: 3 },
    ]);
    expect(launchdInstallSteps(job(), true)[0]).toEqual({ kind: "write", path: "/Library/LaunchDaemons/com.caveat.agent.plist", content: launchdPlist(job()), mode: 0o644 });
  });

  it("uses load/unload before OS X 10.10 (Darwin 14)", () => {
    expect(isModernLaunchctl("13.4.0")).toBe(false);
    expect(isModernLaunchctl("14.0.0")).toBe(true);
    expect(isModernLaunchctl("23.1.0")).toBe(true);
    expect(launchdInstallSteps(job(), false).slice(1)).toEqual([
      { kind: "run", command: "launchctl", args: ["unload", "/Library/LaunchDaemons/com.caveat.agent.plist"], mayFail: true },
      { kind: "run", command: "launchctl", args: ["load", "-w", "/Library/LaunchDaemons/com.caveat.agent.plist"] },
    ]);
  });

  it("removes what is there and nothing when nothing is", () => {
    expect(launchdRemoveSteps(true, { plist: false, loaded: false })).toEqual([]);
    expect(launchdRemoveSteps(true, { plist: true, loaded: true })).toEqual([
      { kind: "run", command: "launchctl", args: ["bootout", "system/com.caveat.agent"], mayFail: true },
      { kind: "remove", path: "/Library/LaunchDaemons/com.caveat.agent.plist" },
    ]);
    expect(launchdRemoveSteps(false, { plist: true, loaded: false })).toEqual([
      { kind: "run", command: "launchctl", args: ["unload", "/Library/LaunchDaemons/com.caveat.agent.plist"], mayFail: true },
      { kind: "remove", path: "/Library/LaunchDaemons/com.caveat.agent.plist" },
    ]);
  });
});

describe("launchd status", () => {
  // The shape of `launchctl print system/<label>` (macOS 11 and later): one tab for the service's own keys.
  const printed = [
    "system/com.caveat.agent = {",
    "\tactive count = 0",
    "\tpath = /Library/LaunchDaemons/com.caveat.agent.plist",
    "\ttype = LaunchDaemon",
    "\tstate = not running",
    "",
    "\tprogram = /usr/local/bin/node",
    "\targuments = {",
    "\t\t/usr/local/bin/node",
    "\t\tscan",
    "\t}",
    "",
    "\truns = 4",
    "\tlast exit code = 0",
    "\trun interval = 21600 seconds",
    "}",
    "",
  ].join("\n");

  it("parses the service's own keys, not the nested ones", () => {
    expect(parseLaunchctlPrint(printed)).toMatchObject({ state: "not running", runs: "4", "last exit code": "0", "run interval": "21600 seconds", program: "/usr/local/bin/node" });
  });

  it("shows the interval, command, state, last exit code and the log's time as the last run", async () => {
    const system = new FakeScheduleSystem("darwin", (_c, args) => (args[0] === "print" ? ok(printed) : fail(1))).add("/Library/LaunchDaemons/com.caveat.agent.plist", launchdPlist(job()));
    system.files.set("/Library/Logs/caveat-agent.log", { content: "", mode: 0o644, mtime: new Date(2026, 10, 23, 7, 3) });
    const status = await launchdStatus(system, true);
    expect(status.installed).toBe(true);
    expect(Object.fromEntries(status.facts)).toEqual({
      every: "6h",
      file: "/Library/LaunchDaemons/com.caveat.agent.plist",
      command: "/usr/local/bin/node /usr/local/lib/caveat/caveat-agent.mjs scan --submit --config /etc/caveat/agent.json",
      state: "not running, 4 runs since loaded",
      "last exit code": "0",
      "last run": expect.stringMatching(/^2026-11-23 07:03 .*\(last write to \/Library\/Logs\/caveat-agent\.log\)$/),
      "next run": "launchd does not tell; the interval counts from when the job was loaded (boot or install)",
    });
  });

  it("is not installed when the plist is there but not loaded, or absent", async () => {
    // launchctl print answers 113 for a label it does not know.
    const system = new FakeScheduleSystem("darwin", () => fail(113, 'Could not find service "com.caveat.agent" in domain for system\n'));
    expect(await launchdStatus(system, true)).toMatchObject({ installed: false, problems: ["/Library/LaunchDaemons/com.caveat.agent.plist does not exist"] });
    system.add("/Library/LaunchDaemons/com.caveat.agent.plist", launchdPlist(job()));
    expect(await launchdStatus(system, true)).toMatchObject({ installed: false, problems: ["com.caveat.agent is not loaded into launchd (run caveat schedule install again)"] });
  });
});
