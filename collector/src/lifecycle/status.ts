// Where a release cycle stands on a given date. Dates are ISO strings (YYYY-MM-DD), compared as days.
import type { Cycle } from "../../../schemas/lifecycle.v1.js";

export type LifecycleState = "end-of-life" | "nearing-end-of-life" | "supported";

export interface LifecycleStatus {
  state: LifecycleState;
  /** Days until the end of security updates (negative once passed); undefined when no date is published. */
  daysLeft?: number;
}

/** From the eol date on, the cycle gets no more security updates (endoflife.date and Microsoft count it the same way). */
export function lifecycleStatus(cycle: Pick<Cycle, "eol">, asOf: string, warnDays: number): LifecycleStatus {
  if (cycle.eol === true) return { state: "end-of-life" };
  if (cycle.eol === false) return { state: "supported" };
  const daysLeft = daysBetween(asOf, cycle.eol);
  if (daysLeft <= 0) return { state: "end-of-life", daysLeft };
  return { state: daysLeft <= warnDays ? "nearing-end-of-life" : "supported", daysLeft };
}

export function daysBetween(from: string, to: string): number {
  return Math.round((dayNumber(to) - dayNumber(from)) / 86_400_000);
}

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}
