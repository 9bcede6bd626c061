// Geometry for the server-rendered SVG charts: numbers and plain strings only, the templates draw the markup.
import type { SeriesPoint } from "../domain/trend.js";

export type { SeriesPoint };

export interface Padding {
  top: number;
  right: number;
  bottom: number;
  left: number;
}
export interface ChartOptions {
  width?: number;
  height?: number;
  padding?: Partial<Padding>;
}
export interface Tick {
  y: number;
  label: string;
}
export interface XLabel {
  x: number;
  label: string;
}

/** The plot area's left and right edges: where a template draws the grid lines and the y labels. */
export interface Axis {
  left: number;
  right: number;
}

export interface StackedBars {
  width: number;
  height: number;
  axis: Axis;
  bars: {
    x: number;
    width: number;
    /** The date. */
    label: string;
    total: number;
    /** e.g. "2026-11-16: 12 open (critical 2, high 5, medium 5)" */
    title: string;
    segments: { key: string; y: number; height: number; value: number }[];
  }[];
  yTicks: Tick[];
  xLabels: XLabel[];
  max: number;
  empty: boolean;
}

export interface LineChart {
  width: number;
  height: number;
  axis: Axis;
  /** "x1,y1 x2,y2" for <polyline>. */
  points: string;
  dots: { x: number; y: number; label: string; title: string }[];
  yTicks: Tick[];
  xLabels: XLabel[];
  empty: boolean;
}

const DEFAULTS = { width: 640, height: 200, padding: { top: 10, right: 10, bottom: 24, left: 36 } };
const MAX_X_LABELS = 6;
const BAR_SHARE = 0.7; // of each day's slot; the rest is the gap between bars

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The plot area, and the centre of the i-th of n equal slots across it (bars and lines line up on the same days). */
function frame(n: number, options: ChartOptions = {}) {
  const width = options.width ?? DEFAULTS.width;
  const height = options.height ?? DEFAULTS.height;
  const pad = { ...DEFAULTS.padding, ...options.padding };
  const plot = { left: pad.left, top: pad.top, width: width - pad.left - pad.right, height: height - pad.top - pad.bottom, bottom: height - pad.bottom };
  const slot = n > 0 ? plot.width / n : 0;
  const axis = { left: round1(plot.left), right: round1(plot.left + plot.width) };
  return { width, height, plot, axis, slot, centre: (i: number) => plot.left + (i + 0.5) * slot };
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`. */
export function niceMax(value: number): number {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  const nice = [1, 2, 5, 10].map((f) => f * power).find((v) => v >= value * (1 - 1e-12));
  return nice!;
}

/** Round values from min to max: 4 or 5 steps, and whole steps once the range reaches 1 (counts have no halves). */
function tickValues(min: number, max: number): number[] {
  const range = max - min;
  if (range <= 0) return [min];
  const power = 10 ** Math.floor(Math.log10(range));
  let step = range / power >= 5 ? power : range / power >= 2 ? power / 2 : power / 5;
  if (range >= 1) step = Math.max(step, 1);
  const values: number[] = [];
  for (let v = min; v <= max + step * 1e-9; v = Number((v + step).toPrecision(12))) values.push(v);
  return values;
}

function xLabels(days: string[], centre: (i: number) => number): XLabel[] {
  const n = days.length;
  const indexes = n <= MAX_X_LABELS ? days.map((_, i) => i) : [...new Set(Array.from({ length: MAX_X_LABELS }, (_, k) => Math.round((k * (n - 1)) / (MAX_X_LABELS - 1))))];
  return indexes.map((i) => ({ x: round1(centre(i)), label: days[i]!.slice(5) }));
}

export function stackedBars(points: SeriesPoint[], keys: readonly string[], options: ChartOptions & { unit?: string } = {}): StackedBars {
  const { width, height, plot, axis, slot, centre } = frame(points.length, options);
  const totals = points.map((p) => keys.reduce((sum, key) => sum + (p.values[key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  if (max === 0) return { width, height, axis, bars: [], yTicks: [], xLabels: [], max: 0, empty: true };

  const y = (value: number) => round1(plot.bottom - (value / max) * plot.height);
  const barWidth = slot * BAR_SHARE;
  const bars = points.map((p, i) => {
    const segments: StackedBars["bars"][number]["segments"] = [];
    let below = 0;
    for (const key of keys) {
      const value = p.values[key] ?? 0;
      if (value <= 0) continue;
      // Rounding the edges, not the heights, keeps stacked segments touching.
      const top = y(below + value);
      segments.push({ key, y: top, height: round1(y(below) - top), value });
      below += value;
    }
    const parts = segments.map((s) => `${s.key} ${s.value}`).join(", ");
    const title = `${p.at}: ${totals[i]} ${options.unit ?? "open"}${parts ? ` (${parts})` : ""}`;
    return { x: round1(centre(i) - barWidth / 2), width: round1(barWidth), label: p.at, total: totals[i]!, title, segments };
  });
  return {
    width,
    height,
    axis,
    bars,
    yTicks: tickValues(0, max).map((v) => ({ y: y(v), label: String(v) })),
    xLabels: xLabels(points.map((p) => p.at), centre),
    max,
    empty: false,
  };
}

/** Null values are gaps: no dot, and the polyline goes straight past them. `min`/`max` fix the axis (the score uses 0..100). */
export function lineChart(points: { at: string; value: number | null }[], options: ChartOptions & { min?: number; max?: number } = {}): LineChart {
  const { width, height, plot, axis, centre } = frame(points.length, options);
  const known = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (known.length === 0) return { width, height, axis, points: "", dots: [], yTicks: [], xLabels: [], empty: true };

  const min = options.min ?? Math.min(0, ...known);
  const max = options.max ?? min + (niceMax(Math.max(...known) - min) || 1);
  const y = (value: number) => round1(plot.bottom - ((Math.min(max, Math.max(min, value)) - min) / (max - min)) * plot.height);
  const dots = points.flatMap((p, i) => (p.value === null ? [] : [{ x: round1(centre(i)), y: y(p.value), label: p.at, title: `${p.at}: ${p.value}` }]));
  return {
    width,
    height,
    axis,
    points: dots.map((d) => `${d.x},${d.y}`).join(" "),
    dots,
    yTicks: tickValues(min, max).map((v) => ({ y: y(v), label: String(v) })),
    xLabels: xLabels(points.map((p) => p.at), centre),
    empty: false,
  };
}
