// The OS boundary of `caveat schedule`: files and commands. Installing is planned as data (Steps)
// first, then applied, so --dry-run prints exactly what an install would do, and the tests of the
// systemd, launchd and Task Scheduler plans run on this Linux machine against a fake system.
import { spawn } from "node:child_process";
import { chmod, lstat, readFile, realpath, stat, unlink } from "node:fs/promises";
import { hostname, release } from "node:os";
import { dirname } from "node:path";
import { CommandNotFound, type CommandOutput, type Platform } from "../host/host.js";
import { currentPlatform } from "../host/live-host.js";
import { writeFileAtomic } from "../write-atomic.js";
import { ScheduleError } from "./job.js";

export interface ScheduleSystem {
  readonly platform: Platform;
  readonly env: NodeJS.ProcessEnv;
  /** Runs a program (no shell), optionally with text on stdin. Throws CommandNotFound when it is not installed. */
  run(command: string, args: string[], input?: string): Promise<CommandOutput>;
  readFile(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  modifiedAt(path: string): Promise<Date | undefined>;
  /** Writes atomically (temp file + rename) with this mode. */
  writeFile(path: string, content: string, mode: number): Promise<void>;
  /** False when there was nothing to remove. */
  removeFile(path: string): Promise<boolean>;
  /**
   * POSIX: why someone other than root could replace this file (it or a folder above it is writable by
   * another user), or undefined when only root can. A root job that runs such a file runs their code.
   */
  writableByOthers(path: string): Promise<string | undefined>;
  hostname(): string;
  /** os.release(): the Darwin kernel version on macOS (which launchctl verbs exist). */
  osRelease(): string;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export type Step =
  | { kind: "write"; path: string; content: string; mode: number }
  | { kind: "remove"; path: string }
  | {
      kind: "run";
      command: string;
      args: string[];
      input?: string;
      /** A failure is expected and harmless (unloading what is not loaded): logged, not thrown. */
      mayFail?: boolean;
      /** A failure worth a warning but not worth undoing the install for. */
      warnOnFailure?: string;
      /** Tries again, a second apart (launchd finishes a bootout asynchronously). */
      attempts?: number;
    };

/** A command line as a person would read it in --dry-run output and logs. */
export type CommandFormatter = (command: string, args: string[]) => string;

export function posixCommandLine(command: string, args: string[]): string {
  return [command, ...args].map(shellQuote).join(" ");
}

/** POSIX sh quoting: safe words as they are, anything else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** --dry-run: what would be written and run, in order, nothing changed. */
export function describeSteps(steps: Step[], format: CommandFormatter): string {
  const lines: string[] = [];
  for (const step of steps) {
    if (step.kind === "write") {
      lines.push(`would write ${step.path} (mode ${step.mode.toString(8)}):`);
      for (const line of step.content.replace(/\n$/, "").split("\n")) lines.push(`    ${line}`);
    } else if (step.kind === "remove") {
      lines.push(`would remove ${step.path}`);
    } else {
      lines.push(`would run: ${format(step.command, step.args)}${step.mayFail ? "   (may fail: nothing to undo)" : ""}`);
      if (step.input !== undefined) for (const line of step.input.replace(/\n$/, "").split("\n")) lines.push(`    | ${line}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Applies the steps in order; the first failure stops the install with what failed and why. */
export async function applySteps(system: ScheduleSystem, steps: Step[], format: CommandFormatter, log: (message: string) => void): Promise<void> {
  for (const step of steps) {
    if (step.kind === "write") {
      await fileErrors(step.path, "write", () => system.writeFile(step.path, step.content, step.mode));
      log(`wrote ${step.path}`);
      continue;
    }
    if (step.kind === "remove") {
      if (await fileErrors(step.path, "remove", () => system.removeFile(step.path))) log(`removed ${step.path}`);
      continue;
    }
    const line = format(step.command, step.args);
    let result: CommandOutput | undefined;
    for (let attempt = 1; attempt <= (step.attempts ?? 1); attempt++) {
      if (attempt > 1) await system.sleep(1000);
      try {
        result = await system.run(step.command, step.args, step.input);
      } catch (error) {
        if (error instanceof CommandNotFound) throw new ScheduleError(`${step.command} is not installed (needed to run: ${line})`, "failed");
        throw error;
      }
      if (result.exitCode === 0) break;
    }
    if (result!.exitCode === 0) {
      log(`ran ${line}`);
      continue;
    }
    const why = firstLine(result!.stderr) || firstLine(result!.stdout) || "no message";
    if (step.mayFail) {
      log(`ran ${line}: exit ${result!.exitCode} (${why}); nothing to undo`);
    } else if (step.warnOnFailure) {
      log(`warning: ${line} failed (exit ${result!.exitCode}: ${why}); ${step.warnOnFailure}`);
    } else {
      throw new ScheduleError(`${line} failed (exit ${result!.exitCode}): ${why}`, "failed");
    }
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? "";
}

async function fileErrors<T>(path: string, verb: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new ScheduleError(`cannot ${verb} ${path} (${code}): installing a system-wide schedule needs root (sudo) or an Administrator prompt`, "failed");
    }
    if (code) throw new ScheduleError(`cannot ${verb} ${path} (${code})`, "failed");
    throw error;
  }
}

const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export class LiveScheduleSystem implements ScheduleSystem {
  readonly platform = currentPlatform();
  readonly env = process.env;

  run(command: string, args: string[], input?: string): Promise<CommandOutput> {
    return new Promise((resolve, reject) => {
      // C locale: systemctl and launchctl output is parsed (schtasks follows the Windows display language regardless).
      const child = spawn(command, args, { windowsHide: true, env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" }, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let size = 0;
      const collect = (append: (text: string) => void) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) append(chunk.toString("utf8"));
      };
      child.stdout.on("data", collect((t) => (stdout += t)));
      child.stderr.on("data", collect((t) => (stderr += t)));
      child.on("error", (error: NodeJS.ErrnoException) => reject(error.code === "ENOENT" ? new CommandNotFound(command) : error));
      child.on("close", (code, signal) => resolve({ stdout, stderr, exitCode: code ?? (signal ? 128 : 1) }));
      // A program that does not read stdin closes it early; that EPIPE is not our failure.
      child.stdin.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") reject(error);
      });
      child.stdin.end(input ?? "");
    });
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.modifiedAt(path)) !== undefined;
  }

  async modifiedAt(path: string): Promise<Date | undefined> {
    try {
      return (await stat(path)).mtime;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  }

  async writeFile(path: string, content: string, mode: number): Promise<void> {
    await writeFileAtomic(path, content);
    // cron ignores files that group or others can write; launchd refuses such plists.
    if (this.platform !== "windows") await chmod(path, mode);
  }

  async removeFile(path: string): Promise<boolean> {
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async writableByOthers(path: string): Promise<string | undefined> {
    if (this.platform === "windows") return undefined;
    let current: string;
    try {
      current = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    for (;;) {
      let info;
      try {
        info = await lstat(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
      if (info.uid !== 0) return `${current} is owned by uid ${info.uid}`;
      // A sticky world-writable folder (/tmp) lets others add files, not replace root's.
      const sticky = info.isDirectory() && (info.mode & 0o1000) !== 0;
      if ((info.mode & 0o002) !== 0 && !sticky) return `${current} is writable by every user`;
      if ((info.mode & 0o020) !== 0 && info.gid !== 0 && !sticky) return `${current} is writable by group ${info.gid}`;
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }

  hostname(): string {
    return hostname();
  }

  osRelease(): string {
    return release();
  }

  now(): Date {
    return new Date();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
