// Runs the built CLI as a separate process, the way users and schedulers do.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CAVEAT = fileURLToPath(new URL("../bin/caveat.mjs", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; entry?: string } = {}): Promise<CliResult> {
  return runProcess([process.execPath, options.entry ?? CAVEAT, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env } });
}

/** Runs a program to its end, collecting its output; `stdin: "ignore"` gives it no input at all. */
export function runProcess(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: "ignore" }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: [options.stdin ?? "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
