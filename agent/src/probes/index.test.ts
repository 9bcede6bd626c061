import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { Probe } from "../probe.js";
import { PROBES, probesFor } from "./index.js";

const isProbe = (value: unknown): value is Probe =>
  !!value && typeof value === "object" && typeof (value as Probe).id === "string" && typeof (value as Probe).run === "function" && typeof (value as Probe).platform === "string";

describe("probe registry", () => {
  it("registers every probe exported from probes/<platform>/*.ts", async () => {
    const exported: Probe[] = [];
    for (const dir of ["linux", "windows", "darwin", "shared"]) {
      const files = (await readdir(new URL(`./${dir}/`, import.meta.url))).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts");
      for (const file of files) {
        const module = (await import(`./${dir}/${file.replace(/\.ts$/, ".js")}`)) as Record<string, unknown>;
        exported.push(...Object.values(module).filter(isProbe));
      }
    }
    const unregistered = exported.filter((probe) => !PROBES.includes(probe)).map((p) => p.id);
    expect(unregistered).toEqual([]);
    expect(exported.length).toBeGreaterThanOrEqual(PROBES.length);
  });

  it("gives every probe a unique id that starts with its platform", () => {
    const ids = PROBES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const probe of PROBES) expect(probe.id).toMatch(new RegExp(`^${probe.platform}\\.[a-z0-9-]+$`));
  });

  it("selects probes by platform", () => {
    expect(probesFor("linux").every((p) => p.platform === "linux")).toBe(true);
    expect(probesFor("linux").map((p) => p.id)).toContain("linux.software-dpkg");
  });
});
