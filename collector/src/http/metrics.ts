// Prometheus text exposition, by hand: a handful of counters and one histogram do not justify a
// dependency. No client slugs in labels: /metrics must not list an MSP's customers.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly ingests = new Map<string, number>();
  private readonly histogram = new Array<number>(BUCKETS.length).fill(0);
  private durationSum = 0;
  private durationCount = 0;

  request(method: string, route: string, status: number): void {
    const key = `method="${method}",route="${route.replace(/["\\\n]/g, "_")}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  ingest(outcome: "created" | "duplicate" | "rejected", seconds: number): void {
    this.ingests.set(outcome, (this.ingests.get(outcome) ?? 0) + 1);
    if (outcome === "rejected") return;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.histogram[i]!++;
    });
    this.durationSum += seconds;
    this.durationCount++;
  }

  render(extra: Record<string, number>): string {
    const lines = [
      "# HELP caveat_http_requests_total HTTP requests by route and status.",
      "# TYPE caveat_http_requests_total counter",
      ...[...this.requests].map(([labels, n]) => `caveat_http_requests_total{${labels}} ${n}`),
      "# HELP caveat_ingest_total Inventories received, by outcome.",
      "# TYPE caveat_ingest_total counter",
      ...(["created", "duplicate", "rejected"] as const).map((o) => `caveat_ingest_total{outcome="${o}"} ${this.ingests.get(o) ?? 0}`),
      "# HELP caveat_ingest_duration_seconds Time to validate, evaluate and store an accepted inventory.",
      "# TYPE caveat_ingest_duration_seconds histogram",
      ...BUCKETS.map((le, i) => `caveat_ingest_duration_seconds_bucket{le="${le}"} ${this.histogram[i]}`),
      `caveat_ingest_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`,
      `caveat_ingest_duration_seconds_sum ${this.durationSum}`,
      `caveat_ingest_duration_seconds_count ${this.durationCount}`,
      ...Object.entries(extra).flatMap(([name, value]) => [`# TYPE ${name} gauge`, `${name} ${value}`]),
    ];
    return `${lines.join("\n")}\n`;
  }
}
