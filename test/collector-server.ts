// Starts `caveat serve` as a real process for end-to-end tests, and runs admin commands against its database.
import { spawn, type ChildProcess } from "node:child_process";
import { CAVEAT, ROOT, runCli } from "./cli.js";

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServer(database: string, extra: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [CAVEAT, "serve", "--database", database, "--port", "0", "--log-level", "error", ...extra], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`caveat serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    process: child,
    stderr: () => stderr,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** Adds a client and returns a new agent token for it (through the CLI, as an MSP would). */
export async function clientWithToken(database: string, slug: string): Promise<string> {
  const added = await runCli(["client", "add", slug, "--name", `${slug} Ltd`, "--database", database]);
  if (added.code !== 0) throw new Error(added.stderr);
  const created = await runCli(["token", "create", "--client", slug, "--database", database]);
  if (created.code !== 0) throw new Error(created.stderr);
  return created.stdout.trim();
}
