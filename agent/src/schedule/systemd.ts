// Linux with systemd: a oneshot service that runs the scan, and a timer that starts it.
import { assertPrintable, calendarCadence, markerLine, readMarker, jobCommand, type Cadence, type Interval, type ScheduledJob, type ScheduleStatus } from "./job.js";
import type { ScheduleSystem, Step } from "./system.js";

export const SYSTEMD_UNIT = "caveat-agent";
export const SYSTEMD_DIR = "/etc/systemd/system";
export const SERVICE_PATH = `${SYSTEMD_DIR}/${SYSTEMD_UNIT}.service`;
export const TIMER_PATH = `${SYSTEMD_DIR}/${SYSTEMD_UNIT}.timer`;
/** FixedRandomDelay= appeared in systemd 247; older versions would log "unknown key" at every reload. */
export const FIXED_RANDOM_DELAY_SINCE = 247;

/** One ExecStart= word: % and $ are systemd's specifier and variable signs; quotes only when needed. */
export function systemdQuote(arg: string): string {
  assertPrintable(arg, "argument");
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A time span as systemd writes one: 3h, 7min 30s, 84h. */
export function systemdSpan(seconds: number): string {
  const parts: string[] = [];
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) parts.push(`${h}h`);
  if (min) parts.push(`${min}min`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(" ");
}

/**
 * The random delay window: half the interval, at most an hour. Every machine starts somewhere in that
 * window after each calendar point (and after boot, for a run caught up by Persistent=), so a fleet's
 * scans arrive spread out instead of at the top of the hour. An hour is plenty for the collector (even
 * 100,000 endpoints make under 30 a second), and longer would be harmful: the delay restarts at every
 * boot, so with FixedRandomDelay a PC that is on 8 hours a day and drew a 10-hour delay would never scan
 * (systemd issue #21166).
 */
export function randomizedDelaySeconds(every: Interval): number {
  return Math.min(Math.floor(every.seconds / 2), 3600);
}

export function onCalendar(cadence: Cadence): string {
  switch (cadence.unit) {
    case "minute":
      return `*-*-* *:00/${cadence.step}:00`;
    case "hour":
      return `*-*-* 00/${cadence.step}:00:00`;
    case "day":
      return "*-*-* 00:00:00";
    case "week":
      return "Mon *-*-* 00:00:00";
  }
}

export function systemdServiceUnit(job: ScheduledJob): string {
  return [
    `# ${markerLine(job.every)}`,
    "[Unit]",
    "Description=caveat: inventory this machine and submit it to the collector",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    "User=root",
    `ExecStart=${jobCommand(job).map(systemdQuote).join(" ")}`,
    // A scan is background work: it yields the CPU and the disk to whoever uses the machine. Nice 10, not
    // 19: on a busy machine a starved scan would hit its probe deadlines and report timeouts.
    "Nice=10",
    "IOSchedulingClass=idle",
    // A scan takes seconds (a minute on a Mac); sending a full spool over a slow link, minutes. This only ends a hung run.
    "TimeoutStartSec=30min",
    "",
  ].join("\n");
}

export interface TimerOptions {
  /** systemd >= 247: the random delay is fixed per machine (derived from its machine id), so runs stay an interval apart. */
  fixedRandomDelay: boolean;
}

export function systemdTimerUnit(job: ScheduledJob, options: TimerOptions): string {
  const cadence = calendarCadence(job.every);
  const schedule = cadence
    ? // Wall-clock times: they keep counting while a laptop sleeps, and Persistent= catches up a run
      // missed while the machine was off (at boot, plus the random delay).
      [`OnCalendar=${onCalendar(cadence)}`, "Persistent=true"]
    : // 90m, 5h, 2d... do not divide the calendar evenly: count from boot and from the last run instead.
      ["OnBootSec=5min", `OnUnitActiveSec=${systemdSpan(job.every.seconds)}`];
  return [
    `# ${markerLine(job.every)}`,
    "[Unit]",
    `Description=caveat: scan and submit every ${job.every.text}`,
    "",
    "[Timer]",
    ...schedule,
    "# Spreads a fleet's scans over half the interval, at most an hour, instead of the same minute (docs/agent-schedule.md).",
    `RandomizedDelaySec=${systemdSpan(randomizedDelaySeconds(job.every))}`,
    ...(options.fixedRandomDelay ? ["FixedRandomDelay=true"] : []),
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

/** `systemctl show --property=Version` ("Version=252.39-1~deb12u2") or `systemctl --version` ("systemd 252 (...)") -> 252. */
export function parseSystemdVersion(text: string): number | undefined {
  const match = /^(?:Version=v?|systemd )(\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function systemdInstallSteps(job: ScheduledJob, options: TimerOptions): Step[] {
  return [
    { kind: "write", path: SERVICE_PATH, content: systemdServiceUnit(job), mode: 0o644 },
    { kind: "write", path: TIMER_PATH, content: systemdTimerUnit(job, options), mode: 0o644 },
    { kind: "run", command: "systemctl", args: ["daemon-reload"] },
    { kind: "run", command: "systemctl", args: ["enable", `${SYSTEMD_UNIT}.timer`] },
    // restart, not start: a re-install with another interval must take effect now, not at the next boot.
    { kind: "run", command: "systemctl", args: ["restart", `${SYSTEMD_UNIT}.timer`] },
  ];
}

export interface SystemdFiles {
  service: boolean;
  timer: boolean;
}

export function systemdRemoveSteps(present: SystemdFiles): Step[] {
  if (!present.service && !present.timer) return [];
  return [
    { kind: "run", command: "systemctl", args: ["disable", "--now", `${SYSTEMD_UNIT}.timer`], mayFail: true },
    ...(present.timer ? [{ kind: "remove", path: TIMER_PATH } as const] : []),
    ...(present.service ? [{ kind: "remove", path: SERVICE_PATH } as const] : []),
    { kind: "run", command: "systemctl", args: ["daemon-reload"] },
  ];
}

/** `systemctl show` output: Key=Value lines. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return values;
}

const TIMER_PROPERTIES = "LoadState,UnitFileState,ActiveState,SubState,NextElapseUSecRealtime,NextElapseUSecMonotonic,LastTriggerUSec";
const SERVICE_PROPERTIES = "ActiveState,Result,ExecMainStatus";

export async function systemdStatus(system: ScheduleSystem): Promise<ScheduleStatus> {
  const [timerText, serviceText] = await Promise.all([system.readFile(TIMER_PATH), system.readFile(SERVICE_PATH)]);
  const status: ScheduleStatus = { scheduler: "systemd timer", installed: false, facts: [], problems: [], warnings: [] };
  if (timerText === undefined && serviceText === undefined) {
    status.problems.push(`${TIMER_PATH} does not exist`);
    return status;
  }
  status.facts.push(["every", readMarker(timerText ?? serviceText ?? "") ?? "unknown (not written by caveat schedule install)"]);
  status.facts.push(["files", [TIMER_PATH, SERVICE_PATH].join(", ")]);
  const exec = /^ExecStart=(.*)$/m.exec(serviceText ?? "")?.[1];
  if (exec) status.facts.push(["command", exec]);
  if (timerText === undefined) status.problems.push(`${TIMER_PATH} is missing`);
  if (serviceText === undefined) status.problems.push(`${SERVICE_PATH} is missing`);

  const [timer, service] = await Promise.all([
    system.run("systemctl", ["show", `${SYSTEMD_UNIT}.timer`, `--property=${TIMER_PROPERTIES}`]),
    system.run("systemctl", ["show", `${SYSTEMD_UNIT}.service`, `--property=${SERVICE_PROPERTIES}`]),
  ]);
  const t = parseSystemctlShow(timer.stdout);
  const s = parseSystemctlShow(service.stdout);
  status.facts.push(["state", `${t.UnitFileState || "unknown"}, ${t.ActiveState || "unknown"}${t.SubState ? ` (${t.SubState})` : ""}`]);
  if (t.UnitFileState !== "enabled") status.problems.push(`${SYSTEMD_UNIT}.timer is not enabled (${t.UnitFileState || "unknown to systemd"})`);
  if (t.ActiveState !== "active") status.problems.push(`${SYSTEMD_UNIT}.timer is not active (${t.ActiveState || "unknown to systemd"})`);

  const last = t.LastTriggerUSec && t.LastTriggerUSec !== "n/a" ? t.LastTriggerUSec : undefined;
  const outcome = s.ActiveState === "activating" ? "running now" : s.Result ? `result ${s.Result}, exit status ${s.ExecMainStatus ?? "?"}` : undefined;
  status.facts.push(["last run", last ? `${last}${outcome ? ` (${outcome})` : ""}` : "never"]);
  const monotonic = t.NextElapseUSecMonotonic && !["infinity", "0", "n/a"].includes(t.NextElapseUSecMonotonic) ? `${t.NextElapseUSecMonotonic} after boot` : undefined;
  const realtime = t.NextElapseUSecRealtime && t.NextElapseUSecRealtime !== "n/a" ? t.NextElapseUSecRealtime : undefined;
  status.facts.push(["next run", realtime ?? monotonic ?? "not scheduled"]);
  status.installed = status.problems.length === 0;
  return status;
}
