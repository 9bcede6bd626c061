import { describe, expect, it } from "vitest";
import { fail, FakeScheduleSystem, ok } from "./fake-system.js";
import { parseEvery, ScheduleError, type ScheduledJob } from "./job.js";
import {
  parseSchtasksList,
  schtasksCreateArgs,
  schtasksInstallSteps,
  schtasksOffsetRange,
  schtasksRemoveSteps,
  schtasksSchedule,
  schtasksStatus,
  startTime,
  taskRun,
  TASK_SETTINGS_SCRIPT,
  windowsCommandLine,
  windowsQuote,
} from "./schtasks.js";

const job = (every = "6h", over: Partial<ScheduledJob> = {}): ScheduledJob => ({
  node: "C:\\Program Files\\nodejs\\node.exe",
  agent: "C:\\ProgramData\\caveat\\caveat-agent.mjs",
  config: "C:\\ProgramData\\caveat\\agent.json",
  every: parseEvery(every),
  ...over,
});

describe("Windows quoting (CommandLineToArgvW / C runtime rules)", () => {
  it.each([
    ["scan", "scan"],
    ["C:\\ProgramData\\caveat\\agent.json", "C:\\ProgramData\\caveat\\agent.json"],
    ["", '""'],
    ["C:\\Program Files\\nodejs\\node.exe", '"C:\\Program Files\\nodejs\\node.exe"'],
    ['say "hi"', '"say \\"hi\\""'],
    // Backslashes are literal except before a quote, including the closing quote.
    ["C:\\my dir\\", '"C:\\my dir\\\\"'],
    ['a\\"b c', '"a\\\\\\"b c"'],
    ["a\\\\b c", '"a\\\\b c"'],
    ["tab\there", '"tab\there"'],
  ])("%j -> %s", (arg, quoted) => {
    expect(windowsQuote(arg)).toBe(quoted);
  });

  it("round-trips any mix of spaces, quotes and backslashes through the documented parsing rules", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ["\\", '"', " ", "\t", "a", "C:", "%"];
    for (let i = 0; i < 2000; i++) {
      const args = Array.from({ length: 1 + Math.floor(random() * 4) }, () => Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
      expect(parseWindowsArguments(args.map(windowsQuote).join(" "))).toEqual(args);
    }
  });
});

/**
 * The C runtime's argument splitting, as Microsoft documents it ("Parsing C command-line arguments"):
 * 2n backslashes + quote -> n backslashes and a quote toggles quoting; 2n+1 backslashes + quote -> n
 * backslashes and a literal quote; backslashes not before a quote are literal; "" inside quotes is a quote.
 */
function parseWindowsArguments(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\") {
      let n = 0;
      while (line[i] === "\\") {
        n++;
        i++;
      }
      if (line[i] === '"') {
        current += "\\".repeat(Math.floor(n / 2));
        if (n % 2 === 1) current += '"';
        else i--;
      } else {
        current += "\\".repeat(n);
        i--;
      }
      inArg = true;
    } else if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
      inArg = true;
    } else if ((ch === " " || ch === "\t") && !quoted) {
      if (inArg) args.push(current);
      current = "";
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args;
}

describe("schtasks", () => {
  it.each([
    ["15m", "MINUTE", 15],
    ["90m", "MINUTE", 90],
    ["1h", "HOURLY", 1],
    ["6h", "HOURLY", 6],
    ["23h", "HOURLY", 23],
    ["24h", "DAILY", 1],
    ["2d", "DAILY", 2],
    ["7d", "DAILY", 7],
  ])("every %s is /SC %s /MO %i", (every, type, modifier) => {
    expect(schtasksSchedule(parseEvery(every))).toEqual({ type, modifier });
  });

  it("refuses intervals over a day that are not whole days", () => {
    expect(() => schtasksSchedule(parseEvery("36h"))).toThrow(ScheduleError);
    expect(() => schtasksSchedule(parseEvery("36h"))).toThrow("--every 36h: Task Scheduler repeats in whole days, or in hours or minutes under a day");
  });

  it("places the start time within the interval (within a day for daily tasks)", () => {
    expect([schtasksOffsetRange(parseEvery("15m")), schtasksOffsetRange(parseEvery("6h")), schtasksOffsetRange(parseEvery("7d"))]).toEqual([15, 360, 1440]);
    expect([0, 7, 137, 1439].map(startTime)).toEqual(["00:00", "00:07", "02:17", "23:59"]);
  });

  it("creates \\caveat\\agent as SYSTEM with highest privileges, replacing any earlier one", () => {
    expect(schtasksCreateArgs(job("6h"), 137)).toEqual([
      "/Create",
      "/TN",
      "caveat\\agent",
      "/SC",
      "HOURLY",
      "/MO",
      "6",
      "/ST",
      "02:17",
      "/RU",
      "SYSTEM",
      "/RL",
      "HIGHEST",
      "/F",
      "/TR",
      '"C:\\Program Files\\nodejs\\node.exe" C:\\ProgramData\\caveat\\caveat-agent.mjs scan --submit --config C:\\ProgramData\\caveat\\agent.json',
    ]);
    // What schtasks.exe receives from CreateProcess: its C runtime turns it back into exactly the arguments above.
    expect(windowsCommandLine("schtasks", schtasksCreateArgs(job("6h"), 137))).toBe(
      'schtasks /Create /TN caveat\\agent /SC HOURLY /MO 6 /ST 02:17 /RU SYSTEM /RL HIGHEST /F /TR "\\"C:\\Program Files\\nodejs\\node.exe\\" C:\\ProgramData\\caveat\\caveat-agent.mjs scan --submit --config C:\\ProgramData\\caveat\\agent.json"',
    );
  });

  it("quotes every path with spaces in /TR, and refuses % and over-long command lines", () => {
    expect(taskRun(job("6h", { agent: "C:\\Program Files\\caveat\\caveat-agent.mjs", config: "C:\\Program Files\\caveat\\" }))).toBe(
      '"C:\\Program Files\\nodejs\\node.exe" "C:\\Program Files\\caveat\\caveat-agent.mjs" scan --submit --config "C:\\Program Files\\caveat\\\\"',
    );
    expect(() => taskRun(job("6h", { config: "C:\\100%\\agent.json" }))).toThrow(/Task Scheduler would expand the %/);
    expect(() => taskRun(job("6h", { agent: `C:\\${"deep\\".repeat(50)}caveat-agent.mjs` }))).toThrow(/schtasks accepts 261/);
  });

  it("then lets the task run on battery, catch up missed runs and stop after 30 minutes, warning (not failing) if PowerShell cannot", () => {
    expect(schtasksInstallSteps(job(), 137)[1]).toEqual({
      kind: "run",
      command: "powershell.exe",
      args: ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", TASK_SETTINGS_SCRIPT],
      warnOnFailure: "the task is installed but keeps Task Scheduler's defaults (no runs on battery, missed runs skipped)",
    });
    expect(TASK_SETTINGS_SCRIPT).toBe(
      "$ErrorActionPreference = 'Stop'; $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30); Set-ScheduledTask -TaskPath '\\caveat\\' -TaskName 'agent' -Settings $settings | Out-Null",
    );
  });

  it("deletes the task only when it exists", () => {
    expect(schtasksRemoveSteps(false)).toEqual([]);
    expect(schtasksRemoveSteps(true)).toEqual([{ kind: "run", command: "schtasks", args: ["/Delete", "/TN", "caveat\\agent", "/F"] }]);
  });
});

describe("schtasks status", () => {
  // The layout of `schtasks /Query /TN caveat\agent /FO LIST /V` on English Windows 10/11 (labels padded to one column).
  const listing = [
    "",
    "Folder: \\caveat",
    "HostName:                             RECEPTION-PC",
    "TaskName:                             \\caveat\\agent",
    "Next Run Time:                        11/23/2026 2:17:00 PM",
    "Status:                               Ready",
    "Logon Mode:                           Interactive/Background",
    "Last Run Time:                        11/23/2026 8:17:01 AM",
    "Last Result:                          0",
    "Author:                               RECEPTION-PC\\admin",
    'Task To Run:                          "C:\\Program Files\\nodejs\\node.exe" C:\\ProgramData\\caveat\\caveat-agent.mjs scan --submit --config C:\\ProgramData\\caveat\\agent.json',
    "Start In:                             N/A",
    "Comment:                              N/A",
    "Scheduled Task State:                 Enabled",
    "Idle Time:                            Disabled",
    "Power Management:                     ",
    "Run As User:                          SYSTEM",
    "Delete Task If Not Rescheduled:       Disabled",
    "Stop Task If Runs X Hours and X Mins: 00:30:00",
    "Schedule:                             Scheduling data is not available in this format.",
    "Schedule Type:                        One Time Only, Hourly",
    "Start Time:                           2:17:00 AM",
    "Start Date:                           11/23/2026",
    "End Date:                             N/A",
    "Days:                                 N/A",
    "Months:                               N/A",
    "Repeat: Every:                        6 Hour(s), 0 Minute(s)",
    "Repeat: Until: Time:                  None",
    "Repeat: Until: Duration:              Disabled",
    "Repeat: Stop If Still Running:        Disabled",
    "",
  ].join("\r\n");

  it("parses labels that contain colons and values that contain times", () => {
    expect(parseSchtasksList(listing)).toMatchObject({
      "Next Run Time": "11/23/2026 2:17:00 PM",
      "Repeat: Every": "6 Hour(s), 0 Minute(s)",
      "Repeat: Until: Time": "None",
      "Schedule Type": "One Time Only, Hourly",
      Schedule: "Scheduling data is not available in this format.",
      "Stop Task If Runs X Hours and X Mins": "00:30:00",
    });
  });

  it("shows schedule, command, account, last and next run", async () => {
    const system = new FakeScheduleSystem("windows", () => ok(listing));
    const status = await schtasksStatus(system);
    expect(system.runs).toEqual([{ command: "schtasks", args: ["/Query", "/TN", "caveat\\agent", "/FO", "LIST", "/V"] }]);
    expect(status.installed).toBe(true);
    expect(Object.fromEntries(status.facts)).toEqual({
      task: "\\caveat\\agent",
      schedule: "One Time Only, Hourly, from 2:17:00 AM, repeat every 6 Hour(s), 0 Minute(s)",
      command: '"C:\\Program Files\\nodejs\\node.exe" C:\\ProgramData\\caveat\\caveat-agent.mjs scan --submit --config C:\\ProgramData\\caveat\\agent.json',
      "run as": "SYSTEM",
      state: "Enabled, Ready",
      "last run": "11/23/2026 8:17:01 AM (result 0)",
      "next run": "11/23/2026 2:17:00 PM",
    });
  });

  it("is not installed when schtasks cannot find the task, or when it is disabled", async () => {
    const missing = new FakeScheduleSystem("windows", () => fail(1, "ERROR: The system cannot find the file specified.\r\n"));
    expect(await schtasksStatus(missing)).toMatchObject({ installed: false, problems: ["task \\caveat\\agent does not exist (schtasks: ERROR: The system cannot find the file specified.)"] });
    const disabled = new FakeScheduleSystem("windows", () => ok(listing.replace("Scheduled Task State:                 Enabled", "Scheduled Task State:                 Disabled")));
    expect(await schtasksStatus(disabled)).toMatchObject({ installed: false, problems: ["task \\caveat\\agent is disabled"] });
  });

  it("points to the raw listing when Windows answers in another language", async () => {
    const german = new FakeScheduleSystem("windows", () => ok("Hostname:                             PC\r\nAufgabenname:                         \\caveat\\agent\r\nNächste Laufzeit:                     N/V\r\n"));
    expect(await schtasksStatus(german)).toMatchObject({ installed: true, facts: [["task", "\\caveat\\agent"], ["details", "schtasks /Query /TN caveat\\agent /FO LIST /V"]] });
  });
});
