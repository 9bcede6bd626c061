// View models of the MSP dashboard's pages: plain values the templates print as they are (every value is
// escaped there; the templates have no logic beyond if/each). Pure: tested without a server or a browser.
import { formatDate, SEVERITY_ORDER, SEVERITY_STYLE } from "../../../reports/src/model.js";
import rules from "../domain/rules.json" with { type: "json" };
import { STANDING_POLICY, type RiskState, type Standing, type StandingBand } from "../domain/standing.js";
import type { ClientDashboard, ClientSummary } from "../service/dashboard.js";
import { lineChart, stackedBars } from "./charts.js";

const RULE_TITLES = rules as Record<string, { title: string }>;
const SEVERITIES = SEVERITY_ORDER.filter((s) => s !== "info");

const BAND: Record<StandingBand, { label: string; advice: string }> = {
  good: { label: "Good", advice: "Answers advice and fixes or accepts risks in writing." },
  fair: { label: "Fair", advice: "Some advice goes unanswered or is only accepted, not fixed." },
  poor: { label: "Poor", advice: "Much advice is ignored or promises are broken: time for a review meeting." },
  "at-risk": { label: "At risk", advice: "Most advice is ignored: renegotiate the contract or document the exit." },
};

const STATE: Record<RiskState, { label: string; help: string }> = {
  overdue: { label: "Overdue", help: "promised a fix by a date that has passed, and the finding is still there" },
  ignored: { label: "Ignored", help: "no answer to the acknowledgement request in time" },
  awaiting: { label: "Awaiting answer", help: "advised recently; the client still has time to answer" },
  accepted: { label: "Accepted in writing", help: "the client accepted the risk with a signature (or a catalog waiver)" },
  promised: { label: "Fix promised", help: "the client promised a fix by a date still to come" },
  remediated: { label: "Remediated", help: "advised, and no longer found" },
};

export interface PageFrame {
  user: { name: string; email: string };
  csrf: string;
  now: Date;
}

function frame(page: PageFrame, title: string) {
  return { title, user: page.user, csrf: page.csrf, generatedAt: `${formatDate(page.now.toISOString(), true)} ${page.now.toISOString().slice(11, 16)} UTC` };
}

function severityCells(open: Record<string, number>) {
  return SEVERITIES.map((s) => ({ key: s, label: SEVERITY_STYLE[s].label, count: open[s] ?? 0, none: !(open[s] ?? 0) }));
}

function standingCell(standing: Standing, before: number | null) {
  const score = standing.score;
  const change = score !== null && before !== null ? score - before : null;
  return {
    score: score === null ? "–" : String(score),
    band: standing.band ?? "none",
    bandLabel: standing.band ? BAND[standing.band].label : "Not scored yet",
    advice: standing.band ? BAND[standing.band].advice : "Nothing advised has come due yet.",
    change: change === null || change === 0 ? null : { up: change > 0, text: `${change > 0 ? "+" : ""}${change}` },
  };
}

function ackCell(summary: ClientSummary) {
  const a = summary.acks;
  const parts: string[] = [];
  if (a.pending) parts.push(`${a.pending} awaiting signature`);
  if (a.lapsed) parts.push(`${a.lapsed} lapsed unsigned`);
  const none = !a.lastRequestedAt;
  return {
    signed: a.lastSignedAt ? `Signed ${formatDate(a.lastSignedAt, true)}` : none ? "Not requested yet" : "Never signed",
    neverSigned: !a.lastSignedAt && !none,
    none,
    detail: parts.join(", "),
  };
}

/** Full-width charts drawn about 1:1 on a desktop screen, so their labels keep their size. */
const WIDE = { width: 1100, height: 220 };

const sparkline = (summary: ClientSummary) => stackedBars(summary.trend, SEVERITIES, { width: 150, height: 40, padding: { top: 2, right: 2, bottom: 2, left: 2 } });

export function overviewView(summaries: ClientSummary[], page: PageFrame) {
  const totals: Record<string, number> = {};
  for (const s of summaries) for (const [k, v] of Object.entries(s.open)) totals[k] = (totals[k] ?? 0) + v;
  const combined = (summaries[0]?.trend ?? []).map((point, i) => {
    const values: Record<string, number> = {};
    for (const s of summaries) for (const [k, v] of Object.entries(s.trend[i]?.values ?? {})) values[k] = (values[k] ?? 0) + v;
    return { at: point.at, values };
  });
  const ranked = summaries.slice().sort((a, b) => (a.standing.score ?? 101) - (b.standing.score ?? 101) || a.client.name.localeCompare(b.client.name));
  return {
    ...frame(page, "Clients"),
    cards: [
      { label: "Clients", value: summaries.length },
      { label: "Endpoints", value: summaries.reduce((n, s) => n + s.endpoints, 0) },
      { label: "Open critical and high", value: (totals.critical ?? 0) + (totals.high ?? 0), alert: (totals.critical ?? 0) + (totals.high ?? 0) > 0 },
      { label: "Awaiting signature", value: summaries.reduce((n, s) => n + s.acks.pending, 0) },
      { label: "Clients poor or at risk", value: summaries.filter((s) => s.standing.band === "poor" || s.standing.band === "at-risk").length, alert: summaries.some((s) => s.standing.band === "at-risk") },
    ],
    trend: stackedBars(combined, SEVERITIES, WIDE),
    legend: SEVERITIES.map((s) => ({ key: s, label: SEVERITY_STYLE[s].label })),
    clients: ranked.map((s) => ({
      slug: s.client.slug,
      name: s.client.name,
      standing: standingCell(s.standing, s.scoreBefore),
      endpoints: s.endpoints,
      lastScan: s.lastScanAt ? formatDate(s.lastScanAt, true) : "no scan yet",
      severities: severityCells(s.open),
      waived: s.waived,
      purchases: s.standing.unapprovedPurchases,
      counts: s.standing.counts,
      advised: s.standing.advised,
      acks: ackCell(s),
      spark: sparkline(s),
    })),
    empty: summaries.length === 0,
  };
}

export function clientView(d: ClientDashboard, page: PageFrame, extra: Record<string, unknown> = {}) {
  const counts = d.standing.counts;
  const score = lineChart(
    d.scoreHistory.map((p) => ({ at: p.at, value: p.score })),
    { min: 0, max: 100, width: 540, height: 200 },
  );
  return {
    ...frame(page, d.client.name),
    client: d.client,
    standing: standingCell(d.standing, d.scoreBefore),
    tiles: [
      { label: "Risks advised", value: d.standing.advised, help: "distinct findings put to the client in acknowledgement requests" },
      ...(["accepted", "promised", "remediated", "awaiting", "ignored", "overdue"] as const).map((state) => ({ label: STATE[state].label, value: counts[state], help: STATE[state].help, alert: (state === "ignored" || state === "overdue") && counts[state] > 0 })),
      { label: "Unapproved purchases", value: d.standing.unapprovedPurchases, help: "hardware not in the procurement register or not approved, and unapproved software, found now", alert: d.standing.unapprovedPurchases > 0 },
    ],
    policy: {
      weights: SEVERITIES.map((s) => `${SEVERITY_STYLE[s].label} ${STANDING_POLICY.weights[s]}`).join(", "),
      credits: (Object.entries(STANDING_POLICY.credits) as [RiskState, number][]).map(([state, credit]) => `${STATE[state].label.toLowerCase()} ${credit}`).join(", "),
      bands: `good from ${STANDING_POLICY.bands.good}, fair from ${STANDING_POLICY.bands.fair}, poor from ${STANDING_POLICY.bands.poor}, below that at risk`,
    },
    trend: stackedBars(d.trend, SEVERITIES, WIDE),
    score,
    legend: SEVERITIES.map((s) => ({ key: s, label: SEVERITY_STYLE[s].label })),
    severities: severityCells(d.open),
    risks: d.standing.risks.map((r) => ({
      state: r.state,
      stateLabel: STATE[r.state].label,
      severity: r.severity,
      severityLabel: SEVERITY_STYLE[r.severity].label,
      rule: RULE_TITLES[r.rule]?.title ?? r.rule,
      hostname: r.hostname,
      subject: r.subject,
      since: r.since ? formatDate(r.since, true) : "",
      until: r.until ? formatDate(r.until, true) : "",
      document: r.documentId,
    })),
    findings: d.findings.map((f) => ({
      severity: f.severity,
      severityLabel: SEVERITY_STYLE[f.severity].label,
      rule: RULE_TITLES[f.rule]?.title ?? f.rule,
      hostname: f.endpoint.hostname,
      subject: f.subject,
      waived: f.waived,
      waiver: f.waived && f.waiver ? `accepted by ${f.waiver.acceptedBy} until ${formatDate(f.waiver.expires, true)}` : "",
      firstSeen: f.firstSeen ? formatDate(f.firstSeen, true) : "",
    })),
    endpoints: d.endpointList.map((e) => ({
      hostname: e.hostname,
      os: e.os,
      hardware: [e.manufacturer, e.model].filter(Boolean).join(" "),
      serial: e.serial ?? "",
      lastSeen: formatDate(e.lastSeen, true),
      open: e.open,
    })),
    documents: d.documents.map((doc) => {
      const lapsed = doc.status === "pending" && !(Date.parse(doc.expiresAt) > page.now.getTime());
      const base = `/dashboard/clients/${encodeURIComponent(d.client.slug)}/acks/${encodeURIComponent(doc.id)}`;
      return {
        id: doc.id,
        kind: doc.kind === "baseline" ? "Onboarding" : "Periodic",
        requested: formatDate(doc.createdAt, true),
        status: doc.signature
          ? `${doc.signature.method === "wet-ink" ? "Signed on paper" : "Signed"} by ${doc.signature.signerName} (${doc.signature.signerTitle}) on ${formatDate(doc.signature.signedAt, true)}`
          : lapsed
            ? `Link lapsed unsigned on ${formatDate(doc.expiresAt, true)}`
            : `Awaiting signature until ${formatDate(doc.expiresAt, true)}`,
        state: doc.signature ? "signed" : lapsed ? "lapsed" : "pending",
        decisions: doc.decisions,
        reportHref: `${base}/report.pdf`,
        signedHref: doc.status === "pending" ? "" : `${base}/signed.pdf`,
      };
    }),
    notes: d.notes.map((n) => ({ date: formatDate(n.date, true), channel: n.channel, who: n.who, summary: n.summary, recordedBy: n.recordedBy })),
    today: page.now.toISOString().slice(0, 10),
    ...extra,
  };
}
