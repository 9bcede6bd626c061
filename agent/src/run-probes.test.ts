import { describe, expect, it } from "vitest";
import { CommandNotFound, type Host } from "./host/host.js";
import { ProbeUnsupported, type Probe } from "./probe.js";
import { runProbes } from "./run-probes.js";

const host = { platform: "linux", arch: "x64", origin: "live" } as unknown as Host;
const probe = (id: string, run: Probe["run"], timeoutMs?: number): Probe => ({ id, platform: "linux", run, timeoutMs });

describe("runProbes", () => {
  it("records ok, error, unsupported and timeout side by side without aborting the others", async () => {
    const outcomes = await runProbes(
      [
        probe("linux.good", async () => ({ software: [{ name: "a", source: "dpkg", scope: "machine" }], notes: ["partial: x"] })),
        probe("linux.throws", async () => {
          throw new Error("parse failed at line 3");
        }),
        probe("linux.missing", async () => {
          throw new CommandNotFound("rpm");
        }),
        probe("linux.na", async () => {
          throw new ProbeUnsupported("not on this distro");
        }),
        probe("linux.hangs", () => new Promise(() => undefined), 50),
      ],
      host,
    );
    const byId = Object.fromEntries(outcomes.map((o) => [o.result.id, o.result]));
    expect(byId["linux.good"]).toMatchObject({ status: "ok", message: "partial: x" });
    expect(outcomes[0]!.contribution?.software).toHaveLength(1);
    expect(byId["linux.throws"]).toMatchObject({ status: "error", message: "parse failed at line 3" });
    expect(byId["linux.missing"]).toMatchObject({ status: "unsupported", message: "rpm is not installed" });
    expect(byId["linux.na"]).toMatchObject({ status: "unsupported" });
    expect(byId["linux.hangs"]).toMatchObject({ status: "timeout", message: "no answer within 50 ms" });
    expect(byId["linux.hangs"]!.durationMs).toBeGreaterThanOrEqual(45);
  });

  it("aborts the signal of a probe that runs out of time, so its command can be killed", async () => {
    let aborted = false;
    await runProbes(
      [probe("linux.slow", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => { aborted = true; reject(new Error("killed")); })), 20)],
      host,
    );
    expect(aborted).toBe(true);
  });

  it("lets a global timeout override a probe's own", async () => {
    const [outcome] = await runProbes([probe("linux.slow", () => new Promise((r) => setTimeout(() => r({}), 200)), 10_000)], host, { timeoutMs: 30 });
    expect(outcome!.result.status).toBe("timeout");
  });
});

describe("runProbes with an exclusive resource", () => {
  it("runs probes sharing it one at a time, each deadline counted from its own start", async () => {
    const log: string[] = [];
    const slow = (id: string, ms: number): Probe => ({
      id,
      platform: "windows",
      exclusive: "powershell",
      timeoutMs: 150,
      run: () => new Promise((resolve) => { log.push(`start ${id}`); setTimeout(() => { log.push(`end ${id}`); resolve({}); }, ms); }),
    });
    // Three 100 ms scripts on one shell: 300 ms in all, but none waits past its own 150 ms deadline.
    const outcomes = await runProbes([slow("windows.a", 100), slow("windows.b", 100), slow("windows.c", 100)], host);
    expect(outcomes.map((o) => o.result.status)).toEqual(["ok", "ok", "ok"]);
    expect(log).toEqual(["start windows.a", "end windows.a", "start windows.b", "end windows.b", "start windows.c", "end windows.c"]);
  });

  it("lets the next probe run after one in the queue times out", async () => {
    const hang: Probe = { id: "windows.hang", platform: "windows", exclusive: "powershell", timeoutMs: 30, run: () => new Promise(() => undefined) };
    const next: Probe = { id: "windows.next", platform: "windows", exclusive: "powershell", run: async () => ({ notes: ["ran"] }) };
    const outcomes = await runProbes([hang, next], host);
    expect(outcomes.map((o) => o.result.status)).toEqual(["timeout", "ok"]);
  });
});
