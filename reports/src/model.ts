// Findings -> the report's view model. Every decision about what the client reads is made here, as a
// pure function over plain data (sorting, grouping, counts, dates, sentences); the Handlebars templates
// only lay it out. That keeps the wording testable without a browser.
import type { Finding, Findings } from "../../schemas/findings.v1.js";
import type { Branding } from "../../schemas/branding.v1.js";
import rules from "../../collector/src/domain/rules.json" with { type: "json" };
import { collate } from "../../collector/src/domain/collate.js";

type Severity = Finding["severity"];
type Waiver = NonNullable<Finding["waiver"]>;
type RuleWording = { title: string; risk: string; recommendation: string };

export interface ReportInput {
  findings: Findings;
  /** SHA-256 (hex) of the findings document exactly as the report was made from it. */
  findingsSha256: string;
  branding: Branding;
  /** data: URI of the MSP's logo. */
  logo?: string;
  /** The day the report is issued, YYYY-MM-DD. */
  reportDate: string;
  /** Computers of the client that could not be evaluated (their stored scan is unreadable): named in the report. */
  omitted?: OmittedEndpoint[];
  /** Overrides the branding's title (an onboarding acknowledgement is titled as one). */
  title?: string;
  /** YYYY-MM-DD: when decisions are due, when it is not the branding's decisionDays after reportDate (a signing link's expiry). */
  decisionDue?: string;
}

export interface OmittedEndpoint {
  hostname: string;
  reason: string;
}

export interface ReportModel {
  title: string;
  documentId: string;
  reportDate: string;
  asOf: string;
  decisionDue: string;
  findingsSha256: string;
  paper: "A4" | "Letter";
  accentColor: string;
  msp: { name: string; logo: string | null; address: string | null; contacts: string[]; representative: { name: string; title: string | null } | null };
  client: { slug: string; name: string };
  summary: SummaryModel;
  sections: SectionModel[];
  /** Informational findings (severity info): listed, no decision asked. */
  changes: RowModel[];
  /** Every computer is seen for the first time (onboarding): their "new computer" findings are not listed one by one. */
  firstCheck: boolean;
  waivers: { active: WaiverRow[]; expired: WaiverRow[] };
  endpoints: EndpointRow[];
  omitted: OmittedEndpoint[];
  support: SupportModel;
}

export interface SummaryModel {
  endpoints: number;
  /** Unwaived findings that need a decision (severity above info). */
  open: number;
  waived: number;
  expiredWaivers: number;
  changes: number;
  headline: string;
  severities: { severity: Severity; label: string; count: number; color: string }[];
  chart: ChartModel;
  /** The sections in report order, worst first: what we recommend and what not acting means. */
  priorities: { anchor: string; title: string; severity: Severity; severityLabel: string; color: string; count: number; scope: string; recommendation: string; consequence: string }[];
}

export interface ChartModel {
  width: number;
  height: number;
  labelWidth: number;
  bars: { label: string; count: number; color: string; y: number; textY: number; width: number; countX: number }[];
}

export interface SectionModel {
  anchor: string;
  rule: string;
  title: string;
  severity: Severity;
  severityLabel: string;
  color: string;
  risk: string;
  recommendation: string;
  scope: string;
  /** Unregistered hardware: laid out as equipment (model, serial) rather than as a subject. */
  equipment: boolean;
  rows: RowModel[];
}

export interface RowModel {
  id: string;
  /** The rule's title ("Software installed since the previous scan"). */
  kind: string;
  hostname: string;
  subject: string;
  details: string[];
  model: string | null;
  serial: string | null;
  firstSeen: string | null;
  /** An acceptance that has run out, so the decision is asked again. */
  expiredWaiver: string | null;
}

export interface WaiverRow {
  title: string;
  hostname: string;
  subject: string;
  acceptedBy: string;
  accepted: string;
  expires: string;
  justification: string;
  ref: string | null;
}

export interface EndpointRow {
  hostname: string;
  type: string;
  os: string;
  model: string;
  serial: string;
  lastScan: string;
  open: number;
}

export interface SupportModel {
  hours: string | null;
  channels: { name: string; contact: string; use: string | null }[];
  responseTimes: { priority: string; example: string | null; response: string; resolution: string | null }[];
  escalation: { level: number; contact: string; when: string | null }[];
}

export const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export const SEVERITY_STYLE: Record<Severity, { label: string; color: string }> = {
  critical: { label: "Critical", color: "#b42318" },
  high: { label: "High", color: "#d9480f" },
  medium: { label: "Medium", color: "#b08800" },
  low: { label: "Low", color: "#2f6fb3" },
  info: { label: "Information", color: "#6b7280" },
};

const RULES = rules as Record<string, RuleWording>;
const RULE_ORDER = new Map(Object.keys(RULES).map((rule, i) => [rule, i]));
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export function buildReportModel(input: ReportInput): ReportModel {
  const { findings: doc, branding } = input;
  const open = doc.findings.filter((f) => !f.waived && f.severity !== "info");
  const sections = groupSections(open, doc.asOf);
  // A first check (every computer is new) would list every computer as "New computer": the appendix
  // already lists them all, so the report says it once instead of hundreds of times.
  const isNew = (f: Finding) => f.rule === "endpoint.new";
  const firstCheck = doc.endpoints.length > 0 && new Set(doc.findings.filter((f) => isNew(f) && !f.waived).map((f) => f.endpoint.id)).size === doc.endpoints.length;
  const changes = doc.findings.filter((f) => !f.waived && f.severity === "info" && !(firstCheck && isNew(f))).sort(byRow).map((f) => toRow(f, doc.asOf));
  const openByEndpoint = countBy(open, (f) => f.endpoint.id);
  const decisionDays = branding.report?.decisionDays ?? 14;
  return {
    title: input.title ?? branding.report?.title ?? "IT Risk Assessment and Acknowledgement",
    documentId: documentId(doc.asOf, input.findingsSha256),
    reportDate: formatDate(input.reportDate),
    asOf: formatDate(doc.asOf),
    decisionDue: formatDate(input.decisionDue ?? addDays(input.reportDate, decisionDays)),
    findingsSha256: input.findingsSha256,
    paper: branding.report?.paper ?? "A4",
    // Validated again here: the value is written into a <style> block, whoever built the Branding object.
    accentColor: /^#[0-9a-fA-F]{6}$/.test(branding.report?.accentColor ?? "") ? branding.report!.accentColor! : "#1f4e79",
    msp: {
      name: branding.msp.name,
      logo: input.logo ?? null,
      address: branding.msp.address ?? null,
      contacts: [branding.msp.phone, branding.msp.email, branding.msp.website].filter((c): c is string => !!c),
      representative: branding.msp.representative ? { name: branding.msp.representative.name, title: branding.msp.representative.title ?? null } : null,
    },
    client: { slug: doc.client, name: doc.clientName ?? doc.client },
    summary: summarize(doc, open, sections, changes.length, input.omitted?.length ?? 0),
    sections,
    changes,
    firstCheck,
    waivers: {
      active: doc.findings.filter((f) => f.waived && f.waiver).sort(byRow).map((f) => waiverRow(f, f.waiver!)),
      expired: doc.findings.filter((f) => !f.waived && f.waiverExpired).sort(byRow).map((f) => waiverRow(f, f.waiverExpired!)),
    },
    endpoints: [...doc.endpoints]
      .sort((a, b) => collate(a.hostname, b.hostname) || collate(a.id, b.id))
      .map((e) => ({
        hostname: e.hostname,
        type: e.type,
        os: e.os,
        model: hardwareName(e.manufacturer, e.model) ?? "Unknown",
        serial: e.serial || "None reported",
        lastScan: formatDate(e.lastSeen),
        open: openByEndpoint.get(e.id) ?? 0,
      })),
    omitted: [...(input.omitted ?? [])].sort((a, b) => collate(a.hostname, b.hostname)),
    support: {
      hours: branding.support?.hours ?? null,
      channels: (branding.support?.channels ?? []).map((c) => ({ name: c.name, contact: c.contact, use: c.use ?? null })),
      responseTimes: (branding.support?.responseTimes ?? []).map((r) => ({ priority: r.priority, example: r.example ?? null, response: r.response, resolution: r.resolution ?? null })),
      escalation: (branding.support?.escalation ?? []).map((e, i) => ({ level: i + 1, contact: e.contact, when: e.when ?? null })),
    },
  };
}

/** Stable for the same findings data: the same document id whenever the same findings are rendered. */
/** What documentId() makes: CVT-<as-of, 8 digits>-<10 upper-case hex digits>. */
export const DOCUMENT_ID = /^CVT-\d{8}-[0-9A-F]{10}$/;

export function documentId(asOf: string, findingsSha256: string): string {
  return `CVT-${asOf.replaceAll("-", "")}-${findingsSha256.slice(0, 10).toUpperCase()}`;
}

function groupSections(open: Finding[], asOf: string): SectionModel[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of open) {
    const list = byRule.get(f.rule);
    if (list) list.push(f);
    else byRule.set(f.rule, [f]);
  }
  return [...byRule.entries()]
    .map(([rule, list]) => {
      const severity = worst(list.map((f) => f.severity));
      const wording = RULES[rule] ?? { title: rule, risk: "", recommendation: list[0]!.recommendation };
      return {
        anchor: `rule-${rule.replace(/[^a-z0-9]+/g, "-")}`,
        rule,
        title: wording.title,
        severity,
        severityLabel: SEVERITY_STYLE[severity].label,
        color: SEVERITY_STYLE[severity].color,
        risk: wording.risk,
        // The finding carries the recommendation it was evaluated with (a catalog may word it differently).
        recommendation: list[0]!.recommendation || wording.recommendation,
        scope: scopeOf(list),
        equipment: rule === "hardware.unregistered",
        rows: list.sort(byRow).map((f) => toRow(f, asOf)),
      };
    })
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (RULE_ORDER.get(a.rule) ?? 99) - (RULE_ORDER.get(b.rule) ?? 99) || collate(a.rule, b.rule));
}

function summarize(doc: Findings, open: Finding[], sections: SectionModel[], changes: number, omitted: number): SummaryModel {
  const counts = countBy(open, (f) => f.severity);
  const severities = SEVERITY_ORDER.filter((s) => s !== "info").map((severity) => ({ severity, label: SEVERITY_STYLE[severity].label, count: counts.get(severity) ?? 0, color: SEVERITY_STYLE[severity].color }));
  const expiredWaivers = doc.findings.filter((f) => !f.waived && f.waiverExpired).length;
  const waived = doc.findings.filter((f) => f.waived).length;
  return {
    endpoints: doc.endpoints.length,
    open: open.length,
    waived,
    expiredWaivers,
    changes,
    headline: headline(doc.endpoints.length, open, counts, waived, expiredWaivers, omitted),
    severities,
    chart: chart(severities),
    priorities: sections.map((s) => ({ anchor: s.anchor, title: s.title, severity: s.severity, severityLabel: s.severityLabel, color: s.color, count: s.rows.length, scope: s.scope, recommendation: s.recommendation, consequence: s.risk })),
  };
}

function headline(endpoints: number, open: Finding[], counts: Map<string, number>, waived: number, expired: number, omitted: number): string {
  const computers = plural(endpoints, "computer");
  const parts: string[] = [];
  if (open.length === 0) parts.push(`We checked ${computers} and found no open risks that need your decision.`);
  else {
    const affected = new Set(open.map((f) => f.endpoint.id)).size;
    const urgent = SEVERITY_ORDER.filter((s) => s === "critical" || s === "high")
      .map((s) => ({ s, n: counts.get(s) ?? 0 }))
      .filter((x) => x.n > 0)
      .map((x) => `${x.n} ${x.s}`);
    parts.push(`We checked ${computers} and found ${plural(open.length, "risk")} that need${open.length === 1 ? "s" : ""} your decision, on ${plural(affected, "computer")}${urgent.length ? `; ${urgent.join(" and ")}` : ""}.`);
  }
  if (waived > 0) parts.push(`${plural(waived, "risk")} ${waived === 1 ? "was" : "were"} accepted earlier and ${waived === 1 ? "is" : "are"} listed for the record.`);
  if (expired > 0) parts.push(`${plural(expired, "earlier acceptance")} ${expired === 1 ? "has" : "have"} expired and need${expired === 1 ? "s" : ""} a new decision.`);
  if (omitted > 0) parts.push(`${plural(omitted, "further computer")} could not be checked this time; see the appendix.`);
  return parts.join(" ");
}

function chart(severities: SummaryModel["severities"]): ChartModel {
  const labelWidth = 90;
  const barMax = 300;
  const rowHeight = 26;
  const max = Math.max(1, ...severities.map((s) => s.count));
  const bars = severities.map((s, i) => {
    const width = s.count === 0 ? 0 : Math.max(3, Math.round((s.count / max) * barMax));
    return { label: s.label, count: s.count, color: s.color, y: i * rowHeight + 4, textY: i * rowHeight + 18, width, countX: labelWidth + width + 8 };
  });
  return { width: labelWidth + barMax + 60, height: severities.length * rowHeight + 4, labelWidth, bars };
}

function scopeOf(list: Finding[]): string {
  const computers = new Set(list.map((f) => f.endpoint.id)).size;
  return list.length === computers ? plural(computers, "computer") : `${plural(list.length, "finding")} on ${plural(computers, "computer")}`;
}

function toRow(f: Finding, asOf: string): RowModel {
  const e = f.evidence as Record<string, unknown>;
  const equipment = f.rule.startsWith("hardware.");
  const expired = f.waiverExpired;
  return {
    id: f.id,
    kind: RULES[f.rule]?.title ?? f.rule,
    hostname: f.endpoint.hostname,
    subject: f.subject,
    details: detailsOf(f, asOf),
    model: equipment ? (hardwareName(text(e.manufacturer), text(e.model)) ?? null) : null,
    serial: equipment ? (text(e.serial) ?? null) : null,
    firstSeen: f.firstSeen ? formatDate(f.firstSeen, true) : null,
    expiredWaiver: expired ? `Accepted by ${expired.acceptedBy} on ${formatDate(expired.accepted)}; that acceptance expired on ${formatDate(expired.expires)}.` : null,
  };
}

/** The evidence a person can check on the machine, in words, per kind of finding. */
export function detailsOf(f: Finding, asOf: string): string[] {
  const e = f.evidence as Record<string, unknown>;
  const lines: string[] = [];
  const add = (line: string | undefined) => {
    if (line) lines.push(line);
  };
  if (f.rule.startsWith("os.")) {
    add(joined([text(e.version) && `version ${text(e.version)}`, text(e.build) && `build ${text(e.build)}`, text(e.displayVersion), text(e.edition) && `edition ${text(e.edition)}`, text(e.servicePack)]));
  } else if (f.rule === "software.end-of-life" || f.rule === "software.nearing-end-of-life") {
    const installed = Array.isArray(e.installed) ? (e.installed as Record<string, unknown>[]) : [];
    for (const s of installed) add(joined([text(s.name), text(s.version) && `version ${text(s.version)}`]));
  } else if (f.rule.startsWith("software.")) {
    add(joined([text(e.version) && `version ${text(e.version)}`, text(e.publisher) && `from ${text(e.publisher)}`]));
    add(text(e.reason) && `Not allowed: ${text(e.reason)}`);
  } else if (f.rule === "hardware.changed") {
    const serial = text(e.previousSerial) !== text(e.serial) ? `serial ${text(e.previousSerial) ?? "none"} became ${text(e.serial) ?? "none"}` : undefined;
    const model = text(e.previousModel) !== text(e.model) ? `model ${text(e.previousModel) ?? "unknown"} became ${text(e.model) ?? "unknown"}` : undefined;
    add(joined([serial, model]));
  } else if (f.rule.startsWith("hardware.")) {
    add(joined([hardwareName(text(e.manufacturer), text(e.model)), text(e.serial) ? `serial ${text(e.serial)}` : "no usable serial number"]));
  } else if (f.rule === "remediation.overdue") {
    add(text(e.due) && `Promised fixed by ${formatDate(text(e.due)!)}: signed by ${text(e.promisedBy) ?? "the client"} on ${formatDate(text(e.promisedOn) ?? "")} (document ${text(e.document) ?? "unknown"})`);
    add(text(e.rule) && `Still found: ${RULES[text(e.rule)!]?.title ?? text(e.rule)}`);
  } else if (f.rule === "endpoint.stale") {
    add(text(e.lastSeen) && `Last report ${formatDate(text(e.lastSeen)!)}${typeof e.days === "number" ? `: silent for ${plural(e.days, "day")} as of ${formatDate(asOf)}` : ""}`);
  }
  const end = lifecycleEnd(f);
  if (end) add(end);
  if (lines.length === 0) add(f.message);
  return lines;
}

/** "Security updates ended on 14 January 2020", from the lifecycle facts the finding carries. */
function lifecycleEnd(f: Finding): string | undefined {
  const l = f.lifecycle;
  if (!l) return undefined;
  const date = typeof l.eol === "string" ? l.eol : typeof l.extendedSupport === "string" ? l.extendedSupport : undefined;
  if (!date) return undefined;
  const past = f.rule.endsWith(".end-of-life");
  return `${l.label}: security updates ${past ? "ended" : "end"} on ${formatDate(date)}${l.estimate ? " (estimated)" : ""}`;
}

function waiverRow(f: Finding, w: Waiver): WaiverRow {
  return {
    title: RULES[f.rule]?.title ?? f.rule,
    hostname: f.endpoint.hostname,
    subject: f.subject,
    acceptedBy: w.acceptedBy,
    accepted: formatDate(w.accepted),
    expires: formatDate(w.expires),
    justification: w.justification,
    ref: w.ref ?? null,
  };
}

function byRow(a: Finding, b: Finding): number {
  return collate(a.subject, b.subject) || collate(a.endpoint.hostname, b.endpoint.hostname) || collate(a.rule, b.rule) || collate(a.id, b.id);
}

function worst(severities: Severity[]): Severity {
  return SEVERITY_ORDER.find((s) => severities.includes(s)) ?? "info";
}

function hardwareName(manufacturer: string | undefined, model: string | undefined): string | undefined {
  if (!model) return manufacturer;
  if (!manufacturer || model.toLowerCase().startsWith(manufacturer.toLowerCase().split(/[\s,]/)[0]!)) return model;
  return `${manufacturer} ${model}`;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function joined(parts: (string | undefined | false)[]): string | undefined {
  const kept = parts.filter((p): p is string => typeof p === "string" && p !== "");
  return kept.length ? kept.join(", ") : undefined;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function plural(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  const plural = /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : noun.endsWith("s") ? `${noun}es` : `${noun}s`;
  return `${n.toLocaleString("en-US")} ${plural}`;
}

/** "2026-11-23" or an ISO date-time -> "23 November 2026", or "23 Nov 2026" short (the UTC date: no machine time zone involved). */
export function formatDate(iso: string, short = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const day = iso.length > 10 ? new Date(iso) : undefined;
  const [y, mo, d] = day && !Number.isNaN(day.getTime()) ? [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const month = MONTHS[mo - 1];
  if (!month) return iso;
  return `${d} ${short ? month.slice(0, 3) : month} ${y}`;
}

export function addDays(isoDate: string, days: number): string {
  const t = Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
