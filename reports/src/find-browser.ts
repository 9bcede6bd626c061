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
        "Install one (Debian/Ubuntu: apt-get install chromium; RHEL: dnf install chromium; macOS/Windows: Google Chrome or Microsoft Edge),",
        "or point CHROME_PATH (or --browser) at its executable.",
      ].join("\n"),
    );
    this.name = "BrowserNotFoundError";
  }
}

const COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge", "microsoft-edge-stable"];

const FIXED_PATHS: Record<string, string[]> = {
  darwin: [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
  ],
  win32: [
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe",
  ],
};

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
  for (const path of FIXED_PATHS[platform] ?? []) if (usable(path, path)) return path;
  const cached = safely(search.puppeteerCache);
  if (usable(cached, "puppeteer's browser cache")) return cached;
  if (!cached) looked.push("puppeteer's browser cache (empty)");
  throw new BrowserNotFoundError(looked);
}

function isExecutable(path: string): boolean {
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
