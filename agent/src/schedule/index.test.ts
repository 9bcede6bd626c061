import { describe, expect, it } from "vitest";
import { cronFile } from "./cron.js";
import { fail, FakeScheduleSystem, linuxJob, ok, type CommandAnswer } from "./fake-system.js";
import { detectScheduler, formatStatus, installSchedule, machineId, planInstall, planRemove, removeSchedule, scheduleStatus } from "./index.js";
import { parseEvery, ScheduleError, stableOffset } from "./job.js";
import { launchdPlist } from "./launchd.js";
import { systemdServiceUnit, systemdTimerUnit } from "./systemd.js";

const MACHINE_ID = "3d1219c7c4c5404aaa1f6d2a48adfda4";

/** A Linux machine: systemd running (or not), /etc/cron.d (or not), the job's files present. */
function linux(options: { systemd?: boolean; cronDir?: boolean; crontab?: string | null; answer?: (command: string, args: string[]) => CommandAnswer | undefined } = {}) {
  const system = new FakeScheduleSystem("linux", (command, args) => {
    const custom = options.answer?.(command, args);
    if (custom) return custom;
    if (command === "systemctl" && options.systemd) return args[0] === "show" && args[1] === "--property=Version" ? ok("Version=252.39-1~deb12u2\n") : ok();
    if (command === "systemctl") return fail(1, "System has not been booted with systemd as init system (PID 1). Can't operate.\n");
    if (command === "crontab" && options.crontab !== undefined) return options.crontab === null ? fail(1, "no crontab for root\n") : ok(options.crontab);
    return "not-found";
  });
  system.add("/etc/machine-id", `${MACHINE_ID}\n`).add("/usr/bin/node").add("/opt/caveat/caveat-agent.mjs").add("/etc/caveat/agent.json");
  if (options.systemd) system.add("/run/systemd/system/");
  if (options.cronDir) system.add("/etc/cron.d/e2scrub_all").add("/usr/sbin/cron");
  return system;
}

const quiet = { log: () => undefined, print: () => undefined };

describe("choosing the scheduler", () => {
  it("prefers systemd when it is running and answers", async () => {
    expect(await detectScheduler(linux({ systemd: true, cronDir: true }))).toEqual({ kind: "systemd", version: 252, reason: "systemd is running" });
  });

  it("falls back to /etc/cron.d without systemd (a container), then to root's crontab, and says why", async () => {
    expect(await detectScheduler(linux({ cronDir: true }))).toEqual({ kind: "cron.d", dir: "/etc/cron.d", reason: "systemd is not running (no /run/systemd/system); /etc/cron.d exists" });
    expect(await detectScheduler(linux({ crontab: null }))).toEqual({ kind: "crontab", reason: "systemd is not running (no /run/systemd/system); no /etc/cron.d, but crontab is installed" });
  });

  it("does not trust /run/systemd/system when systemctl cannot talk to systemd", async () => {
    const system = linux({ cronDir: true, answer: (command) => (command === "systemctl" ? fail(1, "Failed to connect to bus: No such file or directory\n") : undefined) }).add("/run/systemd/system/");
    expect(await detectScheduler(system)).toMatchObject({ kind: "cron.d", reason: "systemctl does not answer (exit 1: Failed to connect to bus: No such file or directory); /etc/cron.d exists" });
  });

  it("says clearly when neither systemd nor cron is available", async () => {
    await expect(detectScheduler(linux())).rejects.toThrow(ScheduleError);
    await expect(detectScheduler(linux())).rejects.toThrow(/^neither systemd nor cron is available on this machine \(systemd is not running \(no \/run\/systemd\/system\); no \/etc\/cron.d; no crontab command\): install cron/);
  });

  it("uses CAVEAT_CRON_DIR instead of anything else when it is set", async () => {
    const system = linux({ systemd: true });
    system.env = { CAVEAT_CRON_DIR: "/tmp/cron-test" };
    expect(await detectScheduler(system)).toEqual({ kind: "cron.d", dir: "/tmp/cron-test", reason: "CAVEAT_CRON_DIR names /tmp/cron-test" });
  });

  it("uses launchd on macOS and Task Scheduler on Windows", async () => {
    expect(await detectScheduler(new FakeScheduleSystem("darwin"))).toEqual({ kind: "launchd", modern: true, reason: "macOS" });
    expect(await detectScheduler(new FakeScheduleSystem("windows"))).toEqual({ kind: "schtasks", reason: "Windows" });
  });

  it("takes the machine id from /etc/machine-id, the Windows MachineGuid, else the host name", async () => {
    expect(await machineId(linux())).toBe(MACHINE_ID);
    const windows = new FakeScheduleSystem("windows", () => ok("\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6f0c9e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6\r\n\r\n"));
    expect(await machineId(windows)).toBe("6f0c9e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6");
    expect(windows.runs[0]).toEqual({ command: "reg", args: ["query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid", "/reg:64"] });
    expect(await machineId(new FakeScheduleSystem("linux"))).toBe("reception-pc");
  });
});

describe("install", () => {
  it("on systemd: writes both units with FixedRandomDelay (systemd 252) and removes an old cron entry", async () => {
    const system = linux({ systemd: true, cronDir: true }).add("/etc/cron.d/caveat", "old");
    const plan = await planInstall(system, linuxJob());
    expect(plan.steps.map((s) => (s.kind === "run" ? `run ${s.args.join(" ")}` : `${s.kind} ${s.path}`))).toEqual([
      "write /etc/systemd/system/caveat-agent.service",
      "write /etc/systemd/system/caveat-agent.timer",
      "run daemon-reload",
      "run enable caveat-agent.timer",
      "run restart caveat-agent.timer",
      "remove /etc/cron.d/caveat",
    ]);
    expect(plan.steps[1]).toMatchObject({ content: systemdTimerUnit(linuxJob(), { fixedRandomDelay: true }) });
    await installSchedule(system, linuxJob(), quiet);
    expect(system.files.get("/etc/systemd/system/caveat-agent.service")).toMatchObject({ content: systemdServiceUnit(linuxJob()), mode: 0o644 });
    expect(system.files.has("/etc/cron.d/caveat")).toBe(false);
  });

  it("on cron: writes /etc/cron.d/caveat at this machine's minute, the same minute every time", async () => {
    const system = linux({ cronDir: true });
    await installSchedule(system, linuxJob("6h"), quiet);
    const first = system.files.get("/etc/cron.d/caveat")!.content;
    expect(first).toBe(cronFile(linuxJob("6h"), stableOffset(MACHINE_ID, 360)));
    await installSchedule(system, linuxJob("6h"), quiet);
    expect(system.files.get("/etc/cron.d/caveat")!.content).toBe(first);
  });

  it("on root's crontab: keeps the other entries", async () => {
    const system = linux({ crontab: "0 3 * * * /usr/local/bin/backup\n" });
    await installSchedule(system, linuxJob("1d"), quiet);
    const written = system.runs.find((r) => r.command === "crontab" && r.args[0] === "-");
    expect(written?.input).toMatch(/^0 3 \* \* \* \/usr\/local\/bin\/backup\n# BEGIN caveat schedule: every 1d .*\n\d+ \d+ \* \* \* PATH=.*\n# END caveat schedule\n$/);
  });

  it("on macOS: writes the plist and bootstraps it", async () => {
    const job = { node: "/usr/local/bin/node", agent: "/usr/local/lib/caveat/caveat-agent.mjs", config: "/etc/caveat/agent.json", every: parseEvery("6h") };
    const system = new FakeScheduleSystem("darwin", () => ok()).add(job.node).add(job.agent).add(job.config);
    await installSchedule(system, job, quiet);
    expect(system.files.get("/Library/LaunchDaemons/com.caveat.agent.plist")?.content).toBe(launchdPlist(job));
    expect(system.runs.map((r) => `${r.command} ${r.args.join(" ")}`)).toEqual([
      "launchctl bootout system/com.caveat.agent",
      "launchctl enable system/com.caveat.agent",
      "launchctl bootstrap system /Library/LaunchDaemons/com.caveat.agent.plist",
    ]);
  });

  it("retries launchctl bootstrap while the old job is still going away", async () => {
    let bootstraps = 0;
    const system = new FakeScheduleSystem("darwin", (_c, args) => (args[0] === "bootstrap" && ++bootstraps < 3 ? fail(5, "Bootstrap failed: 5: Input/output error\n") : ok()));
    const job = { node: "/n", agent: "/a", config: "/c", every: parseEvery("6h") };
    system.add("/n").add("/a").add("/c");
    await installSchedule(system, job, quiet);
    expect(bootstraps).toBe(3);
  });

  it("on Windows: creates the task with this machine's start time, then sets its power and catch-up settings", async () => {
    const job = { node: "C:\\Program Files\\nodejs\\node.exe", agent: "C:\\ProgramData\\caveat\\caveat-agent.mjs", config: "C:\\ProgramData\\caveat\\agent.json", every: parseEvery("6h") };
    const system = new FakeScheduleSystem("windows", (command) =>
      command === "reg" ? ok("    MachineGuid    REG_SZ    6f0c9e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6\r\n") : command === "powershell.exe" ? fail(1, "Set-ScheduledTask : Access is denied.") : ok("SUCCESS: The scheduled task \"caveat\\agent\" has successfully been created.\r\n"),
    );
    system.add(job.node).add(job.agent).add(job.config);
    const logs: string[] = [];
    await installSchedule(system, job, { ...quiet, log: (m) => logs.push(m) });
    const create = system.runs.find((r) => r.command === "schtasks")!;
    expect(create.args.slice(0, 9)).toEqual(["/Create", "/TN", "caveat\\agent", "/SC", "HOURLY", "/MO", "6", "/ST", expect.stringMatching(/^0[0-5]:\d\d$/)]);
    expect(logs).toContain(
      "warning: powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"$ErrorActionPreference = 'Stop'; $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30); Set-ScheduledTask -TaskPath '\\caveat\\' -TaskName 'agent' -Settings $settings | Out-Null\" failed (exit 1: Set-ScheduledTask : Access is denied.); the task is installed but keeps Task Scheduler's defaults (no runs on battery, missed runs skipped)",
    );
  });

  it("refuses a node or agent that does not exist, and warns about a missing config or a file others can replace", async () => {
    const system = linux({ cronDir: true });
    await expect(planInstall(system, { ...linuxJob(), agent: "/opt/nowhere.mjs" })).rejects.toThrow("--agent /opt/nowhere.mjs: does not exist");
    await expect(planInstall(system, { ...linuxJob(), node: "node" })).rejects.toThrow("--node node: must be an absolute path");
    system.files.delete("/etc/caveat/agent.json");
    system.unsafe.set("/opt/caveat/caveat-agent.mjs", "/opt/caveat is owned by uid 1000");
    const { warnings } = await planInstall(system, linuxJob());
    expect(warnings).toEqual([
      "/etc/caveat/agent.json does not exist yet: every scheduled scan will fail until it holds submitUrl and token or tokenFile (see docs/agent-submit.md)",
      "/opt/caveat/caveat-agent.mjs runs as root on schedule, but /opt/caveat is owned by uid 1000: whoever can change it gets root. Keep the agent in a folder only root can write (e.g. /usr/local/lib/caveat)",
    ]);
  });

  it("changes nothing with --dry-run and prints every file and command", async () => {
    const system = linux({ systemd: true });
    let printed = "";
    await installSchedule(system, linuxJob(), { ...quiet, dryRun: true, print: (text) => void (printed += text) });
    expect(system.runs.map((r) => r.args.join(" "))).toEqual(["show --property=Version"]);
    expect(system.files.has("/etc/systemd/system/caveat-agent.timer")).toBe(false);
    expect(printed).toContain("scheduler: systemd timer (/etc/systemd/system/caveat-agent.timer): systemd is running\nwould write /etc/systemd/system/caveat-agent.service (mode 644):\n    # caveat schedule: every 6h");
    expect(printed).toContain("    ExecStart=/usr/bin/node /opt/caveat/caveat-agent.mjs scan --submit --config /etc/caveat/agent.json\n");
    expect(printed).toContain("\nwould run: systemctl daemon-reload\nwould run: systemctl enable caveat-agent.timer\nwould run: systemctl restart caveat-agent.timer\n");
  });

  it("stops at the first failing command with what failed and why", async () => {
    const system = linux({ systemd: true, answer: (command, args) => (command === "systemctl" && args[0] === "enable" ? fail(1, "Failed to enable unit: Access denied\n") : undefined) });
    await expect(installSchedule(system, linuxJob(), quiet)).rejects.toThrow("systemctl enable caveat-agent.timer failed (exit 1): Failed to enable unit: Access denied");
  });
});

describe("remove", () => {
  it("removes the systemd units and any cron file, and is a no-op the second time", async () => {
    const system = linux({ systemd: true, cronDir: true }).add("/etc/systemd/system/caveat-agent.service").add("/etc/systemd/system/caveat-agent.timer").add("/etc/cron.d/caveat");
    expect(await removeSchedule(system, quiet)).toBe(true);
    expect([...system.files.keys()].filter((p) => p.startsWith("/etc/systemd/") || p.startsWith("/etc/cron.d/caveat"))).toEqual([]);
    expect(system.runs.map((r) => `${r.command} ${r.args.join(" ")}`)).toContain("systemctl disable --now caveat-agent.timer");
    expect(await removeSchedule(system, quiet)).toBe(false);
    expect(await planRemove(system)).toEqual([]);
  });

  it("only touches CAVEAT_CRON_DIR when it is set", async () => {
    const system = linux({ cronDir: true }).add("/etc/cron.d/caveat").add("/tmp/t/caveat");
    system.env = { CAVEAT_CRON_DIR: "/tmp/t" };
    expect(await planRemove(system)).toEqual([{ kind: "remove", path: "/tmp/t/caveat" }]);
  });

  it("deletes the Windows task only when schtasks finds it", async () => {
    let present = true;
    const system = new FakeScheduleSystem("windows", (_c, args) => (args[0] === "/Query" && !present ? fail(1, "ERROR: The system cannot find the file specified.") : ok()));
    expect(await planRemove(system)).toEqual([{ kind: "run", command: "schtasks", args: ["/Delete", "/TN", "caveat\\agent", "/F"] }]);
    present = false;
    expect(await planRemove(system)).toEqual([]);
  });
});

describe("status", () => {
  it("is not installed, with the reason, when no scheduler exists", async () => {
    const status = await scheduleStatus(linux());
    expect(status).toMatchObject({ scheduler: "none", installed: false });
    expect(formatStatus(status)).toMatch(/^scheduler: none\ninstalled: no\nproblem: neither systemd nor cron is available/);
  });

  it("prints aligned facts, then problems and warnings", () => {
    expect(formatStatus({ scheduler: "cron", installed: true, facts: [["every", "6h"], ["next run", "2026-11-23 14:17 +00:00"]], problems: [], warnings: ["no cron daemon"] })).toBe(
      "scheduler: cron\ninstalled: yes\nevery:     6h\nnext run:  2026-11-23 14:17 +00:00\nwarning: no cron daemon\n",
    );
  });
});
