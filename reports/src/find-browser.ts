// Finds a Chromium-based browser to print with. caveat never downloads one: an MSP's machines already
// have Chrome or Edge, servers get the distribution's chromium package.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export class BrowserNotFoundError extends Error {
  constructor(readonly looked: string[]) {
    super(
      [
        "no Chromium-based browser found to print the report with.",
        `Looked at: ${looked.join(", ")}.`,
        "Install one (Debian: apt-get install chromium; Ubuntu: snap install chromium; RHEL: dnf install chromium; macOS/Windows: Google Chrome or Microsoft Edge),",
        "or point CHROME_PATH (or --browser) at its executable.",
      ].join("\n"),
    );
    this.name = "BrowserNotFoundError";
  }
}

const COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge", "microsoft-edge-stable"];

const MAC_APPS = ["Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium", "Microsoft Edge.app/Contents/MacOS/Microsoft Edge"];
const WINDOWS_APPS = ["Google\\Chrome\\Application\\chrome.exe", "Microsoft\\Edge\\Application\\msedge.exe", "Chromium\\Application\\chrome.exe"];

/** Where browsers install themselves: system-wide and per user (Chrome's per-user install is common on Windows). */
function installPaths(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === "darwin") return ["/Applications", ...(env.HOME ? [`${env.HOME}/Applications`] : [])].flatMap((dir) => MAC_APPS.map((app) => `${dir}/${app}`));
  if (platform === "win32") {
    const roots = [env.ProgramFiles ?? "C:\\Program Files", env["ProgramFiles(x86)"] ?? "C:\\Program Files (x86)", ...(env.LOCALAPPDATA ? [env.LOCALAPPDATA] : [])];
    return [...new Set(roots)].flatMap((root) => WINDOWS_APPS.map((app) => `${root}\\${app}`));
  }
  return [];
}

export interface BrowserSearch {
  /** --browser, when given: used as is, or an error. */
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** puppeteer's own download cache (only used when someone installed a browser there). */
  puppeteerCache?: () => string | undefined;
}

/** CHROME_PATH (or PUPPETEER_EXECUTABLE_PATH), then chromium / google-chrome / Edge on PATH and the usual install paths, then puppeteer's cache. */
export function findBrowser(search: BrowserSearch = {}): string {
  const env = search.env ?? process.env;
  const platform = search.platform ?? process.platform;
  const looked: string[] = [];
  const usable = (path: string | undefined, label: string): path is string => {
    if (!path) return false;
    looked.push(label === path ? path : `${label} (${path})`);
    return isExecutable(path);
  };
  if (search.explicit !== undefined) {
    if (usable(search.explicit, "--browser")) return search.explicit;
    throw new BrowserNotFoundError(looked);
  }
  // A variable that is set is a decision: when it points nowhere, say so instead of printing with another browser.
  for (const variable of ["CHROME_PATH", "PUPPETEER_EXECUTABLE_PATH"]) {
    const value = env[variable];
    if (!value) continue;
    if (usable(value, `$${variable}`)) return value;
    throw new BrowserNotFoundError(looked);
  }
  const dirs = (env.PATH ?? env.Path ?? "").split(platform === "win32" ? ";" : delimiter).filter(Boolean);
  for (const command of COMMANDS) {
    for (const dir of dirs) {
      const path = join(dir, platform === "win32" ? `${command}.exe` : command);
      if (isExecutable(path)) return path;
    }
    looked.push(`${command} on PATH`);
  }
  for (const path of installPaths(platform, env)) if (usable(path, path)) return path;
  const cached = safely(search.puppeteerCache);
  if (usable(cached, "puppeteer's browser cache")) return cached;
  if (!cached) looked.push("puppeteer's browser cache (empty)");
  throw new BrowserNotFoundError(looked);
}

/** The file exists and this process may run it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safely(get: (() => string | undefined) | undefined): string | undefined {
  try {
    return get?.();
  } catch {
    // puppeteer throws when its cache holds no browser: that is an empty cache, not an error.
    return undefined;
  }
}
