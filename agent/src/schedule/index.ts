// `caveat schedule install|remove|status`: picks this machine's scheduler, plans what to write and
// run (the --dry-run output), applies it, and reads back what is installed.
//   Linux:   a systemd timer when systemd is running, else /etc/cron.d/caveat, else root's crontab
//   macOS:   a LaunchDaemon (launchctl bootstrap/bootout; load/unload before OS X 10.10)
//   Windows: the Task Scheduler task \caveat\agent (schtasks)
import { posix, win32 } from "node:path";
import { CommandNotFound } from "../host/host.js";
import { cronDaemonWarning, cronDirInstallSteps, cronFilePath, cronOffsetRange, cronStatus, crontabInstallSteps, crontabRemoveSteps, readCrontab, CRON_DIR } from "./cron.js";
import { ScheduleError, stableOffset, type ScheduledJob, type ScheduleStatus } from "./job.js";
import { isModernLaunchctl, launchdInstallSteps, launchdLoaded, launchdRemoveSteps, launchdStatus, PLIST_PATH } from "./launchd.js";
import { schtasksInstallSteps, schtasksOffsetRange, schtasksQuery, schtasksRemoveSteps, schtasksStatus, TASK_NAME, windowsCommandLine } from "./schtasks.js";
import { applySteps, describeSteps, posixCommandLine, type CommandFormatter, type ScheduleSystem, type Step } from "./system.js";
import { FIXED_RANDOM_DELAY_SINCE, parseSystemdVersion, SERVICE_PATH, systemdInstallSteps, systemdRemoveSteps, systemdStatus, TIMER_PATH } from "./systemd.js";

export { DEFAULT_EVERY, ScheduleError, parseEvery, type Interval, type ScheduledJob, type ScheduleStatus } from "./job.js";
export { LiveScheduleSystem, type ScheduleSystem } from "./system.js";

/** Puts the cron file in another folder than /etc/cron.d, and chooses cron even where systemd runs (tests, image builds). */
export const CRON_DIR_ENV = "CAVEAT_CRON_DIR";

export type Scheduler =
  | { kind: "systemd"; version?: number; reason: string }
  | { kind: "cron.d"; dir: string; reason: string }
  | { kind: "crontab"; reason: string }
  | { kind: "launchd"; modern: boolean; reason: string }
  | { kind: "schtasks"; reason: string };

export function describeScheduler(scheduler: Scheduler): string {
  switch (scheduler.kind) {
    case "systemd":
      return `systemd timer (${TIMER_PATH})`;
    case "cron.d":
      return `cron (${cronFilePath(scheduler.dir)})`;
    case "crontab":
      return "cron (root's crontab)";
    case "launchd":
      return `launchd (${PLIST_PATH})`;
    case "schtasks":
      return `Task Scheduler (\\${TASK_NAME})`;
  }
}

/** Which scheduler this machine uses, and why (the reason is printed: a surprise is easier to diagnose). */
export async function detectScheduler(system: ScheduleSystem): Promise<Scheduler> {
  if (system.platform === "windows") return { kind: "schtasks", reason: "Windows" };
  if (system.platform === "darwin") {
    const modern = isModernLaunchctl(system.osRelease());
    return { kind: "launchd", modern, reason: modern ? "macOS" : "OS X before 10.10: launchctl load/unload" };
  }
  const override = system.env[CRON_DIR_ENV];
  if (override) return { kind: "cron.d", dir: override, reason: `${CRON_DIR_ENV} names ${override}` };
  let whyNotSystemd = "systemd is not running (no /run/systemd/system)";
  if (await system.exists("/run/systemd/system")) {
    // The same test as sd_booted(), then a question the running manager must answer.
    const answer = await tryRun(system, "systemctl", ["show", "--property=Version"]);
    if (answer?.exitCode === 0) return { kind: "systemd", version: parseSystemdVersion(answer.stdout), reason: "systemd is running" };
    whyNotSystemd = answer ? `systemctl does not answer (exit ${answer.exitCode}: ${answer.stderr.trim().split("\n")[0]})` : "systemctl is not installed";
  }
  if (await system.exists(CRON_DIR)) return { kind: "cron.d", dir: CRON_DIR, reason: `${whyNotSystemd}; ${CRON_DIR} exists` };
  if (await tryRun(system, "crontab", ["-l"])) return { kind: "crontab", reason: `${whyNotSystemd}; no ${CRON_DIR}, but crontab is installed` };
  throw new ScheduleError(`neither systemd nor cron is available on this machine (${whyNotSystemd}; no ${CRON_DIR}; no crontab command): install cron (apt-get install cron, dnf install cronie) or run caveat scan --submit from your own scheduler`, "failed");
}

async function tryRun(system: ScheduleSystem, command: string, args: string[]) {
  try {
    return await system.run(command, args);
  } catch (error) {
    if (error instanceof CommandNotFound) return undefined;
    throw error;
  }
}

/** /etc/machine-id, the Windows MachineGuid, else the host name: what makes a cron minute or a task start time this machine's own. */
export async function machineId(system: ScheduleSystem): Promise<string> {
  if (system.platform === "linux") {
    for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
      const id = (await system.readFile(path))?.trim();
      if (id) return id;
    }
  }
  if (system.platform === "windows") {
    // /reg:64: a 32-bit node.exe would otherwise read the WOW6432Node view, where MachineGuid does not exist.
    const answer = await tryRun(system, "reg", ["query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid", "/reg:64"]);
    const guid = answer?.exitCode === 0 ? /MachineGuid\s+REG_SZ\s+(\S+)/i.exec(answer.stdout)?.[1] : undefined;
    if (guid) return guid;
  }
  return system.hostname();
}

export function commandFormatter(system: ScheduleSystem): CommandFormatter {
  return system.platform === "windows" ? windowsCommandLine : posixCommandLine;
}

export interface Plan {
  scheduler: Scheduler;
  steps: Step[];
  warnings: string[];
}

/** Checks the job's files, then lists what installing it here writes and runs. Changes nothing. */
export async function planInstall(system: ScheduleSystem, job: ScheduledJob): Promise<Plan> {
  const paths = system.platform === "windows" ? win32 : posix;
  const warnings: string[] = [];
  for (const [what, path] of [["--node", job.node], ["--agent", job.agent], ["--config", job.config]] as const) {
    if (!paths.isAbsolute(path)) throw new ScheduleError(`${what} ${path}: must be an absolute path (the scheduler does not start in this folder)`);
  }
  if (!(await system.exists(job.node))) throw new ScheduleError(`--node ${job.node}: does not exist`);
  if (!(await system.exists(job.agent))) throw new ScheduleError(`--agent ${job.agent}: does not exist`);
  if (!(await system.exists(job.config))) {
    warnings.push(`${job.config} does not exist yet: every scheduled scan will fail until it holds submitUrl and token or tokenFile (see docs/agent-submit.md)`);
  }
  for (const path of [job.node, job.agent]) {
    const why = await system.writableByOthers(path);
    if (why) warnings.push(`${path} runs as root on schedule, but ${why}: whoever can change it gets root. Keep the agent in a folder only root can write (e.g. /usr/local/lib/caveat)`);
  }

  const scheduler = await detectScheduler(system);
  const steps: Step[] = [];
  switch (scheduler.kind) {
    case "systemd": {
      const fixedRandomDelay = (scheduler.version ?? 0) >= FIXED_RANDOM_DELAY_SINCE;
      steps.push(...systemdInstallSteps(job, { fixedRandomDelay }));
      // A cron entry from an earlier install (before systemd, or in a container) would scan twice.
      if (await system.exists(cronFilePath(CRON_DIR))) steps.push({ kind: "remove", path: cronFilePath(CRON_DIR) });
      break;
    }
    case "cron.d": {
      const offset = stableOffset(await machineId(system), cronOffsetRange(job.every));
      steps.push(...cronDirInstallSteps(job, offset, scheduler.dir));
      const warning = await cronDaemonWarning(system, cronFilePath(scheduler.dir));
      if (warning) warnings.push(warning);
      break;
    }
    case "crontab": {
      const offset = stableOffset(await machineId(system), cronOffsetRange(job.every));
      steps.push(...crontabInstallSteps(job, offset, await readCrontab(system)));
      const warning = await cronDaemonWarning(system, "root's crontab");
      if (warning) warnings.push(warning);
      break;
    }
    case "launchd":
      steps.push(...launchdInstallSteps(job, scheduler.modern));
      break;
    case "schtasks": {
      const offset = stableOffset(await machineId(system), schtasksOffsetRange(job.every));
      steps.push(...schtasksInstallSteps(job, offset));
      break;
    }
  }
  return { scheduler, steps, warnings };
}

/** Lists what removing caveat's entries here takes: every scheduler of this platform that holds one. */
export async function planRemove(system: ScheduleSystem): Promise<Step[]> {
  if (system.platform === "windows") return schtasksRemoveSteps((await schtasksQuery(system)).present);
  if (system.platform === "darwin") {
    const modern = isModernLaunchctl(system.osRelease());
    const [plist, { loaded }] = await Promise.all([system.exists(PLIST_PATH), launchdLoaded(system, modern)]);
    return launchdRemoveSteps(modern, { plist, loaded });
  }
  const override = system.env[CRON_DIR_ENV];
  // Everything happens in that folder: a test never touches the machine's real entries.
  if (override) return (await system.exists(cronFilePath(override))) ? [{ kind: "remove", path: cronFilePath(override) }] : [];
  const scheduler = await detectScheduler(system).catch((error: unknown) => {
    // No scheduler to ask, but files of ours may still be there.
    if (error instanceof ScheduleError) return undefined;
    throw error;
  });
  const steps: Step[] = [];
  const present = { service: await system.exists(SERVICE_PATH), timer: await system.exists(TIMER_PATH) };
  if (scheduler?.kind === "systemd") steps.push(...systemdRemoveSteps(present));
  else {
    // systemd is not running here: only the files can go.
    if (present.timer) steps.push({ kind: "remove", path: TIMER_PATH });
    if (present.service) steps.push({ kind: "remove", path: SERVICE_PATH });
  }
  if (await system.exists(cronFilePath(CRON_DIR))) steps.push({ kind: "remove", path: cronFilePath(CRON_DIR) });
  if (scheduler?.kind === "crontab") steps.push(...crontabRemoveSteps(await readCrontab(system)));
  return steps;
}

export interface RunOptions {
  dryRun?: boolean;
  /** Progress and warnings (stderr). */
  log: (message: string) => void;
  /** The --dry-run listing (stdout). */
  print: (text: string) => Promise<void> | void;
}

export async function installSchedule(system: ScheduleSystem, job: ScheduledJob, options: RunOptions): Promise<Plan> {
  const plan = await planInstall(system, job);
  const format = commandFormatter(system);
  for (const warning of plan.warnings) options.log(`warning: ${warning}`);
  if (options.dryRun) {
    await options.print(`scheduler: ${describeScheduler(plan.scheduler)}: ${plan.scheduler.reason}\n${describeSteps(plan.steps, format)}`);
    return plan;
  }
  await applySteps(system, plan.steps, format, options.log);
  options.log(`installed: ${describeScheduler(plan.scheduler)}, every ${job.every.text}; check it with caveat schedule status`);
  return plan;
}

/** Returns false when there was nothing to remove. */
export async function removeSchedule(system: ScheduleSystem, options: RunOptions): Promise<boolean> {
  const steps = await planRemove(system);
  const format = commandFormatter(system);
  if (steps.length === 0) {
    options.log("no caveat schedule is installed: nothing to remove");
    return false;
  }
  if (options.dryRun) {
    await options.print(describeSteps(steps, format));
    return true;
  }
  await applySteps(system, steps, format, options.log);
  options.log("removed the caveat schedule");
  return true;
}

export async function scheduleStatus(system: ScheduleSystem): Promise<ScheduleStatus> {
  let scheduler: Scheduler;
  try {
    scheduler = await detectScheduler(system);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    return { scheduler: "none", installed: false, facts: [], problems: [error.message], warnings: [] };
  }
  switch (scheduler.kind) {
    case "systemd":
      return systemdStatus(system);
    case "cron.d":
      return cronStatus(system, { kind: "cron.d", dir: scheduler.dir });
    case "crontab":
      return cronStatus(system, { kind: "crontab" });
    case "launchd":
      return launchdStatus(system, scheduler.modern);
    case "schtasks":
      return schtasksStatus(system);
  }
}

/** The status as aligned "label: value" lines, then problems and warnings. */
export function formatStatus(status: ScheduleStatus): string {
  const rows: Array<[string, string]> = [["scheduler", status.scheduler], ["installed", status.installed ? "yes" : "no"], ...status.facts];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  const lines = rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`);
  for (const problem of status.problems) lines.push(`problem: ${problem}`);
  for (const warning of status.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}
