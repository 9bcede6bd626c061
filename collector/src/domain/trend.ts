// Findings over time: the open findings of a client on given days, from its scans' stored summaries.
const DAY_MS = 86_400_000;

export interface SeriesPoint {
  /** YYYY-MM-DD */
  at: string;
  values: Record<string, number>;
}
export interface OpenSeriesScan {
  endpointId: string;
  collectedAt: string;
  bySeverity: Record<string, number>;
}

/** Open (unwaived) findings by severity at the end of each day in `days` (ascending YYYY-MM-DD): for each day, the sum over endpoints of the bySeverity of that endpoint's newest scan collected on or before that day (end of day UTC). Scans given in any order. */
export function openFindingsSeries(scans: OpenSeriesScan[], days: string[]): SeriesPoint[] {
  const sorted = [...scans].sort((a, b) => Date.parse(a.collectedAt) - Date.parse(b.collectedAt));
  const newest = new Map<string, OpenSeriesScan>();
  let next = 0;
  return days.map((day) => {
    const endOfDay = Date.parse(`${day}T23:59:59.999Z`);
    for (; next < sorted.length && Date.parse(sorted[next]!.collectedAt) <= endOfDay; next++) newest.set(sorted[next]!.endpointId, sorted[next]!);
    const values: Record<string, number> = {};
    for (const scan of newest.values()) for (const [key, n] of Object.entries(scan.bySeverity)) values[key] = (values[key] ?? 0) + n;
    return { at: day, values };
  });
}

/** `count` dates ending at `end` (YYYY-MM-DD), `stepDays` apart, ascending. */
export function dayRange(end: string, count: number, stepDays: number): string[] {
  const last = Date.parse(`${end}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * stepDays * DAY_MS).toISOString().slice(0, 10));
}
