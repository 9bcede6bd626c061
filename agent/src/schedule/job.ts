// What every scheduler runs, and how often: the parts of `caveat schedule` shared by the systemd,
// cron, launchd and Task Scheduler generators.
import { createHash } from "node:crypto";

/** Something the user can fix (a bad interval, a missing file) or a scheduler that refused; the message says which. */
export class ScheduleError extends Error {
  constructor(
    message: string,
    /** usage: the request itself is wrong; failed: the OS scheduler or the file system refused it. */
    readonly kind: "usage" | "failed" = "usage",
  ) {
    super(message);
    this.name = "ScheduleError";
  }
}

export interface Interval {
  /** As the user wrote it, normalised: "6h", "30m", "1d". */
  text: string;
  seconds: number;
}

export const DEFAULT_EVERY = "6h";
const MIN_SECONDS = 15 * 60;
const MAX_SECONDS = 7 * 86400;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;

/** Parses --every: a whole number and one unit (m, h, d), from 15m to 7d. */
export function parseEvery(text: string): Interval {
  const match = /^0*(\d+)([mhd])$/.exec(text.trim());
  if (!match) throw new ScheduleError(`--every ${JSON.stringify(text)}: expected a whole number and a unit, m (minutes), h (hours) or d (days), e.g. 30m, 6h, 1d`);
  const count = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_SECONDS;
  const seconds = count * UNIT_SECONDS[unit];
  // Thousands of endpoints every few minutes would be a load test on the collector, not an inventory.
  if (seconds < MIN_SECONDS) throw new ScheduleError(`--every ${JSON.stringify(text)}: too often; the shortest interval is 15m`);
  if (seconds > MAX_SECONDS) throw new ScheduleError(`--every ${JSON.stringify(text)}: too rare; the longest interval is 7d (a week)`);
  return { text: `${count}${unit}`, seconds };
}

/**
 * Intervals a wall-clock schedule can repeat evenly (cron, OnCalendar=): a divisor of an hour, a divisor
 * of a day, a day, a week. Others (90m, 5h, 2d) are undefined: they drift against the clock.
 */
export type Cadence = { unit: "minute"; step: number } | { unit: "hour"; step: number } | { unit: "day" } | { unit: "week" };

export function calendarCadence(interval: Interval): Cadence | undefined {
  const minutes = interval.seconds / 60;
  if (minutes < 60 && 60 % minutes === 0) return { unit: "minute", step: minutes };
  if (minutes % 60 === 0 && minutes < 1440 && 1440 % minutes === 0) return { unit: "hour", step: minutes / 60 };
  if (minutes === 1440) return { unit: "day" };
  if (minutes === 10080) return { unit: "week" };
  return undefined;
}

/** Calendar intervals, for messages. */
export const CALENDAR_INTERVALS = "15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d or 7d";

export interface ScheduledJob {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the CLI entry or the single-file agent (dist/caveat-agent.mjs). */
  agent: string;
  /** Absolute path of the agent config file (submitUrl, token or tokenFile). */
  config: string;
  every: Interval;
}

/**
 * The command every scheduler runs. The token is never on it: it stays in the config file, readable by
 * root only, instead of in a unit, a plist or a task that every local user can list.
 */
export function jobCommand(job: ScheduledJob): string[] {
  return [job.node, job.agent, "scan", "--submit", "--config", job.config];
}

/**
 * A number in [0, range) that depends only on this machine: the minute of its cron slot or its
 * Task Scheduler start time. Stable per machine, so a re-install keeps its slot, and uniform across a
 * fleet, so 5,000 endpoints do not all call the collector at the top of the hour.
 */
export function stableOffset(machineId: string, range: number): number {
  const digest = createHash("sha256").update(`caveat-schedule\0${machineId.trim().toLowerCase()}`).digest();
  return digest.readUIntBE(0, 6) % range;
}

/** Marks every file caveat writes, and carries the interval back to `caveat schedule status`. */
export const MARKER = "caveat schedule";

export function markerLine(every: Interval): string {
  return `${MARKER}: every ${every.text} (written by caveat schedule install; remove with caveat schedule remove)`;
}

/** The interval a marker line written by markerLine() names, if the text holds one. */
export function readMarker(text: string): string | undefined {
  return new RegExp(`${MARKER}: every (\\d+[mhd])\\b`).exec(text)?.[1];
}

/** Refuses characters no scheduler can carry in an argument (a newline ends a cron line or a unit setting). */
export function assertPrintable(arg: string, what: string): string {
  if (/[\0-\x1f\x7f]/.test(arg)) throw new ScheduleError(`${what} ${JSON.stringify(arg)}: contains a control character (newline, tab...) that the scheduler entry cannot carry`);
  return arg;
}

/** What `caveat schedule status` prints: facts in order, and why it is not (fully) installed. */
export interface ScheduleStatus {
  /** "systemd timer", "cron", "launchd", "Task Scheduler". */
  scheduler: string;
  installed: boolean;
  facts: Array<[label: string, value: string]>;
  /** Why it is not (fully) installed: any problem makes `installed` false. */
  problems: string[];
  /** Installed, but something will keep it from running (no cron daemon). */
  warnings: string[];
}

/** "2026-11-23 18:17 +01:00": local time, as cron and Task Scheduler count it. */
export function formatLocalTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
