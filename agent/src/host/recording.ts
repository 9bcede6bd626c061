// A recording is a directory of raw outputs, readable by people (it doubles as a support bundle):
//   manifest.json            { format, platform, arch, recordedAt, agentVersion }
//   cmd/<key>.out            stdout of a command; cmd/<key>.json {argv, exitCode, stderr} or {notFound: true}
//   ps/<key>.out             text a PowerShell script wrote;  ps/<key>.json {error} when it failed
//   si/<key>.json            a systeminformation result
//   fs/<absolute path>       a file the agent read; a directory it listed has fs/<path>/.caveat-listing.json
//                            (hand-made fixtures may omit it: then the files under fs/<path> are the listing)
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic as writeAtomic } from "../write-atomic.js";
import { assertKey, CommandNotFound, NotRecorded, type CommandOutput, type Host, type Platform } from "./host.js";

export const RECORDING_FORMAT = "caveat.recording/v1";
const LISTING = ".caveat-listing.json";

export interface RecordingManifest {
  format: typeof RECORDING_FORMAT;
  platform: Platform;
  arch: string;
  recordedAt: string;
  agentVersion: string;
  description?: string;
}


function fsPath(dir: string, path: string): string {
  // Windows paths never reach fs probes; keep the POSIX absolute path under fs/.
  return join(dir, "fs", path.replace(/^\/+/, ""));
}

/** Wraps a live Host and saves every raw output it returns. */
export class RecordingHost implements Host {
  readonly platform: Platform;
  readonly arch: string;
  readonly origin: string;

  constructor(
    private readonly inner: Host,
    private readonly dir: string,
  ) {
    this.platform = inner.platform;
    this.arch = inner.arch;
    this.origin = inner.origin;
  }

  async start(agentVersion: string): Promise<void> {
    const manifest: RecordingManifest = { format: RECORDING_FORMAT, platform: this.platform, arch: this.arch, recordedAt: new Date().toISOString(), agentVersion };
    await writeAtomic(join(this.dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  async run(key: string, command: string, args: string[], signal?: AbortSignal): Promise<CommandOutput> {
    const base = join(this.dir, "cmd", assertKey(key));
    try {
      const output = await this.inner.run(key, command, args, signal);
      await writeAtomic(`${base}.out`, output.stdout);
      await writeAtomic(`${base}.json`, `${JSON.stringify({ argv: [command, ...args], exitCode: output.exitCode, stderr: output.stderr.slice(0, 4000) }, null, 2)}\n`);
      return output;
    } catch (error) {
      if (error instanceof CommandNotFound) await writeAtomic(`${base}.json`, `${JSON.stringify({ argv: [command, ...args], notFound: true }, null, 2)}\n`);
      throw error;
    }
  }

  async readFile(path: string): Promise<string | undefined> {
    const text = await this.inner.readFile(path);
    if (text !== undefined) await writeAtomic(fsPath(this.dir, path), text);
    return text;
  }

  async listDir(path: string): Promise<string[]> {
    const names = await this.inner.listDir(path);
    // The listing itself is recorded: entries such as /sys/class/net/eth0/device are never read as files.
    await writeAtomic(join(fsPath(this.dir, path), LISTING), `${JSON.stringify(names)}\n`);
    return names;
  }

  async powershell(key: string, script: string, signal?: AbortSignal): Promise<string> {
    const base = join(this.dir, "ps", assertKey(key));
    try {
      const text = await this.inner.powershell(key, script, signal);
      await writeAtomic(`${base}.out`, text);
      return text;
    } catch (error) {
      await writeAtomic(`${base}.json`, `${JSON.stringify({ error: (error as Error).message, notFound: error instanceof CommandNotFound }, null, 2)}\n`);
      throw error;
    }
  }

  async systemInformation<T>(key: string, call: () => Promise<T>): Promise<T> {
    const value = await this.inner.systemInformation(key, call);
    await writeAtomic(join(this.dir, "si", `${assertKey(key)}.json`), `${JSON.stringify(value, null, 2)}\n`);
    return value;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Answers every question from a recording directory. */
export class ReplayHost implements Host {
  private constructor(
    private readonly dir: string,
    readonly platform: Platform,
    readonly arch: string,
  ) {}

  get origin(): string {
    return this.dir;
  }

  static async open(dir: string): Promise<ReplayHost> {
    const path = join(dir, "manifest.json");
    let manifest: Partial<RecordingManifest>;
    try {
      manifest = JSON.parse(await readFile(path, "utf8")) as Partial<RecordingManifest>;
    } catch (error) {
      throw new Error(`${path}: cannot read the recording manifest (${(error as Error).message})`);
    }
    if (manifest.format !== RECORDING_FORMAT) throw new Error(`${path}: field "format" must be "${RECORDING_FORMAT}", found ${JSON.stringify(manifest.format)}`);
    if (manifest.platform !== "windows" && manifest.platform !== "linux" && manifest.platform !== "darwin") {
      throw new Error(`${path}: field "platform" must be windows, linux or darwin, found ${JSON.stringify(manifest.platform)}`);
    }
    return new ReplayHost(dir, manifest.platform, manifest.arch ?? "x64");
  }

  async run(key: string, command: string, _args?: string[]): Promise<CommandOutput> {
    const base = join(this.dir, "cmd", assertKey(key));
    const meta = await readOptionalJson<{ exitCode?: number; stderr?: string; notFound?: boolean }>(`${base}.json`);
    if (meta?.notFound) throw new CommandNotFound(command);
    const stdout = await readOptional(`${base}.out`);
    if (stdout === undefined) throw new NotRecorded(`command ${key} (cmd/${key}.out)`);
    return { stdout, stderr: meta?.stderr ?? "", exitCode: meta?.exitCode ?? 0 };
  }

  readFile(path: string): Promise<string | undefined> {
    return readOptional(fsPath(this.dir, path));
  }

  async listDir(path: string): Promise<string[]> {
    const dir = fsPath(this.dir, path);
    const listing = await readOptionalJson<string[]>(join(dir, LISTING));
    if (listing) return listing;
    try {
      return (await readdir(dir)).filter((name) => name !== LISTING).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  async powershell(key: string): Promise<string> {
    const base = join(this.dir, "ps", assertKey(key));
    const meta = await readOptionalJson<{ error?: string; notFound?: boolean }>(`${base}.json`);
    if (meta?.notFound) throw new CommandNotFound("powershell.exe");
    if (meta?.error) throw new Error(meta.error);
    const text = await readOptional(`${base}.out`);
    if (text === undefined) throw new NotRecorded(`PowerShell script ${key} (ps/${key}.out)`);
    return text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  }

  async systemInformation<T>(key: string): Promise<T> {
    const value = await readOptionalJson<T>(join(this.dir, "si", `${assertKey(key)}.json`));
    if (value === undefined) throw new NotRecorded(`systeminformation ${key} (si/${key}.json)`);
    return value;
  }

  async close(): Promise<void> {}
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readOptionalJson<T>(path: string): Promise<T | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}
