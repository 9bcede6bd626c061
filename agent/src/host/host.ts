// The operating-system boundary. Probes never touch child_process or fs directly: they ask a Host.
// A live Host runs the real commands; a recording Host also saves every raw output; a replay Host
// answers from such a recording. That is how Windows and macOS probes are tested on this Linux
// machine, and how a user sends a support bundle (caveat scan --record DIR).

export type Platform = "windows" | "linux" | "darwin";

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Host {
  readonly platform: Platform;
  /** Node's process.arch naming (x64, arm64, ia32). */
  readonly arch: string;
  /** Where the data comes from: "live" or the recording directory being replayed. */
  readonly origin: string;
  /** Runs a program (no shell). `key` names the output in a recording. Throws CommandNotFound when it is not installed. */
  run(key: string, command: string, args: string[], signal?: AbortSignal): Promise<CommandOutput>;
  /** Reads a text file; undefined when it does not exist or cannot be read by this user. */
  readFile(path: string): Promise<string | undefined>;
  /** Lists a directory's entries (names only); empty when it does not exist or cannot be read. */
  listDir(path: string): Promise<string[]>;
  /** Runs a PowerShell script in the scan's single long-lived shell and returns its text output. */
  powershell(key: string, script: string, signal?: AbortSignal): Promise<string>;
  /** Calls a systeminformation function; its JSON result is what a recording keeps. */
  systemInformation<T>(key: string, call: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The program a probe needs is not on this machine: the probe is `unsupported`, not failed. */
export class CommandNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed`);
    this.name = "CommandNotFound";
  }
}

/** A recording does not hold what a probe asked for (it was made by another version or platform). */
export class NotRecorded extends Error {
  constructor(readonly what: string) {
    super(`not in the recording: ${what}`);
    this.name = "NotRecorded";
  }
}

/** Keys become file names in a recording: keep them portable. */
export function assertKey(key: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(key)) throw new Error(`invalid recording key ${JSON.stringify(key)}`);
  return key;
}
