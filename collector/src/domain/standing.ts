// A client's standing: how the client answered the risks the MSP advised, as states per risk and one score.
import type { Finding } from "../../../schemas/findings.v1.js";
import type { AckDecision } from "../store/types.js";
import { collate } from "./collate.js";

export type RiskState = "remediated" | "promised" | "accepted" | "overdue" | "ignored" | "awaiting";
export type StandingBand = "good" | "fair" | "poor" | "at-risk";

export interface AdvisedDocument {
  id: string;
  createdAt: string;
  status: "pending" | "signed" | "wet-signed";
  signedAt?: string;
  acceptDays: number;
  /** The findings the document asked the client to decide (already filtered to decidable ones). */
  findings: Pick<Finding, "id" | "rule" | "severity" | "endpoint" | "subject">[];
}

export interface StandingInput {
  /** ISO date-time: the moment the standing is computed for. */
  at: string;
  /** An advised risk with no answer after this many days is "ignored". */
  ignoreAfterDays: number;
  /** The client's findings as of `at` (each endpoint's newest scan at or before `at`). */
  current: Finding[];
  /** Any order; those created after `at` are ignored. */
  documents: AdvisedDocument[];
  /** Any order; those decided after `at` are ignored. */
  decisions: AckDecision[];
}

export interface RiskStanding {
  findingId: string;
  rule: string;
  severity: Finding["severity"];
  hostname: string;
  subject: string;
  state: RiskState;
  /** When the risk was first advised (ISO). */
  since?: string;
  /** The accept or promise date (YYYY-MM-DD). */
  until?: string;
  /** The latest document advising it. */
  documentId: string;
}

export interface Standing {
  at: string;
  /** Distinct finding ids advised in documents created at or before `at`. */
  advised: number;
  counts: Record<RiskState, number>;
  /** Current, unwaived findings with a rule in PURCHASE_RULES (advised or not). */
  unapprovedPurchases: number;
  /** 0..100, null when nothing is scoreable. */
  score: number | null;
  band: StandingBand | null;
  /** Worst state first, then severity, hostname, subject. */
  risks: RiskStanding[];
}

export const PURCHASE_RULES: readonly string[] = ["hardware.unregistered", "hardware.unapproved", "software.unapproved"];

export const STANDING_POLICY = {
  /** How much a risk weighs in the score, by severity; info never counts. */
  weights: { critical: 4, high: 3, medium: 2, low: 1, info: 0 } satisfies Record<Finding["severity"], number>,
  /** The share of its weight a risk earns, by state; "awaiting" is left out of the score (not the client's fault yet). */
  credits: { remediated: 1, promised: 0.75, accepted: 0.5, overdue: 0, ignored: 0 } satisfies Record<Exclude<RiskState, "awaiting">, number>,
  /** A purchase finding the MSP never advised (bought behind its back) is scored with this credit. */
  unadvisedPurchaseCredit: 0,
  /** The lowest score of each band; below `poor` is "at-risk". */
  bands: { good: 80, fair: 60, poor: 40 },
} as const;

const STATE_ORDER: readonly RiskState[] = ["overdue", "ignored", "awaiting", "accepted", "promised", "remediated"];
const SEVERITY_ORDER: readonly Finding["severity"][] = ["critical", "high", "medium", "low", "info"];
const DAY_MS = 86_400_000;

export function bandOf(score: number): StandingBand {
  const { good, fair, poor } = STANDING_POLICY.bands;
  return score >= good ? "good" : score >= fair ? "fair" : score >= poor ? "poor" : "at-risk";
}

const time = (iso: string): number => Date.parse(iso);
const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const endOfDay = (date: string): number => time(`${date}T23:59:59.999Z`);

export function computeStanding(input: StandingInput): Standing {
  const at = time(input.at);
  const today = utcDate(at);
  const documents = input.documents.filter((d) => time(d.createdAt) <= at).sort((a, b) => time(a.createdAt) - time(b.createdAt));
  const decisions = input.decisions.filter((d) => time(d.decidedAt) <= at);
  const current = new Map(input.current.map((f) => [f.id, f]));

  const latestDecision = new Map<string, AckDecision>();
  for (const d of decisions) {
    const seen = latestDecision.get(d.findingId);
    if (!seen || time(d.decidedAt) >= time(seen.decidedAt)) latestDecision.set(d.findingId, d);
  }

  // Documents oldest first, so the last one seen for a finding is the latest advising it.
  const advisedBy = new Map<string, AdvisedDocument[]>();
  for (const doc of documents) for (const f of doc.findings) advisedBy.set(f.id, [...(advisedBy.get(f.id) ?? []), doc]);

  const risks: RiskStanding[] = [];
  for (const [findingId, docs] of advisedBy) {
    const latestDoc = docs[docs.length - 1]!;
    const advised = latestDoc.findings.find((f) => f.id === findingId)!;
    const finding = current.get(findingId) ?? advised;
    const answer = classify(docs, current.get(findingId), latestDecision.get(findingId), at, today, input.ignoreAfterDays);
    risks.push({
      findingId,
      rule: finding.rule,
      severity: finding.severity,
      hostname: finding.endpoint.hostname,
      subject: finding.subject,
      state: answer.state,
      since: docs[0]!.createdAt,
      ...(answer.until ? { until: answer.until } : {}),
      documentId: latestDoc.id,
    });
  }
  risks.sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      collate(a.hostname, b.hostname) ||
      collate(a.subject, b.subject) ||
      collate(a.findingId, b.findingId),
  );

  const counts: Record<RiskState, number> = { remediated: 0, promised: 0, accepted: 0, overdue: 0, ignored: 0, awaiting: 0 };
  for (const r of risks) counts[r.state]++;

  const purchases = input.current.filter((f) => !f.waived && PURCHASE_RULES.includes(f.rule));
  const scored = [
    ...risks.flatMap((r) => (r.state === "awaiting" ? [] : [{ severity: r.severity, credit: STANDING_POLICY.credits[r.state] }])),
    ...purchases.filter((f) => !advisedBy.has(f.id)).map((f) => ({ severity: f.severity, credit: STANDING_POLICY.unadvisedPurchaseCredit })),
  ];
  let weight = 0;
  let earned = 0;
  for (const s of scored) {
    weight += STANDING_POLICY.weights[s.severity];
    earned += STANDING_POLICY.weights[s.severity] * s.credit;
  }
  const score = weight === 0 ? null : Math.round((100 * earned) / weight);

  return { at: input.at, advised: advisedBy.size, counts, unapprovedPurchases: purchases.length, score, band: score === null ? null : bandOf(score), risks };
}

function classify(
  docs: AdvisedDocument[],
  finding: Finding | undefined,
  decision: AckDecision | undefined,
  at: number,
  today: string,
  ignoreAfterDays: number,
): { state: RiskState; until?: string } {
  if (!finding) return { state: "remediated" };
  if (finding.waived) return { state: "accepted", ...(finding.waiver ? { until: finding.waiver.expires } : {}) };
  if (decision) {
    if (decision.until >= today) return { state: decision.decision === "accept" ? "accepted" : "promised", until: decision.until };
    if (decision.decision === "remediate") return { state: "overdue", until: decision.until };
    // An expired acceptance falls through: the risk is open again.
  }

  // A paper signature accepts the document's risks for its accept period, unless a later decision says otherwise.
  const paper = docs
    .filter((d) => d.status === "wet-signed" && d.signedAt !== undefined && time(d.signedAt) <= at)
    .filter((d) => !decision || time(decision.decidedAt) <= time(d.signedAt!))
    .map((d) => time(d.signedAt!) + d.acceptDays * DAY_MS);
  const paperExpiry = paper.length ? Math.max(...paper) : undefined;
  if (paperExpiry !== undefined && paperExpiry >= at) return { state: "accepted", until: utcDate(paperExpiry) };

  // Unanswered: the clock runs from the first document that advised it after the last answer expired.
  const expiries = [...(decision ? [endOfDay(decision.until)] : []), ...(paperExpiry !== undefined ? [endOfDay(utcDate(paperExpiry))] : [])];
  const lastExpiry = expiries.length ? Math.max(...expiries) : -Infinity;
  const answered = (d: AdvisedDocument) => d.status !== "pending" && d.signedAt !== undefined && time(d.signedAt) <= at;
  const clock = docs.filter((d) => !answered(d) && time(d.createdAt) > lastExpiry).map((d) => time(d.createdAt));
  if (clock.length && at - Math.min(...clock) > ignoreAfterDays * DAY_MS) return { state: "ignored" };
  return { state: "awaiting" };
}
