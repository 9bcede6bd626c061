import { describe, expect, it } from "vitest";
import { calendarCadence, formatLocalTime, jobCommand, markerLine, parseEvery, readMarker, ScheduleError, stableOffset } from "./job.js";

describe("--every", () => {
  it.each([
    ["15m", "15m", 900],
    ["90m", "90m", 5400],
    ["6h", "6h", 21600],
    ["06h", "6h", 21600],
    [" 12h ", "12h", 43200],
    ["1d", "1d", 86400],
    ["168h", "168h", 604800],
    ["7d", "7d", 604800],
  ])("reads %j as %s (%i s)", (text, normal, seconds) => {
    expect(parseEvery(text)).toEqual({ text: normal, seconds });
  });

  it.each([
    ["", /expected a whole number and a unit/],
    ["6", /expected a whole number and a unit, m \(minutes\), h \(hours\) or d \(days\), e\.g\. 30m, 6h, 1d/],
    ["h", /expected a whole number/],
    ["1.5h", /expected a whole number/],
    ["6 h", /expected a whole number/],
    ["6H", /expected a whole number/],
    ["-1h", /expected a whole number/],
    ["1w", /expected a whole number/],
    ["0m", /too often; the shortest interval is 15m/],
    ["14m", /too often; the shortest interval is 15m/],
    ["8d", /too rare; the longest interval is 7d/],
    ["169h", /too rare/],
    ["10081m", /too rare/],
    ["99999999999999999999d", /too rare/],
  ])("refuses %j with a message naming the flag", (text, message) => {
    expect(() => parseEvery(text)).toThrow(ScheduleError);
    expect(() => parseEvery(text)).toThrow(message);
    expect(() => parseEvery(text)).toThrow(`--every ${JSON.stringify(text)}`);
  });

  it("knows which intervals a wall clock repeats evenly", () => {
    const cadence = (text: string) => calendarCadence(parseEvery(text));
    expect(cadence("15m")).toEqual({ unit: "minute", step: 15 });
    expect(cadence("20m")).toEqual({ unit: "minute", step: 20 });
    expect(cadence("60m")).toEqual({ unit: "hour", step: 1 });
    expect(cadence("6h")).toEqual({ unit: "hour", step: 6 });
    expect(cadence("12h")).toEqual({ unit: "hour", step: 12 });
    expect(cadence("24h")).toEqual({ unit: "day" });
    expect(cadence("7d")).toEqual({ unit: "week" });
    for (const text of ["45m", "90m", "5h", "36h", "2d", "6d"]) expect(cadence(text)).toBeUndefined();
  });
});

describe("the scheduled job", () => {
  it("runs scan --submit with the config file and never a token", () => {
    expect(jobCommand({ node: "/usr/bin/node", agent: "/opt/caveat/caveat-agent.mjs", config: "/etc/caveat/agent.json", every: parseEvery("6h") })).toEqual([
      "/usr/bin/node",
      "/opt/caveat/caveat-agent.mjs",
      "scan",
      "--submit",
      "--config",
      "/etc/caveat/agent.json",
    ]);
  });

  it("derives a stable offset per machine, inside the range, spread across a fleet", () => {
    expect(stableOffset("3d1219c7c4c5404aaa1f6d2a48adfda4", 360)).toBe(stableOffset("3D1219C7C4C5404AAA1F6D2A48ADFDA4\n", 360));
    const buckets = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const offset = stableOffset(`machine-${i}`, 360);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(360);
      buckets[Math.floor(offset / 90)]!++;
    }
    // 4,000 machines over four 90-minute quarters: about 1,000 each, never a pile-up at the start.
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });

  it("reads the interval back from the marker line it writes", () => {
    expect(markerLine(parseEvery("30m"))).toBe("caveat schedule: every 30m (written by caveat schedule install; remove with caveat schedule remove)");
    expect(readMarker(`# ${markerLine(parseEvery("30m"))}\n[Unit]`)).toBe("30m");
    expect(readMarker("[Unit]\nDescription=something else")).toBeUndefined();
  });

  it("formats local times with their UTC offset", () => {
    expect(formatLocalTime(new Date(2026, 10, 23, 9, 5))).toMatch(/^2026-11-23 09:05 [+-]\d{2}:\d{2}$/);
  });
});
