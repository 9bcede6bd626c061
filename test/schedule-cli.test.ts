// End to end: `caveat schedule` from the built CLI. This Linux machine is a container (no systemd as
// PID 1, no cron daemon), so the real install/status/remove cycle runs against a temporary folder
// standing in for /etc/cron.d (CAVEAT_CRON_DIR); then the command the cron line holds is run through
// /bin/sh, as cron would, against a real collector.
import { execFile } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cronFile, cronOffsetRange, parseCronEntry } from "../agent/src/schedule/cron.js";
import { LiveScheduleSystem, machineId, parseEvery } from "../agent/src/schedule/index.js";
import { stableOffset } from "../agent/src/schedule/job.js";
import { CAVEAT, ROOT, runCli } from "./cli.js";
import { clientWithToken, startServer, type RunningServer } from "./collector-server.js";

const tempDir = () => mkdtemp(join(tmpdir(), "caveat-schedule-e2e-"));
const AGENT = join(ROOT, "dist", "caveat-agent.mjs");

async function configFile(dir: string, settings: Record<string, string> = { submitUrl: "https://caveat.example.net", tokenFile: "token" }): Promise<string> {
  const path = join(dir, "agent.json");
  await writeFile(path, JSON.stringify(settings));
  await chmod(path, 0o600);
  return path;
}

describe("caveat schedule install --dry-run (this machine)", () => {
  it("chooses this machine's scheduler, prints the entry with this node and CLI, and changes nothing", async () => {
    const dir = await tempDir();
    const config = await configFile(dir);
    const cronBefore = existsSync("/etc/cron.d/caveat");
    const result = await runCli(["schedule", "install", "--dry-run", "--config", config]);
    const command = `${process.execPath} ${realpathSync(CAVEAT)} scan --submit --config ${config}`;
    if (existsSync("/run/systemd/system")) {
      expect(result.stdout).toMatch(/^scheduler: systemd timer \(\/etc\/systemd\/system\/caveat-agent\.timer\): systemd is running\n/);
      expect(result.stdout).toContain(`    ExecStart=${command}\n`);
    } else if (existsSync("/etc/cron.d")) {
      expect(result.stdout).toMatch(/^scheduler: cron \(\/etc\/cron\.d\/caveat\): systemd is not running \(no \/run\/systemd\/system\); \/etc\/cron\.d exists\n/);
      expect(result.stdout).toMatch(new RegExp(`\\n    [\\d,]+ [\\d,]+ \\* \\* \\* root PATH=\\S+ nice -n 10 ${command.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} >>/var/log/caveat-agent\\.log 2>&1\\n`));
    }
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/^wrote /m);
    expect(existsSync("/etc/cron.d/caveat")).toBe(cronBefore);
  });

  it("from the single-file agent, schedules that file", async () => {
    const dir = await tempDir();
    const result = await runCli(["schedule", "install", "--dry-run", "--config", await configFile(dir), "--every", "1d"], { entry: AGENT, env: { CAVEAT_CRON_DIR: dir } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(` ${process.execPath} ${AGENT} scan --submit --config ${join(dir, "agent.json")} >>`);
    expect(result.stdout).toContain(`scheduler: cron (${dir}/caveat): CAVEAT_CRON_DIR names ${dir}\n`);
    expect(existsSync(join(dir, "caveat"))).toBe(false);
  });

  it.each([
    [["schedule", "install", "--every", "10m"], 2, 'caveat: --every "10m": too often; the shortest interval is 15m'],
    [["schedule", "install", "--every", "5h"], 2, "caveat: --every 5h: cron can only repeat 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d or 7d evenly; pick one of those"],
    [["schedule", "install", "--agent", "/nonexistent/caveat-agent.mjs"], 2, "caveat: --agent /nonexistent/caveat-agent.mjs: does not exist"],
    [["schedule", "frobnicate"], 2, "error: unknown command 'frobnicate'"],
  ])("refuses %j with exit %i", async (args, code, message) => {
    const dir = await tempDir();
    const result = await runCli(args, { env: { CAVEAT_CRON_DIR: dir } });
    expect(result.stderr.trim().split("\n").at(-1)).toBe(message);
    expect(result.code).toBe(code);
    expect(existsSync(join(dir, "caveat"))).toBe(false);
  });
});

describe("caveat schedule install/status/remove (cron, in a temporary /etc/cron.d)", () => {
  let server: RunningServer;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    dir = await tempDir();
    const database = join(dir, "collector.db");
    token = await clientWithToken(database, "acme-dental");
    server = await startServer(database);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("installs, reports, replaces, runs as cron would, and removes, idempotently", async () => {
    const cronDir = join(dir, "cron.d");
    const env = { CAVEAT_CRON_DIR: cronDir };
    const config = await configFile(dir, { submitUrl: server.url, token, spoolDir: join(dir, "spool") });

    const before = await runCli(["schedule", "status"], { env });
    expect(before.code).toBe(3);
    expect(before.stdout).toBe(`scheduler: cron\ninstalled: no\nproblem: ${cronDir}/caveat does not exist\n`);
    expect(before.stderr).toBe(`caveat: the scheduled scan is not installed (${cronDir}/caveat does not exist): caveat schedule install adds it\n`);

    const installed = await runCli(["schedule", "install", "--every", "30m", "--config", config], { env });
    expect(installed.stderr).toContain(`wrote ${cronDir}/caveat\ninstalled: cron (${cronDir}/caveat), every 30m; check it with caveat schedule status\n`);
    expect(installed.code).toBe(0);
    const job = { node: process.execPath, agent: realpathSync(CAVEAT), config, every: parseEvery("30m") };
    const id = await machineId(new LiveScheduleSystem());
    expect(await readFile(join(cronDir, "caveat"), "utf8")).toBe(cronFile(job, stableOffset(id, cronOffsetRange(job.every))));

    const status = await runCli(["schedule", "status"], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^scheduler: cron\ninstalled: yes\nevery: +30m\nfile: +\S+\/cron\.d\/caveat\nschedule: +\d+,\d+ \* \* \* \* \(minute hour day month weekday, local time\)\ncommand: +PATH=.* nice -n 10 .* scan --submit --config \S+\/agent\.json >>\/var\/log\/caveat-agent\.log 2>&1\nlast run: .*\nnext run: +\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d\n/);

    // Re-install replaces the entry; the machine keeps its slot within the new interval.
    expect((await runCli(["schedule", "install", "--every", "6h", "--config", config], { env })).code).toBe(0);
    const line = (await readFile(join(cronDir, "caveat"), "utf8")).split("\n")[2]!;
    expect(line).toBe(cronFile({ ...job, every: parseEvery("6h") }, stableOffset(id, 360)).split("\n")[2]);
    expect((await runCli(["schedule", "status"], { env })).stdout).toMatch(/\nevery: +6h\n/);

    // What cron would do with the line: hand the command to /bin/sh in cron's environment (\% is its escape for %). The
    // log goes to the test folder instead of /var/log; everything else runs as written.
    const log = join(dir, "agent.log");
    const command = parseCronEntry(line, true)!.command.replace(/\\%/g, "%").replace(">>/var/log/caveat-agent.log", `>>${log}`);
    await promisify(execFile)("/bin/sh", ["-c", command], { cwd: "/", env: { HOME: "/root", LOGNAME: "root", SHELL: "/bin/sh", PATH: "/usr/bin:/bin" } });
    const logged = await readFile(log, "utf8");
    expect(logged).toMatch(/^scan \S+: .*software/m);
    expect(logged).toMatch(new RegExp(`^scan [0-9a-f-]+ submitted to ${server.url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`, "m"));
    expect(logged).not.toContain(token);
    const metrics = await (await fetch(new URL("/metrics", server.url))).text();
    expect(metrics).toContain('caveat_ingest_total{outcome="created"} 1');

    const removed = await runCli(["schedule", "remove"], { env });
    expect(removed.code).toBe(0);
    expect(removed.stderr).toBe(`removed ${cronDir}/caveat\nremoved the caveat schedule\n`);
    expect(existsSync(join(cronDir, "caveat"))).toBe(false);
    const again = await runCli(["schedule", "remove"], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("no caveat schedule is installed: nothing to remove\n");
    expect((await runCli(["schedule", "status"], { env })).code).toBe(3);
  });
});
