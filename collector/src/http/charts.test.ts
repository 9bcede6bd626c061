import { describe, expect, it } from "vitest";
import { dayRange } from "../domain/trend.js";
import { lineChart, niceMax, stackedBars } from "./charts.js";

const SEVERITIES = ["critical", "high", "medium", "low"] as const;
// Plot area 100 wide, 40 high, baseline at y = 50.
const small = { width: 100, height: 60, padding: { top: 10, right: 0, bottom: 10, left: 0 } };

describe("stackedBars", () => {
  it("lays out bars and stacks segments bottom-up in key order, leaving out zeros", () => {
    const chart = stackedBars(
      [
        { at: "2026-11-14", values: { high: 2, critical: 1 } },
        { at: "2026-11-15", values: { low: 1, medium: 0, high: 1 } },
      ],
      SEVERITIES,
      small,
    );
    expect(chart).toEqual({
      width: 100,
      height: 60,
      axis: { left: 0, right: 100 },
      max: 5,
      empty: false,
      bars: [
        {
          x: 7.5,
          width: 35,
          label: "2026-11-14",
          total: 3,
          title: "2026-11-14: 3 open (critical 1, high 2)",
          segments: [
            { key: "critical", y: 42, height: 8, value: 1 },
            { key: "high", y: 26, height: 16, value: 2 },
          ],
        },
        {
          x: 57.5,
          width: 35,
          label: "2026-11-15",
          total: 2,
          title: "2026-11-15: 2 open (high 1, low 1)",
          segments: [
            { key: "high", y: 42, height: 8, value: 1 },
            { key: "low", y: 34, height: 8, value: 1 },
          ],
        },
      ],
      yTicks: [0, 1, 2, 3, 4, 5].map((v) => ({ y: 50 - v * 8, label: String(v) })),
      xLabels: [
        { x: 25, label: "11-14" },
        { x: 75, label: "11-15" },
      ],
    });
  });

  it("rounds coordinates to one decimal and keeps stacked segments touching", () => {
    const chart = stackedBars([{ at: "2026-11-14", values: {} }, { at: "2026-11-15", values: { critical: 1, high: 1, low: 1 } }, { at: "2026-11-16", values: {} }], SEVERITIES, {
      ...small,
      height: 53,
    });
    expect(chart.bars.map((b) => [b.x, b.width])).toEqual([
      [5, 23.3],
      [38.3, 23.3],
      [71.7, 23.3],
    ]);
    // Plot height 33, max 5: each unit is 6.6 high.
    const [critical, high, low] = chart.bars[1]!.segments;
    expect([critical, high, low].map((s) => [s!.y, s!.height])).toEqual([
      [36.4, 6.6],
      [29.8, 6.6],
      [23.2, 6.6],
    ]);
    expect(chart.bars[0]).toMatchObject({ total: 0, title: "2026-11-14: 0 open", segments: [] });
  });

  it("scales to a nice maximum with round ticks", () => {
    const chart = stackedBars([{ at: "2026-11-14", values: { high: 12 } }], SEVERITIES);
    expect(chart.max).toBe(20);
    expect(chart.yTicks.map((t) => t.label)).toEqual(["0", "5", "10", "15", "20"]);
    expect([1, 2, 3, 7, 10, 12, 21, 101, 0.3].map(niceMax)).toEqual([1, 2, 5, 10, 10, 20, 50, 200, 0.5]);
  });

  it("labels at most six evenly spread days, first and last included", () => {
    const days = dayRange("2026-11-30", 30, 1);
    const chart = stackedBars(
      days.map((at) => ({ at, values: { low: 1 } })),
      SEVERITIES,
    );
    expect(chart.xLabels.map((l) => l.label)).toEqual(["11-01", "11-07", "11-13", "11-18", "11-24", "11-30"]);
  });

  it("is empty with no data or only zeros", () => {
    expect(stackedBars([], SEVERITIES).empty).toBe(true);
    expect(stackedBars([{ at: "2026-11-14", values: { high: 0, info: 4 } }], SEVERITIES)).toMatchObject({ empty: true, bars: [] });
  });
});

describe("lineChart", () => {
  it("skips null values as gaps on a fixed axis", () => {
    const chart = lineChart(
      [
        { at: "2026-11-14", value: 50 },
        { at: "2026-11-15", value: null },
        { at: "2026-11-16", value: 100 },
      ],
      { ...small, min: 0, max: 100 },
    );
    expect(chart.points).toBe("16.7,30 83.3,10");
    expect(chart.dots).toEqual([
      { x: 16.7, y: 30, label: "2026-11-14", title: "2026-11-14: 50" },
      { x: 83.3, y: 10, label: "2026-11-16", title: "2026-11-16: 100" },
    ]);
    expect(chart.yTicks).toEqual([0, 20, 40, 60, 80, 100].map((v) => ({ y: 50 - v * 0.4, label: String(v) })));
    expect(chart.xLabels.map((l) => l.label)).toEqual(["11-14", "11-15", "11-16"]);
    expect(chart.empty).toBe(false);
  });

  it("scales to a nice maximum when the axis is not fixed, and a zero is data", () => {
    const chart = lineChart([{ at: "2026-11-14", value: 0 }, { at: "2026-11-15", value: 7 }], small);
    expect(chart.points).toBe("25,50 75,22");
    expect(chart.yTicks.at(-1)).toEqual({ y: 10, label: "10" });
  });

  it("is empty when every value is missing", () => {
    expect(lineChart([{ at: "2026-11-14", value: null }])).toMatchObject({ empty: true, points: "", dots: [] });
    expect(lineChart([]).empty).toBe(true);
  });
});
