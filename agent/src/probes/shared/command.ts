import { CommandNotFound, type CommandOutput } from "../../host/host.js";
import type { ProbeContext } from "../../probe.js";

/** A program ran but failed: exit code and the first line of what it said. */
export class CommandFailed extends Error {
  constructor(label: string, exitCode: number, stderr: string) {
    super(`${label} exited ${exitCode}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`);
    this.name = "CommandFailed";
  }
}

/** Runs a program for a probe and returns its stdout; a non-zero exit becomes CommandFailed. */
export async function runCommand({ host, signal }: ProbeContext, key: string, command: string, args: string[], label = command): Promise<string> {
  const { stdout, stderr, exitCode } = await host.run(key, command, args, signal);
  if (exitCode !== 0) throw new CommandFailed(label, exitCode, stderr);
  return stdout;
}

/**
 * Runs a program that may not be installed: its output, or undefined with the reason added to `notes`
 * (followed by `consequence`, e.g. "disk encryption unknown"). For optional facts, where a missing
 * program leaves the fact unknown rather than failing the probe.
 */
export async function runIfInstalled({ host, signal }: ProbeContext, key: string, command: string, args: string[], notes: string[], consequence?: string): Promise<CommandOutput | undefined> {
  try {
    return await host.run(key, command, args, signal);
  } catch (error) {
    if (!(error instanceof CommandNotFound)) throw error;
    notes.push(consequence ? `${error.message}: ${consequence}` : error.message);
    return undefined;
  }
}
