import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BrowserNotFoundError, findBrowser } from "./find-browser.js";

async function fakeExecutables(names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "caveat-browser-"));
  for (const name of names) {
    await writeFile(join(dir, name), "#!/bin/sh\n");
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

describe("findBrowser", () => {
  it("prefers CHROME_PATH, then chromium before google-chrome and Edge on PATH", async () => {
    const dir = await fakeExecutables(["chromium", "google-chrome", "microsoft-edge", "my-chrome"]);
    const none = () => undefined;
    expect(findBrowser({ env: { PATH: dir, CHROME_PATH: join(dir, "my-chrome") }, platform: "linux", puppeteerCache: none })).toBe(join(dir, "my-chrome"));
    expect(findBrowser({ env: { PATH: dir }, platform: "linux", puppeteerCache: none })).toBe(join(dir, "chromium"));
    const edgeOnly = await fakeExecutables(["microsoft-edge"]);
    expect(findBrowser({ env: { PATH: `/nonexistent:${edgeOnly}` }, platform: "linux", puppeteerCache: none })).toBe(join(edgeOnly, "microsoft-edge"));
  });

  it("falls back to a browser in puppeteer's cache, and treats an empty cache as nothing found", async () => {
    const dir = await fakeExecutables(["chrome"]);
    expect(findBrowser({ env: { PATH: "/nonexistent" }, platform: "linux", puppeteerCache: () => join(dir, "chrome") })).toBe(join(dir, "chrome"));
    expect(() =>
      findBrowser({
        env: { PATH: "/nonexistent" },
        platform: "linux",
        puppeteerCache: () => {
          throw new Error("Could not find Chrome");
        },
      }),
    ).toThrow(BrowserNotFoundError);
  });

  it("says what it looked for and what to install when nothing is found", () => {
    const error = (() => {
      try {
        findBrowser({ env: { PATH: "/nonexistent" }, platform: "linux", puppeteerCache: () => undefined });
      } catch (e) {
        return e as BrowserNotFoundError;
      }
    })()!;
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    expect(error.message).toContain("chromium on PATH");
    expect(error.message).toContain("google-chrome on PATH");
    expect(error.message).toContain("apt-get install chromium");
    expect(error.message).toContain("CHROME_PATH");
  });

  it("does not quietly use another browser when CHROME_PATH or --browser point nowhere", async () => {
    const dir = await fakeExecutables(["chromium"]);
    expect(() => findBrowser({ env: { PATH: dir, CHROME_PATH: "/nonexistent/chrome" }, platform: "linux" })).toThrow(/\$CHROME_PATH \(\/nonexistent\/chrome\)/);
    expect(() => findBrowser({ explicit: "/nonexistent/edge", env: { PATH: dir }, platform: "linux" })).toThrow(/--browser \(\/nonexistent\/edge\)/);
  });
});
