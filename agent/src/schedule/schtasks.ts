// Windows: a Task Scheduler task \caveat\agent run as SYSTEM, created with schtasks.exe.
import { ScheduleError, assertPrintable, jobCommand, type Interval, type ScheduledJob, type ScheduleStatus } from "./job.js";
import type { ScheduleSystem, Step } from "./system.js";

/** Folder caveat, task agent: \caveat\agent in the Task Scheduler library. */
export const TASK_NAME = "caveat\\agent";
/** schtasks refuses a /TR longer than this. */
export const MAX_TASK_RUN = 261;

/**
 * One argument as CommandLineToArgvW and the C runtime (node.exe's own argv parsing) read it back:
 * quoted when it holds a space, tab or quote; backslashes doubled only before a quote.
 */
export function windowsQuote(arg: string): string {
  if (arg !== "" && !/[ \t"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    out += ch === '"' ? `${"\\".repeat(backslashes * 2 + 1)}"` : `${"\\".repeat(backslashes)}${ch}`;
    backslashes = 0;
  }
  return `${out}${"\\".repeat(backslashes * 2)}"`;
}

/** The command line Node hands to CreateProcess for these arguments (libuv quotes the same way). */
export function windowsCommandLine(command: string, args: string[]): string {
  return [command, ...args].map(windowsQuote).join(" ");
}

export interface SchtasksSchedule {
  type: "MINUTE" | "HOURLY" | "DAILY";
  modifier: number;
}

/** /SC and /MO: whole days as DAILY, whole hours under a day as HOURLY, anything else under a day in minutes. */
export function schtasksSchedule(every: Interval): SchtasksSchedule {
  const minutes = every.seconds / 60;
  if (minutes % 1440 === 0) return { type: "DAILY", modifier: minutes / 1440 };
  if (minutes % 60 === 0 && minutes < 1440) return { type: "HOURLY", modifier: minutes / 60 };
  // schtasks takes /SC MINUTE /MO 1 to 1439.
  if (minutes < 1440) return { type: "MINUTE", modifier: minutes };
  throw new ScheduleError(`--every ${every.text}: Task Scheduler repeats in whole days, or in hours or minutes under a day; use e.g. 1d, 2d or 12h`);
}

/** The offset range for stableOffset(): a start time within one interval (within a day for daily tasks). */
export function schtasksOffsetRange(every: Interval): number {
  return Math.min(every.seconds / 60, 1440);
}

/** /ST HH:mm: where in the interval this machine's runs fall (Task Scheduler has no random delay on the command line). */
export function startTime(offset: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(offset / 60) % 24)}:${pad(offset % 60)}`;
}

/** /TR: the command line the task runs. */
export function taskRun(job: ScheduledJob): string {
  for (const arg of jobCommand(job)) {
    assertPrintable(arg, "argument");
    // Task Scheduler expands %NAME% in the command line when it starts the task.
    if (arg.includes("%")) throw new ScheduleError(`${JSON.stringify(arg)}: Task Scheduler would expand the % in it; use a path without %`);
  }
  const [command, ...args] = jobCommand(job);
  const line = windowsCommandLine(command!, args);
  if (line.length > MAX_TASK_RUN) {
    throw new ScheduleError(`the task's command line is ${line.length} characters and schtasks accepts ${MAX_TASK_RUN}: put the agent and its config in a shorter folder (e.g. C:\\ProgramData\\caveat)`);
  }
  return line;
}

export function schtasksCreateArgs(job: ScheduledJob, offset: number): string[] {
  const { type, modifier } = schtasksSchedule(job.every);
  return ["/Create", "/TN", TASK_NAME, "/SC", type, "/MO", String(modifier), "/ST", startTime(offset), "/RU", "SYSTEM", "/RL", "HIGHEST", "/F", "/TR", taskRun(job)];
}

/**
 * schtasks /Create leaves Task Scheduler's defaults: no start on battery, stopped when the laptop
 * unplugs, a missed run skipped, 72 hours allowed. These settings make a laptop scan like a desktop,
 * catch up a run missed while the machine was off, and end a hung run after 30 minutes.
 */
export const TASK_SETTINGS_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30)",
  "Set-ScheduledTask -TaskPath '\\caveat\\' -TaskName 'agent' -Settings $settings | Out-Null",
].join("; ");

export function schtasksInstallSteps(job: ScheduledJob, offset: number): Step[] {
  return [
    // /F replaces an existing task: install is idempotent.
    { kind: "run", command: "schtasks", args: schtasksCreateArgs(job, offset) },
    {
      kind: "run",
      command: "powershell.exe",
      args: ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", TASK_SETTINGS_SCRIPT],
      warnOnFailure: "the task is installed but keeps Task Scheduler's defaults (no runs on battery, missed runs skipped)",
    },
  ];
}

export function schtasksRemoveSteps(present: boolean): Step[] {
  return present ? [{ kind: "run", command: "schtasks", args: ["/Delete", "/TN", TASK_NAME, "/F"] }] : [];
}

/** The labels of `schtasks /Query /FO LIST /V` on English Windows, longest first ("Repeat: Every" holds a colon itself). */
const LIST_LABELS = [
  "HostName", "TaskName", "Next Run Time", "Status", "Logon Mode", "Last Run Time", "Last Result", "Author", "Task To Run", "Start In", "Comment",
  "Scheduled Task State", "Idle Time", "Power Management", "Run As User", "Delete Task If Not Rescheduled", "Stop Task If Runs X Hours and X Mins",
  "Schedule", "Schedule Type", "Start Time", "Start Date", "End Date", "Days", "Months", "Repeat: Every", "Repeat: Until: Time",
  "Repeat: Until: Duration", "Repeat: Stop If Still Running",
].sort((a, b) => b.length - a.length);

/** The fields of the first task in `schtasks /Query /FO LIST /V` output; empty when the labels are in another language. */
export function parseSchtasksList(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const label = LIST_LABELS.find((l) => line.startsWith(`${l}:`));
    if (!label) continue;
    // A second task starts again with HostName (several triggers list the task once per trigger).
    if (label in values) break;
    values[label] = line.slice(label.length + 1).trim();
  }
  return values;
}

export async function schtasksQuery(system: ScheduleSystem): Promise<{ present: boolean; output: string; message: string }> {
  const result = await system.run("schtasks", ["/Query", "/TN", TASK_NAME, "/FO", "LIST", "/V"]);
  return { present: result.exitCode === 0, output: result.stdout, message: (result.stderr || result.stdout).trim() };
}

export async function schtasksStatus(system: ScheduleSystem): Promise<ScheduleStatus> {
  const status: ScheduleStatus = { scheduler: "Task Scheduler", installed: false, facts: [], problems: [], warnings: [] };
  const query = await schtasksQuery(system);
  if (!query.present) {
    status.problems.push(`task \\${TASK_NAME} does not exist${query.message ? ` (schtasks: ${query.message.split(/\r?\n/)[0]})` : ""}`);
    return status;
  }
  const v = parseSchtasksList(query.output);
  status.facts.push(["task", `\\${TASK_NAME}`]);
  if (v["Task To Run"] === undefined) {
    // Not English: the labels are translated. The raw listing still says everything.
    status.facts.push(["details", `schtasks /Query /TN ${TASK_NAME} /FO LIST /V`]);
    status.installed = true;
    return status;
  }
  const repeat = v["Repeat: Every"] && !/^(Disabled|N\/A)$/i.test(v["Repeat: Every"]) ? `, repeat every ${v["Repeat: Every"]}` : "";
  const days = v.Days && !/^N\/A$/i.test(v.Days) ? `, ${v.Days}` : "";
  status.facts.push(["schedule", `${v["Schedule Type"] ?? "?"}, from ${v["Start Time"] ?? "?"}${days}${repeat}`]);
  status.facts.push(["command", v["Task To Run"]]);
  status.facts.push(["run as", v["Run As User"] ?? "?"]);
  status.facts.push(["state", `${v["Scheduled Task State"] ?? "?"}, ${v.Status ?? "?"}`]);
  status.facts.push(["last run", `${v["Last Run Time"] ?? "?"} (result ${v["Last Result"] ?? "?"})`]);
  status.facts.push(["next run", v["Next Run Time"] ?? "?"]);
  if (v["Power Management"]) status.facts.push(["power", v["Power Management"]]);
  if (/^Disabled$/i.test(v["Scheduled Task State"] ?? "")) status.problems.push(`task \\${TASK_NAME} is disabled`);
  status.installed = status.problems.length === 0;
  return status;
}
