// Where the agent's submission settings come from: command-line flags, then the environment
// (CAVEAT_TOKEN), then the config file (/etc/caveat/agent.json or %ProgramData%\caveat\agent.json).
// A scheduled task should use the config file: a token on a command line is visible to every local
// user (ps, Task Scheduler's task list).
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve, win32 } from "node:path";
import { DEFAULT_SPOOL_LIMITS, type SpoolLimits } from "./spool.js";

export const TOKEN_ENV = "CAVEAT_TOKEN";
/** Names another config file than the default (tests, several agents on one machine). */
export const CONFIG_ENV = "CAVEAT_CONFIG";
/** Appended when the submit URL names only the server (https://caveat.example.net). */
export const INVENTORIES_PATH = "/api/v1/inventories";

export interface AgentConfigFile {
  submitUrl?: string;
  token?: string;
  /** Relative paths are relative to the config file's folder. */
  tokenFile?: string;
  client?: string;
  spoolDir?: string;
  spoolMaxItems?: number;
  spoolMaxBytes?: number;
}

const STRING_KEYS = ["submitUrl", "token", "tokenFile", "client", "spoolDir"] as const;
const COUNT_KEYS = ["spoolMaxItems", "spoolMaxBytes"] as const;
export const CONFIG_KEYS: readonly string[] = [...STRING_KEYS, ...COUNT_KEYS];

/** A setting the user has to fix; the message names the file or flag and what was expected. */
export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentConfigError";
  }
}

export function defaultConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === "win32") return win32.join(env.ProgramData || env.PROGRAMDATA || "C:\\ProgramData", "caveat", "agent.json");
  return "/etc/caveat/agent.json";
}

/** Parses the config text. Unknown keys are returned (to warn about), not refused: a newer agent's file still works. */
export function parseAgentConfig(text: string, path: string): { values: AgentConfigFile; unknownKeys: string[] } {
  const body = text.replace(/^\uFEFF/, ""); // Notepad on older Windows saves UTF-8 with a BOM
  // An empty file is an empty config (CAVEAT_CONFIG=/dev/null: no config file at all).
  if (body.trim() === "") return { values: {}, unknownKeys: [] };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AgentConfigError(`${path}: not valid JSON (${error.message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new AgentConfigError(`${path}: expected a JSON object like {"submitUrl": "...", "tokenFile": "..."}`);
  const record = value as Record<string, unknown>;
  const values: AgentConfigFile = {};
  for (const key of STRING_KEYS) {
    const field = record[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== "string" || field.trim() === "") throw new AgentConfigError(`${path}: "${key}" must be a non-empty string`);
    values[key] = field.trim();
  }
  for (const key of COUNT_KEYS) {
    const field = record[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== "number" || !Number.isSafeInteger(field) || field <= 0) throw new AgentConfigError(`${path}: "${key}" must be a positive whole number`);
    values[key] = field;
  }
  if (values.token && values.tokenFile) throw new AgentConfigError(`${path}: give "token" or "tokenFile", not both`);
  return { values, unknownKeys: Object.keys(record).filter((key) => !CONFIG_KEYS.includes(key)) };
}

/** True when group or others may read a file with this mode (POSIX permission bits). */
export function isReadableByOthers(mode: number): boolean {
  return (mode & 0o044) !== 0;
}

/**
 * http(s) only, no user:password@ (it would sit in logs and scheduler entries), and the default
 * inventories path when only the server is named.
 */
export function parseSubmitUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new AgentConfigError(`${source} ${JSON.stringify(text)}: not a URL (expected e.g. https://caveat.example.net${INVENTORIES_PATH})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AgentConfigError(`${source} ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  if (url.username || url.password) throw new AgentConfigError(`${source}: the URL must not contain a user name or password; the token goes in --token, ${TOKEN_ENV} or the config file`);
  url.hash = "";
  if (url.pathname === "/" || url.pathname === "") url.pathname = INVENTORIES_PATH;
  return url;
}

/** Loopback hosts, where plain http does not cross a network. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export interface SubmitFlags {
  /** The URL given on the command line (--submit URL / --url URL). */
  url?: string;
  token?: string;
  config?: string;
  spool?: string;
  client?: string;
  spoolMaxItems?: number;
  spoolMaxBytes?: number;
}

export interface ResolveContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  warn: (message: string) => void;
  defaultSpoolDir: string;
  /** How the URL flag is spelled in messages: "--submit URL" or "--url URL". */
  urlFlag: string;
}

export interface SubmitSettings {
  url: URL;
  token: string;
  /** Where the token came from, for messages ("--token", "CAVEAT_TOKEN", "/etc/caveat/agent.json"). */
  tokenSource: string;
  client?: string;
  /** Where client came from, for messages. */
  clientSource?: string;
  spoolDir: string;
  limits: SpoolLimits;
  /** The config file that was read, if any. */
  configPath?: string;
}

/** Flags win over the environment, which wins over the config file. Throws AgentConfigError for anything missing or wrong. */
export async function resolveSubmitSettings(flags: SubmitFlags, context: ResolveContext): Promise<SubmitSettings> {
  const { env, platform, warn } = context;
  const explicitPath = flags.config ?? (env[CONFIG_ENV] || undefined);
  const configPath = explicitPath ?? defaultConfigPath(platform, env);
  const config = await loadAgentConfig(configPath, explicitPath !== undefined, warn, platform);
  const values = config?.values ?? {};
  const base = config ? dirname(resolve(config.path)) : process.cwd();

  const urlText = flags.url ?? values.submitUrl;
  if (!urlText) throw new AgentConfigError(`no collector URL: give ${context.urlFlag}, or put "submitUrl" in ${configPath}`);
  const url = parseSubmitUrl(urlText, flags.url ? context.urlFlag.split(" ")[0]! : `${configPath} "submitUrl"`);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) warn(`submitting to ${url.origin} over plain http: the token and the inventory travel unencrypted`);

  let token: string | undefined;
  let tokenSource = "";
  if (flags.token !== undefined) {
    token = flags.token.trim();
    tokenSource = "--token";
  } else if (env[TOKEN_ENV]) {
    token = env[TOKEN_ENV]!.trim();
    tokenSource = TOKEN_ENV;
  } else if (values.token) {
    token = values.token;
    tokenSource = configPath;
    if (config?.mode !== undefined && platform !== "win32" && isReadableByOthers(config.mode)) {
      warn(`${config.path} holds a token and is readable by other users (mode ${formatMode(config.mode)}): chmod 600 ${config.path}`);
    }
  } else if (values.tokenFile) {
    const tokenPath = resolve(base, values.tokenFile);
    token = await readTokenFile(tokenPath, warn, platform);
    tokenSource = tokenPath;
  }
  if (!token) {
    throw new AgentConfigError(`no collector token: give --token TOKEN, set ${TOKEN_ENV}, or put "token" or "tokenFile" in ${configPath} (or a file named by --config)`);
  }
  // Checked here so that a bad token never reaches an HTTP library error message (which would quote it).
  if (!/^[\x21-\x7e]+$/.test(token)) throw new AgentConfigError(`the token from ${tokenSource} contains spaces or characters other than printable ASCII`);

  const limits: SpoolLimits = {
    ...DEFAULT_SPOOL_LIMITS,
    maxItems: flags.spoolMaxItems ?? values.spoolMaxItems ?? DEFAULT_SPOOL_LIMITS.maxItems,
    maxBytes: flags.spoolMaxBytes ?? values.spoolMaxBytes ?? DEFAULT_SPOOL_LIMITS.maxBytes,
  };
  const spoolDir = flags.spool ? resolve(flags.spool) : values.spoolDir ? resolve(base, values.spoolDir) : context.defaultSpoolDir;
  const client = flags.client ?? values.client;
  const clientSource = flags.client !== undefined ? "--client" : values.client !== undefined ? `${configPath} "client"` : undefined;
  return { url, token, tokenSource, client, clientSource, spoolDir, limits, configPath: config?.path };
}

interface LoadedConfig {
  path: string;
  values: AgentConfigFile;
  mode?: number;
}

/**
 * Reads the config file. A missing default file is normal (flags or env do the job); a missing file
 * the user named is an error. An unreadable default file (a non-root user, mode 600) is a warning.
 */
export async function loadAgentConfig(path: string, explicit: boolean, warn: (message: string) => void, platform: NodeJS.Platform = process.platform): Promise<LoadedConfig | undefined> {
  let text: string;
  let mode: number | undefined;
  try {
    text = await readFile(path, "utf8");
    mode = platform === "win32" ? undefined : (await stat(path)).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!explicit && code === "ENOENT") return undefined;
    if (!explicit && code === "EACCES") {
      warn(`cannot read ${path} (permission denied); going on without it`);
      return undefined;
    }
    throw new AgentConfigError(`config file ${path}: cannot read (${code ?? (error as Error).message})`);
  }
  const { values, unknownKeys } = parseAgentConfig(text, path);
  if (unknownKeys.length > 0) warn(`${path}: ignoring unknown setting(s) ${unknownKeys.map((k) => JSON.stringify(k)).join(", ")} (known: ${CONFIG_KEYS.join(", ")})`);
  return { path, values, mode };
}

/** Reads a token file (first line, trimmed), warning when other users can read it. */
export async function readTokenFile(path: string, warn: (message: string) => void, platform: NodeJS.Platform = process.platform): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new AgentConfigError(`token file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (platform !== "win32") {
    const { mode } = await stat(path);
    if (isReadableByOthers(mode)) warn(`token file ${path} is readable by other users (mode ${formatMode(mode)}): chmod 600 ${path}`);
  }
  const token = text.replace(/^\uFEFF/, "").split(/\r?\n/)[0]!.trim();
  if (!token) throw new AgentConfigError(`token file ${path}: empty`);
  return token;
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

