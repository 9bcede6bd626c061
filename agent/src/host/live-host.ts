import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { CommandNotFound, type CommandOutput, type Host, type Platform } from "./host.js";
import type { PowerShellSession } from "./powershell-session.js";

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export function currentPlatform(): Platform {
  const p = process.platform;
  if (p === "win32") return "windows";
  if (p === "darwin" || p === "linux") return p;
  throw new Error(`caveat does not support the ${p} platform`);
}

export class LiveHost implements Host {
  readonly platform = currentPlatform();
  readonly arch = process.arch;
  readonly origin = "live";
  private shell: PowerShellSession | undefined;

  run(_key: string, command: string, args: string[], signal?: AbortSignal): Promise<CommandOutput> {
    return new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        { encoding: "utf8", maxBuffer: MAX_OUTPUT_BYTES, signal, windowsHide: true, env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" } },
        (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return reject(new CommandNotFound(command));
          if (error && typeof (error as { code?: unknown }).code !== "number") return reject(error);
          resolve({ stdout, stderr, exitCode: error ? Number((error as { code?: unknown }).code) : 0 });
        },
      );
    });
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      if (isAbsentOrDenied(error)) return undefined;
      throw error;
    }
  }

  async listDir(path: string): Promise<string[]> {
    try {
      return (await readdir(path)).sort();
    } catch (error) {
      if (isAbsentOrDenied(error)) return [];
      throw error;
    }
  }

  async powershell(_key: string, script: string, signal?: AbortSignal): Promise<string> {
    // Loaded on first use: only Windows scans pay for node-powershell.
    this.shell ??= new (await import("./powershell-session.js")).PowerShellSession();
    try {
      return await this.shell.invoke(script, signal);
    } catch (error) {
      // A hung or broken shell is replaced for the next probe rather than blocking the scan.
      if (signal?.aborted || this.shell.broken) {
        const old = this.shell;
        this.shell = undefined;
        await old.dispose();
      }
      throw error;
    }
  }

  systemInformation<T>(_key: string, call: () => Promise<T>): Promise<T> {
    return call();
  }

  async close(): Promise<void> {
    await this.shell?.dispose();
    this.shell = undefined;
  }
}

function isAbsentOrDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "EACCES" || code === "EPERM" || code === "ENOTDIR" || code === "EINVAL";
}
