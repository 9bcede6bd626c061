// A test double for the OS boundary of `caveat schedule`: files in memory, commands answered by a
// function, every command recorded. Lets the systemd, launchd and Task Scheduler paths run on Linux.
import { CommandNotFound, type CommandOutput, type Platform } from "../host/host.js";
import { parseEvery, type ScheduledJob } from "./job.js";
import type { ScheduleSystem } from "./system.js";

/** The job the Linux tests schedule: node, the agent and its config in their usual places. */
export const linuxJob = (every = "6h", over: Partial<ScheduledJob> = {}): ScheduledJob => ({
  node: "/usr/bin/node",
  agent: "/opt/caveat/caveat-agent.mjs",
  config: "/etc/caveat/agent.json",
  every: parseEvery(every),
  ...over,
});

export type CommandAnswer = CommandOutput | "not-found";

export class FakeScheduleSystem implements ScheduleSystem {
  readonly files = new Map<string, { content: string; mode: number; mtime: Date }>();
  readonly runs: Array<{ command: string; args: string[]; input?: string }> = [];
  env: NodeJS.ProcessEnv = {};
  release = "23.1.0";
  time = new Date(2026, 10, 23, 12, 0, 0);
  unsafe = new Map<string, string>();

  constructor(
    readonly platform: Platform,
    private readonly answer: (command: string, args: string[]) => CommandAnswer = () => "not-found",
  ) {}

  async run(command: string, args: string[], input?: string): Promise<CommandOutput> {
    this.runs.push(input === undefined ? { command, args } : { command, args, input });
    const answer = this.answer(command, args);
    if (answer === "not-found") throw new CommandNotFound(command);
    return answer;
  }

  async readFile(path: string): Promise<string | undefined> {
    return this.files.get(path)?.content;
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || [...this.files.keys()].some((p) => p.startsWith(`${path}/`));
  }

  async modifiedAt(path: string): Promise<Date | undefined> {
    return this.files.get(path)?.mtime;
  }

  async writeFile(path: string, content: string, mode: number): Promise<void> {
    this.files.set(path, { content, mode, mtime: this.time });
  }

  async removeFile(path: string): Promise<boolean> {
    return this.files.delete(path);
  }

  async writableByOthers(path: string): Promise<string | undefined> {
    return this.unsafe.get(path);
  }

  /** Adds a file (or, with a trailing slash, a folder) that exists. */
  add(path: string, content = ""): this {
    this.files.set(path, { content, mode: 0o644, mtime: this.time });
    return this;
  }

  hostname(): string {
    return "reception-pc";
  }

  osRelease(): string {
    return this.release;
  }

  now(): Date {
    return this.time;
  }

  async sleep(): Promise<void> {}
}

export const ok = (stdout = "", stderr = ""): CommandOutput => ({ stdout, stderr, exitCode: 0 });
export const fail = (exitCode: number, stderr = "", stdout = ""): CommandOutput => ({ stdout, stderr, exitCode });
