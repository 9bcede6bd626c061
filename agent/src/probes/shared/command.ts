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
