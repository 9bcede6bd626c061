import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fail, FakeScheduleSystem, linuxJob, ok } from "./fake-system.js";
import { calendarCadence, parseEvery } from "./job.js";
import {
  onCalendar,
  parseSystemctlShow,
  parseSystemdVersion,
  randomizedDelaySeconds,
  systemdInstallSteps,
  systemdQuote,
  systemdRemoveSteps,
  systemdServiceUnit,
  systemdSpan,
  systemdStatus,
  systemdTimerUnit,
} from "./systemd.js";

const run = promisify(execFile);

const job = linuxJob;

describe("systemd units", () => {
  it("writes a oneshot root service that runs the scan at low priority", () => {
    expect(systemdServiceUnit(job())).toBe(`# caveat schedule: every 6h (written by caveat schedule install; remove with caveat schedule remove)
[Unit]
Description=caveat: inventory this machine and submit it to the collector
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=root
ExecStart=/usr/bin/node /opt/caveat/caveat-agent.mjs scan --submit --config /etc/caveat/agent.json
Nice=10
IOSchedulingClass=idle
TimeoutStartSec=30min
`);
  });

  it("writes a calendar timer with a catch-up and a per-machine random delay of at most an hour", () => {
    expect(systemdTimerUnit(job("6h"), { fixedRandomDelay: true })).toBe(`# caveat schedule: every 6h (written by caveat schedule install; remove with caveat schedule remove)
[Unit]
Description=caveat: scan and submit every 6h

[Timer]
OnCalendar=*-*-* 00/6:00:00
Persistent=true
# Spreads a fleet's scans over half the interval, at most an hour, instead of the same minute (docs/agent-schedule.md).
RandomizedDelaySec=1h
FixedRandomDelay=true

[Install]
WantedBy=timers.target
`);
  });

  it("counts from boot and the last run when the interval does not divide the calendar, and leaves out FixedRandomDelay before systemd 247", () => {
    expect(systemdTimerUnit(job("5h"), { fixedRandomDelay: false })).toBe(`# caveat schedule: every 5h (written by caveat schedule install; remove with caveat schedule remove)
[Unit]
Description=caveat: scan and submit every 5h

[Timer]
OnBootSec=5min
OnUnitActiveSec=5h
# Spreads a fleet's scans over half the interval, at most an hour, instead of the same minute (docs/agent-schedule.md).
RandomizedDelaySec=1h

[Install]
WantedBy=timers.target
`);
  });

  it.each([
    ["15m", "*-*-* *:00/15:00"],
    ["30m", "*-*-* *:00/30:00"],
    ["1h", "*-*-* 00/1:00:00"],
    ["8h", "*-*-* 00/8:00:00"],
    ["1d", "*-*-* 00:00:00"],
    ["7d", "Mon *-*-* 00:00:00"],
  ])("every %s is OnCalendar=%s", (every, spec) => {
    expect(systemdTimerUnit(job(every), { fixedRandomDelay: true })).toContain(`\nOnCalendar=${spec}\nPersistent=true\n`);
  });

  it("delays by half the interval, never more than an hour (a PC on for 8 hours a day must still get its daily scan)", () => {
    expect(["15m", "30m", "1h", "2h", "6h", "1d", "7d"].map((every) => randomizedDelaySeconds(parseEvery(every)))).toEqual([450, 900, 1800, 3600, 3600, 3600, 3600]);
    expect(systemdTimerUnit(job("15m"), { fixedRandomDelay: true })).toContain("\nRandomizedDelaySec=7min 30s\n");
  });

  it("formats spans the way systemd writes them", () => {
    expect([450, 1800, 3600, 5400, 9000, 302400].map(systemdSpan)).toEqual(["7min 30s", "30min", "1h", "1h 30min", "2h 30min", "84h"]);
  });

  it("quotes ExecStart words only when needed and escapes % and $", () => {
    expect(systemdQuote("/usr/bin/node")).toBe("/usr/bin/node");
    expect(systemdQuote("/opt/my agent/caveat.mjs")).toBe('"/opt/my agent/caveat.mjs"');
    expect(systemdQuote('/opt/say "hi"\\x')).toBe('"/opt/say \\"hi\\"\\\\x"');
    expect(systemdQuote("/opt/100%/$HOME")).toBe('"/opt/100%%/$$HOME"');
    expect(systemdQuote("/opt/100%")).toBe("/opt/100%%");
    expect(() => systemdQuote("/opt/a\nb")).toThrow(/control character/);
    const spaced = systemdServiceUnit(job("6h", { agent: "/opt/My Agent/caveat-agent.mjs" }));
    expect(spaced).toContain('\nExecStart=/usr/bin/node "/opt/My Agent/caveat-agent.mjs" scan --submit --config /etc/caveat/agent.json\n');
  });

  // The real parser: systemd-analyze reads the units as systemd would (it is installed with systemd, even where systemd is not running).
  it.runIf(existsSync("/usr/bin/systemd-analyze"))("passes systemd-analyze verify without a warning: calendar and monotonic timers, paths with spaces", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-schedule-"));
    const spaced = join(dir, "My Agent");
    await mkdir(spaced);
    await writeFile(join(spaced, "caveat-agent.mjs"), "");
    await symlink(process.execPath, join(spaced, "node 20"));
    for (const [every, fixed] of [["6h", true], ["90m", false], ["7d", true]] as const) {
      const unitJob = job(every, { node: join(spaced, "node 20"), agent: join(spaced, "caveat-agent.mjs") });
      await writeFile(join(dir, "caveat-agent.service"), systemdServiceUnit(unitJob));
      await writeFile(join(dir, "caveat-agent.timer"), systemdTimerUnit(unitJob, { fixedRandomDelay: fixed }));
      const { stdout, stderr } = await run("systemd-analyze", ["verify", join(dir, "caveat-agent.timer"), join(dir, "caveat-agent.service")]);
      expect({ every, stdout, stderr }).toEqual({ every, stdout: "", stderr: "" });
    }
    const specs = ["15m", "20m", "30m", "1h", "3h", "12h", "1d", "7d"].map((every) => onCalendar(calendarCadence(parseEvery(every))!));
    const { stdout } = await run("systemd-analyze", ["calendar", ...specs]);
    expect(stdout.match(/Next elapse:/g)).toHaveLength(specs.length);
  });

  it("reads the systemd version from systemctl", () => {
    expect(parseSystemdVersion("Version=252.39-1~deb12u2\n")).toBe(252);
    expect(parseSystemdVersion("systemd 239 (239-78.el8)\n+PAM +AUDIT\n")).toBe(239);
    expect(parseSystemdVersion("")).toBeUndefined();
  });
});

describe("systemd install and remove", () => {
  it("writes both units, reloads, enables and restarts the timer (a re-install takes effect at once)", () => {
    const steps = systemdInstallSteps(job(), { fixedRandomDelay: true });
    expect(steps.map((s) => (s.kind === "run" ? `run ${s.command} ${s.args.join(" ")}` : `${s.kind} ${s.path}`))).toEqual([
      "write /etc/systemd/system/caveat-agent.service",
      "write /etc/systemd/system/caveat-agent.timer",
      "run systemctl daemon-reload",
      "run systemctl enable caveat-agent.timer",
      "run systemctl restart caveat-agent.timer",
    ]);
    expect(steps.filter((s) => s.kind === "write").map((s) => (s.kind === "write" ? s.mode : 0))).toEqual([0o644, 0o644]);
  });

  it("removes only what exists, and nothing at all when nothing does", () => {
    expect(systemdRemoveSteps({ service: false, timer: false })).toEqual([]);
    expect(systemdRemoveSteps({ service: true, timer: true })).toEqual([
      { kind: "run", command: "systemctl", args: ["disable", "--now", "caveat-agent.timer"], mayFail: true },
      { kind: "remove", path: "/etc/systemd/system/caveat-agent.timer" },
      { kind: "remove", path: "/etc/systemd/system/caveat-agent.service" },
      { kind: "run", command: "systemctl", args: ["daemon-reload"] },
    ]);
  });
});

describe("systemd status", () => {
  // `systemctl show --property=...` prints Key=Value lines; timestamps as systemd formats them.
  const timerShow = [
    "NextElapseUSecRealtime=Mon 2026-11-23 18:00:00 UTC",
    "NextElapseUSecMonotonic=infinity",
    "LastTriggerUSec=Mon 2026-11-23 12:41:07 UTC",
    "LoadState=loaded",
    "ActiveState=active",
    "SubState=waiting",
    "UnitFileState=enabled",
    "",
  ].join("\n");
  const serviceShow = "Result=success\nExecMainStatus=0\nActiveState=inactive\n";

  const systemWith = (timer: string, service: string) => {
    const system = new FakeScheduleSystem("linux", (_command, args) => (args[1]!.endsWith(".timer") ? ok(timer) : ok(service)));
    system.add("/etc/systemd/system/caveat-agent.timer", systemdTimerUnit(job(), { fixedRandomDelay: true }));
    system.add("/etc/systemd/system/caveat-agent.service", systemdServiceUnit(job()));
    return system;
  };

  it("shows the interval, state, last and next run of an installed timer", async () => {
    const status = await systemdStatus(systemWith(timerShow, serviceShow));
    expect(status).toEqual({
      scheduler: "systemd timer",
      installed: true,
      facts: [
        ["every", "6h"],
        ["files", "/etc/systemd/system/caveat-agent.timer, /etc/systemd/system/caveat-agent.service"],
        ["command", "/usr/bin/node /opt/caveat/caveat-agent.mjs scan --submit --config /etc/caveat/agent.json"],
        ["state", "enabled, active (waiting)"],
        ["last run", "Mon 2026-11-23 12:41:07 UTC (result success, exit status 0)"],
        ["next run", "Mon 2026-11-23 18:00:00 UTC"],
      ],
      problems: [],
      warnings: [],
    });
  });

  it("is not installed when the timer is disabled, and says so", async () => {
    const status = await systemdStatus(systemWith(timerShow.replace("UnitFileState=enabled", "UnitFileState=disabled").replace("ActiveState=active", "ActiveState=inactive").replace("SubState=waiting", "SubState=dead"), serviceShow));
    expect(status.installed).toBe(false);
    expect(status.problems).toEqual(["caveat-agent.timer is not enabled (disabled)", "caveat-agent.timer is not active (inactive)"]);
  });

  it("reports a monotonic timer's next run relative to boot, and a run in progress", async () => {
    const monotonic = timerShow.replace("NextElapseUSecRealtime=Mon 2026-11-23 18:00:00 UTC", "NextElapseUSecRealtime=").replace("NextElapseUSecMonotonic=infinity", "NextElapseUSecMonotonic=1d 3h 12min");
    const status = await systemdStatus(systemWith(monotonic, "Result=success\nExecMainStatus=0\nActiveState=activating\n"));
    expect(Object.fromEntries(status.facts)).toMatchObject({ "next run": "1d 3h 12min after boot", "last run": "Mon 2026-11-23 12:41:07 UTC (running now)" });
  });

  it("is not installed when the unit files do not exist, without asking systemctl", async () => {
    const system = new FakeScheduleSystem("linux", () => fail(1));
    expect(await systemdStatus(system)).toMatchObject({ installed: false, problems: ["/etc/systemd/system/caveat-agent.timer does not exist"] });
    expect(system.runs).toEqual([]);
  });

  it("parses systemctl show output", () => {
    expect(parseSystemctlShow("A=1\nB=x=y\nbroken\nC=\n")).toEqual({ A: "1", B: "x=y", C: "" });
  });
});
