import { describe, expect, it } from "vitest";
import { dayRange, openFindingsSeries, type OpenSeriesScan } from "./trend.js";

describe("openFindingsSeries", () => {
  it("sums each endpoint's newest scan at the end of each day", () => {
    const scans: OpenSeriesScan[] = [
      { endpointId: "ep1", collectedAt: "2026-11-12T08:00:00.000Z", bySeverity: { high: 1 } },
      { endpointId: "ep2", collectedAt: "2026-11-11T23:30:00.000Z", bySeverity: { low: 3 } },
      { endpointId: "ep1", collectedAt: "2026-11-10T10:00:00.000Z", bySeverity: { critical: 1, high: 2 } },
    ];
    expect(openFindingsSeries(scans, dayRange("2026-11-13", 5, 1))).toEqual([
      { at: "2026-11-09", values: {} },
      { at: "2026-11-10", values: { critical: 1, high: 2 } },
      { at: "2026-11-11", values: { critical: 1, high: 2, low: 3 } },
      { at: "2026-11-12", values: { high: 1, low: 3 } },
      { at: "2026-11-13", values: { high: 1, low: 3 } },
    ]);
  });
});

describe("dayRange", () => {
  it("counts back across a month end", () => {
    expect(dayRange("2026-03-02", 4, 1)).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(dayRange("2026-12-03", 3, 7)).toEqual(["2026-11-19", "2026-11-26", "2026-12-03"]);
  });
});
