// Linux without systemd: a line in /etc/cron.d/caveat, or a marked block in root's crontab where
// there is no /etc/cron.d. cron has no random delay, so the minute is chosen per machine instead.
import { CALENDAR_INTERVALS, MARKER, ScheduleError, calendarCadence, formatLocalTime, jobCommand, markerLine, readMarker, type Interval, type ScheduledJob, type ScheduleStatus } from "./job.js";
import { shellQuote, type ScheduleSystem, type Step } from "./system.js";

export const CRON_DIR = "/etc/cron.d";
/** cron.d names must be letters, digits, - and _ (run-parts rules on Debian): no dots. */
export const CRON_FILE_NAME = "caveat";
/** What the scans print to stderr (one summary line, warnings): the only record cron keeps of a run. */
export const CRON_LOG = "/var/log/caveat-agent.log";
/** cron's own PATH is /usr/bin:/bin, which would hide ufw, cryptsetup and other probes' programs in sbin. */
const JOB_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Where Debian's cron, cronie and busybox crond live; none of them means nothing will run the entry. */
export const CRON_DAEMONS = ["/usr/sbin/cron", "/usr/sbin/crond", "/sbin/crond", "/usr/bin/crond", "/usr/local/sbin/cron"];

export interface CronFields {
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
}

/** The offset range for stableOffset(): one slot per minute of the interval. */
export function cronOffsetRange(every: Interval): number {
  return every.seconds / 60;
}

/** Every `every`, shifted by `offset` minutes (0 <= offset < the interval in minutes). */
export function cronFields(every: Interval, offset: number): CronFields {
  const cadence = calendarCadence(every);
  if (!cadence) throw new ScheduleError(`--every ${every.text}: cron can only repeat ${CALENDAR_INTERVALS} evenly; pick one of those`);
  const list = (start: number, step: number, end: number) => Array.from({ length: Math.ceil((end - start) / step) }, (_, i) => start + i * step).join(",");
  const fields: CronFields = { minute: "*", hour: "*", dayOfMonth: "*", month: "*", dayOfWeek: "*" };
  switch (cadence.unit) {
    case "minute":
      fields.minute = list(offset, cadence.step, 60);
      break;
    case "hour":
      fields.minute = String(offset % 60);
      fields.hour = cadence.step === 1 ? "*" : list(Math.floor(offset / 60), cadence.step, 24);
      break;
    case "day":
      fields.minute = String(offset % 60);
      fields.hour = String(Math.floor(offset / 60));
      break;
    case "week":
      fields.minute = String(offset % 60);
      fields.hour = String(Math.floor((offset % 1440) / 60));
      fields.dayOfWeek = String(Math.floor(offset / 1440));
      break;
  }
  return fields;
}

/** The command part of the line: sh syntax, with cron's own rule that % means newline escaped. */
export function cronCommand(job: ScheduledJob, log = CRON_LOG): string {
  const command = `PATH=${JOB_PATH} nice -n 10 ${jobCommand(job).map(shellQuote).join(" ")} >>${shellQuote(log)} 2>&1`;
  return command.replace(/%/g, "\\%");
}

function timeFields(fields: CronFields): string {
  return [fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek].join(" ");
}

/** /etc/cron.d/caveat: system crontab format, with the user field. */
export function cronFile(job: ScheduledJob, offset: number): string {
  return [
    `# ${markerLine(job.every)}`,
    "# The minute is fixed per machine (derived from its machine id): a fleet's scans spread over the whole interval.",
    `${timeFields(cronFields(job.every, offset))} root ${cronCommand(job)}`,
    "",
  ].join("\n");
}

const BLOCK_BEGIN = `# BEGIN ${MARKER}`;
const BLOCK_END = `# END ${MARKER}`;

/** The block caveat keeps in root's crontab when there is no /etc/cron.d (user crontab format: no user field). */
export function crontabBlock(job: ScheduledJob, offset: number): string {
  return [`${BLOCK_BEGIN}: every ${job.every.text} (written by caveat schedule install; remove with caveat schedule remove)`, `${timeFields(cronFields(job.every, offset))} ${cronCommand(job)}`, BLOCK_END, ""].join("\n");
}

/** The crontab with caveat's block replaced (or removed, when block is undefined); every other line kept as it was. */
export function replaceCrontabBlock(crontab: string, block: string | undefined): string {
  const lines = crontab.split("\n");
  const kept: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith(BLOCK_BEGIN)) inside = true;
    else if (inside && line.startsWith(BLOCK_END)) inside = false;
    else if (!inside) kept.push(line);
  }
  let text = kept.join("\n").replace(/\n+$/, "");
  if (text) text += "\n";
  return block ? `${text}${block}` : text;
}

export function crontabBlockOf(crontab: string): string | undefined {
  const start = crontab.indexOf(BLOCK_BEGIN);
  if (start < 0) return undefined;
  const end = crontab.indexOf(BLOCK_END, start);
  return crontab.slice(start, end < 0 ? undefined : end + BLOCK_END.length);
}

/** The first schedule line of a cron file or block: its time fields and the rest. */
export function parseCronEntry(text: string, withUser: boolean): { fields: CronFields; command: string } | undefined {
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trimStart().startsWith("#") || /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) continue;
    const match = (withUser ? /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+(\S.*)$/ : /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S.*)$/).exec(line);
    if (!match) return undefined;
    const [, minute, hour, dayOfMonth, month, dayOfWeek, command] = match as unknown as [string, string, string, string, string, string, string];
    return { fields: { minute, hour, dayOfMonth, month, dayOfWeek }, command: command.trimEnd() };
  }
  return undefined;
}

/**
 * The next time after `after` that these fields match, in local time as cron counts it. Only the forms
 * cronFields() writes are understood (* or a list of numbers); anything else gives undefined.
 */
export function nextCronRun(fields: CronFields, after: Date): Date | undefined {
  const parse = (field: string) => (field === "*" ? undefined : /^\d+(,\d+)*$/.test(field) ? new Set(field.split(",").map(Number)) : null);
  const [minute, hour, dom, month, dow] = [fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek].map(parse);
  if ([minute, hour, dom, month, dow].some((f) => f === null)) return undefined;
  const t = new Date(after.getTime());
  t.setSeconds(0, 0);
  // A week and a minute covers every schedule cronFields() can write.
  for (let i = 0; i < 7 * 1440 + 1; i++) {
    t.setMinutes(t.getMinutes() + 1);
    if (minute && !minute.has(t.getMinutes())) continue;
    if (hour && !hour.has(t.getHours())) continue;
    if (dom && !dom.has(t.getDate())) continue;
    if (month && !month.has(t.getMonth() + 1)) continue;
    if (dow && !dow.has(t.getDay())) continue;
    return t;
  }
  return undefined;
}

export function cronFilePath(dir: string): string {
  return `${dir.replace(/\/+$/, "")}/${CRON_FILE_NAME}`;
}

export function cronDirInstallSteps(job: ScheduledJob, offset: number, dir: string): Step[] {
  // 644: cron skips files that group or others can write.
  return [{ kind: "write", path: cronFilePath(dir), content: cronFile(job, offset), mode: 0o644 }];
}

export function crontabInstallSteps(job: ScheduledJob, offset: number, current: string): Step[] {
  return [{ kind: "run", command: "crontab", args: ["-"], input: replaceCrontabBlock(current, crontabBlock(job, offset)) }];
}

export function crontabRemoveSteps(current: string): Step[] {
  if (crontabBlockOf(current) === undefined) return [];
  return [{ kind: "run", command: "crontab", args: ["-"], input: replaceCrontabBlock(current, undefined) }];
}

/** Root's crontab; empty when there is none ("no crontab for root" exits 1). */
export async function readCrontab(system: ScheduleSystem): Promise<string> {
  const result = await system.run("crontab", ["-l"]);
  if (result.exitCode === 0) return result.stdout;
  if (/no crontab/i.test(result.stderr)) return "";
  throw new ScheduleError(`crontab -l failed (exit ${result.exitCode}): ${result.stderr.trim() || "no message"}`, "failed");
}

export async function cronDaemonWarning(system: ScheduleSystem, where: string): Promise<string | undefined> {
  for (const daemon of CRON_DAEMONS) if (await system.exists(daemon)) return undefined;
  return `no cron daemon is installed (looked for ${CRON_DAEMONS.join(", ")}): ${where} will not run until one is (apt-get install cron, dnf install cronie)`;
}

export type CronTarget = { kind: "cron.d"; dir: string } | { kind: "crontab" };

export async function cronStatus(system: ScheduleSystem, target: CronTarget): Promise<ScheduleStatus> {
  const where = target.kind === "cron.d" ? cronFilePath(target.dir) : "root's crontab";
  const status: ScheduleStatus = { scheduler: target.kind === "cron.d" ? "cron" : "cron (root's crontab)", installed: false, facts: [], problems: [], warnings: [] };
  const text = target.kind === "cron.d" ? await system.readFile(where) : crontabBlockOf(await readCrontab(system));
  if (text === undefined) {
    status.problems.push(target.kind === "cron.d" ? `${where} does not exist` : `root's crontab has no ${MARKER} block`);
    return status;
  }
  status.facts.push(["every", readMarker(text) ?? "unknown (not written by caveat schedule install)"]);
  status.facts.push([target.kind === "cron.d" ? "file" : "crontab", where]);
  const entry = parseCronEntry(text, target.kind === "cron.d");
  if (!entry) {
    status.problems.push(`${where} holds no schedule line`);
    return status;
  }
  status.facts.push(["schedule", `${timeFields(entry.fields)} (minute hour day month weekday, local time)`]);
  status.facts.push(["command", entry.command]);
  const logged = await system.modifiedAt(CRON_LOG);
  status.facts.push(["last run", logged ? `${formatLocalTime(logged)} (last write to ${CRON_LOG})` : `unknown (${CRON_LOG} does not exist yet)`]);
  const next = nextCronRun(entry.fields, system.now());
  status.facts.push(["next run", next ? formatLocalTime(next) : "unknown"]);
  const warning = await cronDaemonWarning(system, where);
  if (warning) status.warnings.push(warning);
  status.installed = true;
  return status;
}
