import { chmod, mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandNotFound } from "../host/host.js";
import { fail, FakeScheduleSystem, ok } from "./fake-system.js";
import { ScheduleError } from "./job.js";
import { applySteps, describeSteps, LiveScheduleSystem, posixCommandLine, shellQuote, type Step } from "./system.js";

describe("plans", () => {
  const steps: Step[] = [
    { kind: "write", path: "/etc/cron.d/caveat", content: "# one\n0 * * * * root true\n", mode: 0o644 },
    { kind: "remove", path: "/etc/old" },
    { kind: "run", command: "launchctl", args: ["bootout", "system/com.caveat.agent"], mayFail: true },
    { kind: "run", command: "crontab", args: ["-"], input: "0 3 * * * backup\n" },
  ];

  it("describes every file and command for --dry-run", () => {
    expect(describeSteps(steps, posixCommandLine)).toBe(`would write /etc/cron.d/caveat (mode 644):
    # one
    0 * * * * root true
would remove /etc/old
would run: launchctl bootout system/com.caveat.agent   (may fail: nothing to undo)
would run: crontab -
    | 0 3 * * * backup
`);
  });

  it("applies them in order; a command allowed to fail is logged, another one stops everything", async () => {
    const system = new FakeScheduleSystem("linux", (command) => (command === "launchctl" ? fail(113, "Could not find service\n") : ok()));
    system.add("/etc/old");
    const logs: string[] = [];
    await applySteps(system, steps, posixCommandLine, (m) => logs.push(m));
    expect(logs).toEqual([
      "wrote /etc/cron.d/caveat",
      "removed /etc/old",
      "ran launchctl bootout system/com.caveat.agent: exit 113 (Could not find service); nothing to undo",
      "ran crontab -",
    ]);
    expect(system.runs[1]).toEqual({ command: "crontab", args: ["-"], input: "0 3 * * * backup\n" });
    const failing = new FakeScheduleSystem("linux", () => fail(1, "", "crontab: installing new crontab\nerrors in crontab file\n"));
    await expect(applySteps(failing, [steps[3]!, steps[0]!], posixCommandLine, () => undefined)).rejects.toThrow(new ScheduleError("crontab - failed (exit 1): crontab: installing new crontab", "failed"));
    expect(failing.files.size).toBe(0);
    const missing = new FakeScheduleSystem("linux");
    await expect(applySteps(missing, [steps[3]!], posixCommandLine, () => undefined)).rejects.toThrow("crontab is not installed (needed to run: crontab -)");
  });

  it("explains a permission error: a system-wide schedule needs root or an Administrator", async () => {
    const system = new FakeScheduleSystem("linux");
    system.writeFile = async () => {
      throw Object.assign(new Error("EACCES: permission denied, open '/etc/cron.d/caveat.123.1.tmp'"), { code: "EACCES" });
    };
    await expect(applySteps(system, [steps[0]!], posixCommandLine, () => undefined)).rejects.toThrow(
      new ScheduleError("cannot write /etc/cron.d/caveat (EACCES): installing a system-wide schedule needs root (sudo) or an Administrator prompt", "failed"),
    );
  });

  it("quotes for sh only what needs it", () => {
    expect(posixCommandLine("/usr/bin/node", ["/opt/my agent/x.mjs", "it's", "a=b", ""])).toBe("/usr/bin/node '/opt/my agent/x.mjs' 'it'\\''s' a=b ''");
    expect(shellQuote("$HOME")).toBe("'$HOME'");
  });
});

describe("the live system", () => {
  const live = new LiveScheduleSystem();

  it("runs programs with stdin, reports exit codes and missing programs", async () => {
    expect(await live.run("sh", ["-c", "tr a-z A-Z; exit 3"], "crontab text\n")).toEqual({ stdout: "CRONTAB TEXT\n", stderr: "", exitCode: 3 });
    // A program that never reads stdin must not turn into an EPIPE failure.
    expect((await live.run("true", [], "x".repeat(1 << 20))).exitCode).toBe(0);
    await expect(live.run("caveat-no-such-program", [])).rejects.toThrow(CommandNotFound);
  });

  it("writes files with the mode cron and launchd insist on, and removes them idempotently", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-schedule-"));
    const file = join(dir, "cron.d", "caveat");
    await live.writeFile(file, "x\n", 0o644);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await live.readFile(file)).toBe("x\n");
    expect(await live.exists(join(dir, "cron.d"))).toBe(true);
    expect(await live.removeFile(file)).toBe(true);
    expect(await live.removeFile(file)).toBe(false);
    expect(await live.readFile(file)).toBeUndefined();
    expect(await live.modifiedAt(file)).toBeUndefined();
  });

  it("notices a root job's file that another user could replace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-schedule-"));
    await mkdir(join(dir, "lib"));
    const agent = join(dir, "lib", "caveat-agent.mjs");
    await writeFile(agent, "");
    await chmod(agent, 0o755);
    // mkdtemp makes a 700 folder inside the sticky /tmp: safe, as long as this runs as root.
    if (process.getuid?.() === 0) expect(await live.writableByOthers(agent)).toBeUndefined();
    await chmod(join(dir, "lib"), 0o777);
    expect(await live.writableByOthers(agent)).toMatch(process.getuid?.() === 0 ? /lib is writable by every user$/ : /is owned by uid \d+$/);
    expect(await live.writableByOthers(join(dir, "missing"))).toBeUndefined();
  });
});
