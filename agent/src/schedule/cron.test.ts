import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  cronCommand,
  cronFields,
  cronFile,
  cronStatus,
  crontabBlock,
  crontabBlockOf,
  crontabInstallSteps,
  crontabRemoveSteps,
  nextCronRun,
  parseCronEntry,
  replaceCrontabBlock,
} from "./cron.js";
import { fail, FakeScheduleSystem, linuxJob, ok } from "./fake-system.js";
import { parseEvery, ScheduleError } from "./job.js";

const job = linuxJob;

const LINE_COMMAND =
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin nice -n 10 /usr/bin/node /opt/caveat/caveat-agent.mjs scan --submit --config /etc/caveat/agent.json >>/var/log/caveat-agent.log 2>&1";

describe("cron entries", () => {
  it("writes /etc/cron.d/caveat: the machine's own minute, run as root, output to the log", () => {
    expect(cronFile(job("6h"), 137)).toBe(`# caveat schedule: every 6h (written by caveat schedule install; remove with caveat schedule remove)
# The minute is fixed per machine (derived from its machine id): a fleet's scans spread over the whole interval.
17 2,8,14,20 * * * root ${LINE_COMMAND}
`);
  });

  it.each([
    ["15m", 7, "7,22,37,52 * * * *"],
    ["20m", 0, "0,20,40 * * * *"],
    ["30m", 29, "29,59 * * * *"],
    ["1h", 59, "59 * * * *"],
    ["2h", 119, "59 1,3,5,7,9,11,13,15,17,19,21,23 * * *"],
    ["8h", 0, "0 0,8,16 * * *"],
    ["12h", 700, "40 11,23 * * *"],
    ["1d", 1439, "59 23 * * *"],
    ["7d", 0, "0 0 * * 0"],
    ["7d", 10079, "59 23 * * 6"],
  ])("every %s with offset %i is %s", (every, offset, expected) => {
    const f = cronFields(parseEvery(every), offset);
    expect([f.minute, f.hour, f.dayOfMonth, f.month, f.dayOfWeek].join(" ")).toBe(expected);
  });

  it("refuses intervals cron cannot repeat evenly, naming the ones it can", () => {
    for (const every of ["45m", "90m", "5h", "2d"]) {
      expect(() => cronFields(parseEvery(every), 0)).toThrow(ScheduleError);
      expect(() => cronFields(parseEvery(every), 0)).toThrow(`--every ${every}: cron can only repeat 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d or 7d evenly`);
    }
  });

  it("escapes % (cron's newline) and quotes for sh", () => {
    expect(cronCommand(job("6h", { agent: "/opt/100% caveat/it's.mjs" }))).toBe(
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin nice -n 10 /usr/bin/node '/opt/100\\% caveat/it'\\''s.mjs' scan --submit --config /etc/caveat/agent.json >>/var/log/caveat-agent.log 2>&1",
    );
  });

  // The real shell: what cron hands to /bin/sh (after turning \% back into %) reaches the program as the exact arguments.
  it("round-trips odd paths through cron's % rule and /bin/sh", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-cron-"));
    const bin = join(dir, "it's 100% $HOME");
    await mkdir(bin);
    const dumper = join(bin, "node");
    await writeFile(dumper, '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n');
    await chmod(dumper, 0o755);
    const odd = job("6h", { node: dumper, agent: join(bin, 'caveat "agent".mjs'), config: join(bin, "a`b`;c.json") });
    const log = join(dir, "run.log");
    const line = cronFile(odd, 0).split("\n")[2]!;
    const command = parseCronEntry(line, true)!.command.replace(/\\%/g, "%").replace(">>/var/log/caveat-agent.log", `>>${log}`);
    await promisify(execFile)("/bin/sh", ["-c", command]);
    expect(await readFile(log, "utf8")).toBe(`[${odd.agent}]\n[scan]\n[--submit]\n[--config]\n[${odd.config}]\n`);
  });

  it("computes the next run in local time", () => {
    const fields = cronFields(parseEvery("6h"), 137);
    expect(nextCronRun(fields, new Date(2026, 10, 23, 12, 0))).toEqual(new Date(2026, 10, 23, 14, 17));
    expect(nextCronRun(fields, new Date(2026, 10, 23, 20, 17, 30))).toEqual(new Date(2026, 10, 24, 2, 17));
    // 2026-11-23 is a Monday; weekday 3 is Wednesday.
    expect(nextCronRun(cronFields(parseEvery("7d"), 3 * 1440 + 61), new Date(2026, 10, 23, 12, 0))).toEqual(new Date(2026, 10, 25, 1, 1));
    expect(nextCronRun({ minute: "*/5", hour: "*", dayOfMonth: "*", month: "*", dayOfWeek: "*" }, new Date())).toBeUndefined();
  });
});

describe("root's crontab (no /etc/cron.d)", () => {
  const theirs = "MAILTO=ops@example.net\n# nightly backup\n0 3 * * * /usr/local/bin/backup\n";

  it("appends a marked block without a user field and keeps every other line", () => {
    const block = crontabBlock(job("1d"), 75);
    expect(block).toBe(`# BEGIN caveat schedule: every 1d (written by caveat schedule install; remove with caveat schedule remove)
15 1 * * * ${LINE_COMMAND}
# END caveat schedule
`);
    const installed = replaceCrontabBlock(theirs, block);
    expect(installed).toBe(`${theirs}${block}`);
    // Re-install replaces the block; remove restores the crontab exactly.
    expect(replaceCrontabBlock(installed, crontabBlock(job("12h"), 75))).toBe(`${theirs}${crontabBlock(job("12h"), 75)}`);
    expect(replaceCrontabBlock(installed, undefined)).toBe(theirs);
    expect(replaceCrontabBlock("", block)).toBe(block);
  });

  it("pipes the new crontab into crontab -, and removes nothing when there is no block", () => {
    expect(crontabInstallSteps(job("1d"), 75, theirs)).toEqual([{ kind: "run", command: "crontab", args: ["-"], input: `${theirs}${crontabBlock(job("1d"), 75)}` }]);
    expect(crontabRemoveSteps(theirs)).toEqual([]);
    expect(crontabRemoveSteps(`${theirs}${crontabBlock(job("1d"), 75)}`)).toEqual([{ kind: "run", command: "crontab", args: ["-"], input: theirs }]);
  });
});

describe("cron status", () => {
  it("shows the interval, schedule, command, last run (the log) and next run", async () => {
    const system = new FakeScheduleSystem("linux").add("/etc/cron.d/caveat", cronFile(job("6h"), 137)).add("/usr/sbin/cron");
    system.files.set("/var/log/caveat-agent.log", { content: "", mode: 0o644, mtime: new Date(2026, 10, 23, 8, 17, 4) });
    const status = await cronStatus(system, { kind: "cron.d", dir: "/etc/cron.d" });
    expect(status.installed).toBe(true);
    expect(status.warnings).toEqual([]);
    expect(Object.fromEntries(status.facts)).toEqual({
      every: "6h",
      file: "/etc/cron.d/caveat",
      schedule: "17 2,8,14,20 * * * (minute hour day month weekday, local time)",
      command: LINE_COMMAND,
      "last run": expect.stringMatching(/^2026-11-23 08:17 [+-]\d\d:\d\d \(last write to \/var\/log\/caveat-agent\.log\)$/),
      "next run": expect.stringMatching(/^2026-11-23 14:17 /),
    });
  });

  it("is installed but warns when no cron daemon would run it", async () => {
    const system = new FakeScheduleSystem("linux").add("/tmp/crondir/caveat", cronFile(job("6h"), 0));
    const status = await cronStatus(system, { kind: "cron.d", dir: "/tmp/crondir" });
    expect(status.installed).toBe(true);
    expect(status.warnings).toEqual([expect.stringMatching(/^no cron daemon is installed \(looked for \/usr\/sbin\/cron, .*\): \/tmp\/crondir\/caveat will not run until one is/)]);
    expect(Object.fromEntries(status.facts)["last run"]).toBe("unknown (/var/log/caveat-agent.log does not exist yet)");
  });

  it("reads root's crontab, where there is no crontab at all too", async () => {
    let crontab: string | undefined;
    const system = new FakeScheduleSystem("linux", () => (crontab === undefined ? fail(1, "no crontab for root\n") : ok(crontab))).add("/usr/sbin/crond");
    expect(await cronStatus(system, { kind: "crontab" })).toMatchObject({ installed: false, problems: ["root's crontab has no caveat schedule block"] });
    crontab = `0 3 * * * backup\n${crontabBlock(job("30m"), 3)}`;
    const status = await cronStatus(system, { kind: "crontab" });
    expect(status).toMatchObject({ scheduler: "cron (root's crontab)", installed: true });
    expect(Object.fromEntries(status.facts)).toMatchObject({ every: "30m", schedule: "3,33 * * * * (minute hour day month weekday, local time)" });
    expect(crontabBlockOf(crontab)).toBe(crontabBlock(job("30m"), 3).trimEnd());
  });
});
