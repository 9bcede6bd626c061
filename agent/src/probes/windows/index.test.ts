import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { assertKey, type Host } from "../../host/host.js";
import type { Probe } from "../../probe.js";
import { windowsProbes } from "./index.js";

const isProbe = (value: unknown): value is Probe => typeof value === "object" && value !== null && "id" in value && "run" in value && "platform" in value;

describe("windowsProbes", () => {
  it("registers every probe defined in this folder, once, in the documented order", async () => {
    const files = (await readdir(new URL(".", import.meta.url))).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts");
    const defined: Probe[] = [];
    for (const file of files) defined.push(...Object.values(await import(`./${file.replace(/\.ts$/, ".js")}`)).filter(isProbe));
    expect(new Set(windowsProbes)).toEqual(new Set(defined));
    expect(windowsProbes.map((p) => p.id)).toEqual(["windows.os", "windows.system", "windows.disks-network", "windows.software-registry", "windows.software-appx", "windows.peripherals", "windows.security"]);
    expect(windowsProbes.every((p) => p.platform === "windows")).toBe(true);
  });

  it("gives each probe one script, under its id as the recording key, that PowerShell 4.0 can run from standard input", async () => {
    for (const probe of windowsProbes) {
      const calls: { key: string; script: string }[] = [];
      const host = {
        platform: "windows",
        powershell: async (key: string, script: string) => {
          calls.push({ key, script });
          return "{}";
        },
      } as unknown as Host;
      await probe.run({ host, signal: new AbortController().signal }).catch(() => undefined); // "{}" is not a useful answer; only the call matters here
      expect(calls.map((c) => c.key), probe.id).toEqual([probe.id]);
      expect(assertKey(probe.id)).toBe(probe.id);
      const script = calls[0]!.script;
      expect(script.split("\n").some((line) => line.trim() === ""), `${probe.id}: blank line`).toBe(false);
      expect(script, probe.id).toMatch(/^Write-CaveatJson \(\[ordered\]@\{/m);
      // Backticks (PowerShell's escape) and PowerShell 5+ syntax (::new, classes) are kept out.
      expect(script, probe.id).not.toMatch(/`|::new\(|^\s*class\s/m);
    }
  });
});
