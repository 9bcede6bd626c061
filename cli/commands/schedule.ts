// caveat schedule install|remove|status: the OS scheduler entry that runs `caveat scan --submit`.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { CONFIG_ENV, defaultConfigPath } from "../../agent/src/agent-config.js";
import {
  DEFAULT_EVERY,
  formatStatus,
  installSchedule,
  LiveScheduleSystem,
  parseEvery,
  removeSchedule,
  ScheduleError,
  scheduleStatus,
  type ScheduleSystem,
} from "../../agent/src/schedule/index.js";
import { CliError, EXIT_USAGE } from "../errors.js";
import { log, writeStdout } from "../io.js";

/** `schedule status`: no caveat schedule on this machine (or one that cannot run as it stands). */
export const EXIT_NOT_INSTALLED = 3;
/** install/remove: the scheduler or the file system refused (not root, systemctl failed); the message says which. */
export const EXIT_SCHEDULER_FAILED = 1;

export interface ScheduleInstallOptions {
  every?: string;
  config?: string;
  node?: string;
  agent?: string;
  dryRun?: boolean;
}

export async function scheduleInstallCommand(options: ScheduleInstallOptions, system: ScheduleSystem = new LiveScheduleSystem()): Promise<void> {
  await scheduleErrors(async () => {
    const every = parseEvery(options.every ?? DEFAULT_EVERY);
    const job = {
      node: resolve(options.node ?? process.execPath),
      agent: resolve(options.agent ?? runningEntry()),
      config: resolve(options.config ?? (process.env[CONFIG_ENV] || defaultConfigPath())),
      every,
    };
    await installSchedule(system, job, { dryRun: options.dryRun, log, print: writeStdout });
  });
}

export async function scheduleRemoveCommand(options: { dryRun?: boolean }, system: ScheduleSystem = new LiveScheduleSystem()): Promise<void> {
  await scheduleErrors(() => removeSchedule(system, { dryRun: options.dryRun, log, print: writeStdout }));
}

/** Prints what is installed; exits 3 when nothing (or only half of it) is. */
export async function scheduleStatusCommand(system: ScheduleSystem = new LiveScheduleSystem()): Promise<void> {
  const status = await scheduleErrors(() => scheduleStatus(system));
  await writeStdout(formatStatus(status));
  if (!status.installed) throw new CliError(`the scheduled scan is not installed${status.problems[0] ? ` (${status.problems[0]})` : ""}: caveat schedule install adds it`, EXIT_NOT_INSTALLED);
}

/**
 * The file this CLI was started from: bin/caveat.mjs, or the single-file agent wherever it was copied.
 * The real path, not a symlink (node_modules/.bin/caveat) that a package update may move.
 */
function runningEntry(): string {
  const entry = process.argv[1];
  if (!entry) throw new CliError("cannot tell which file this CLI runs from: give --agent PATH");
  return realpathSync(entry);
}

async function scheduleErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ScheduleError) throw new CliError(error.message, error.kind === "usage" ? EXIT_USAGE : EXIT_SCHEDULER_FAILED);
    throw error;
  }
}
