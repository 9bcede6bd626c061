// catalog + lifecycle data + inventories (with history) -> findings. Pure: no I/O, no clock
// (asOf and generatedAt come in), so the CLI and the collector produce the same findings.
import { createHash } from "node:crypto";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import type { EndpointSummary, Finding, Findings, Lifecycle, Waiver } from "../../../schemas/findings.v1.js";
import type { CycleMatch, LifecycleIndex } from "../lifecycle/match.js";
import { daysBetween, lifecycleStatus } from "../lifecycle/status.js";
import { RULE_INFO, serialKey, type CompiledCatalog, type RuleId, type Severity } from "./compile-catalog.js";
import { cleanSerial } from "../../../agent/src/identity.js";

/** What evaluation reads from one scan: the collector can build it from stored rows. */
export type ScanFacts = Pick<Inventory, "scanId" | "collectedAt" | "endpoint" | "os" | "software"> & { client?: string };

/** All scans of one endpoint, oldest first. */
export interface EndpointHistory {
  id: string;
  scans: ScanFacts[];
}

export interface EvaluateOptions {
  catalog: CompiledCatalog;
  lifecycle: LifecycleIndex;
  /** YYYY-MM-DD */
  asOf: string;
  generatedAt: string;
  generator?: string;
}

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/** Groups scans by endpoint id, drops duplicate scanIds (the same file twice) and orders each history by collectedAt. */
export function groupHistories(scans: Iterable<ScanFacts>): EndpointHistory[] {
  const byEndpoint = new Map<string, ScanFacts[]>();
  const seen = new Set<string>();
  for (const scan of scans) {
    if (seen.has(scan.scanId)) continue;
    seen.add(scan.scanId);
    const list = byEndpoint.get(scan.endpoint.id);
    if (list) list.push(scan);
    else byEndpoint.set(scan.endpoint.id, [scan]);
  }
  return [...byEndpoint].map(([id, list]) => ({ id, scans: list.sort(byCollectedAt) }));
}

const byCollectedAt = (a: ScanFacts, b: ScanFacts) => Date.parse(a.collectedAt) - Date.parse(b.collectedAt) || a.scanId.localeCompare(b.scanId);

export function evaluateFleet(histories: readonly EndpointHistory[], options: EvaluateOptions): Findings {
  const findings: Finding[] = [];
  const endpoints: EndpointSummary[] = [];
  let scans = 0;
  for (const history of histories) {
    if (history.scans.length === 0) continue;
    scans += history.scans.length;
    endpoints.push(summarizeEndpoint(history));
    findings.push(...evaluateEndpoint(history, options));
  }
  findings.sort(compareFindings);
  endpoints.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  const catalog = options.catalog.catalog;
  const result: Findings = {
    schema: "caveat.findings/v1",
    asOf: options.asOf,
    client: catalog.client,
    ...(catalog.name ? { clientName: catalog.name } : {}),
    generatedAt: options.generatedAt,
    ...(options.generator ? { generator: options.generator } : {}),
    summary: summarize(findings, endpoints.length, scans),
    endpoints,
    findings,
  };
  return result;
}

function summarize(findings: Finding[], endpoints: number, scans: number): Findings["summary"] {
  const bySeverity: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  let waived = 0;
  for (const f of findings) {
    if (f.waived) {
      waived++;
      continue;
    }
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  }
  return { endpoints, scans, findings: findings.length, waived, bySeverity, byRule };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.rule.localeCompare(b.rule) ||
    a.endpoint.hostname.localeCompare(b.endpoint.hostname) ||
    a.subject.localeCompare(b.subject) ||
    a.id.localeCompare(b.id)
  );
}

function summarizeEndpoint(history: EndpointHistory): EndpointSummary {
  const first = history.scans[0]!;
  const latest = history.scans[history.scans.length - 1]!;
  const e = latest.endpoint;
  const serial = cleanSerial(e.serial);
  return {
    id: e.id,
    hostname: e.hostname,
    type: e.type,
    os: describeOs(latest.os),
    ...(e.manufacturer ? { manufacturer: e.manufacturer } : {}),
    ...(e.model ? { model: e.model } : {}),
    ...(serial ? { serial } : {}),
    firstSeen: first.collectedAt,
    lastSeen: latest.collectedAt,
    scans: history.scans.length,
    software: latest.software.length,
  };
}

function describeOs(os: Inventory["os"]): string {
  const name = os.name.trim();
  const detail = os.platform === "windows" ? (os.displayVersion ?? os.build ?? os.version) : os.platform === "darwin" ? os.build : undefined;
  return detail && !name.includes(detail) ? `${name} (${detail})` : name;
}

/** A finding before waivers, severity and id are applied; `present` finds its first sighting in the history. */
interface Draft {
  rule: RuleId;
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
  lifecycle?: Lifecycle;
  present?: (scan: ScanFacts) => boolean;
}

export function evaluateEndpoint(history: EndpointHistory, options: EvaluateOptions): Finding[] {
  const latest = history.scans[history.scans.length - 1]!;
  const previous = history.scans.length > 1 ? history.scans[history.scans.length - 2] : undefined;
  const drafts: Draft[] = [
    ...osFindings(latest, options),
    ...softwareFindings(latest, options),
    ...hardwareFindings(latest, options),
    ...endpointFindings(history, latest, options),
    ...(previous ? driftFindings(previous, latest) : []),
  ];
  const findings: Finding[] = [];
  for (const draft of drafts) {
    const severity = options.catalog.severityOf(draft.rule);
    if (severity === undefined) continue;
    findings.push(finish(draft, severity, history, latest, options));
  }
  return findings;
}

function finish(draft: Draft, severity: Severity, history: EndpointHistory, latest: ScanFacts, options: EvaluateOptions): Finding {
  const endpoint = { id: latest.endpoint.id, hostname: latest.endpoint.hostname };
  const finding: Finding = {
    id: findingId(draft.rule, endpoint.id, draft.subject),
    rule: draft.rule,
    severity,
    endpoint,
    subject: draft.subject,
    message: draft.message,
    evidence: draft.evidence,
    ...(draft.lifecycle ? { lifecycle: draft.lifecycle } : {}),
    recommendation: RULE_INFO[draft.rule].recommendation,
    firstSeen: firstSeen(history, draft.present),
    waived: false,
  };
  const { active, expired } = findWaiver(draft.rule, endpoint, draft.subject, options);
  if (active) {
    finding.waived = true;
    finding.waiver = active;
  } else if (expired) {
    finding.waiverExpired = expired;
    finding.message += ` The client's acceptance of this risk (${expired.acceptedBy}, ${expired.accepted}) expired on ${expired.expires}.`;
  }
  return finding;
}

/** Stable across runs and machines: the same rule, endpoint and subject always give the same id. */
export function findingId(rule: string, endpointId: string, subject: string): string {
  return createHash("sha256").update(`${rule}\n${endpointId}\n${subject}`).digest("hex").slice(0, 20);
}

function firstSeen(history: EndpointHistory, present: Draft["present"]): string {
  if (present && history.scans.length > 1) for (const scan of history.scans) if (present(scan)) return scan.collectedAt;
  return present ? history.scans[history.scans.length - 1]!.collectedAt : history.scans[0]!.collectedAt;
}

/**
 * The waiver that covers a finding on the asOf date: active means accepted on or before asOf and
 * expiring after it. When several apply the one running longest wins; an expired one is reported
 * so the client sees that the risk came back.
 */
function findWaiver(rule: RuleId, endpoint: { id: string; hostname: string }, subject: string, options: EvaluateOptions): { active?: Waiver; expired?: Waiver } {
  let active: Waiver | undefined;
  let expired: Waiver | undefined;
  for (const w of options.catalog.waiversFor(rule)) {
    if (!(w.endpoint(endpoint.hostname) || w.endpoint(endpoint.id)) || !w.subject(subject)) continue;
    const waiver: Waiver = { endpoint: "*", subject: "*", ...w.waiver };
    if (waiver.accepted > options.asOf) continue;
    if (waiver.expires > options.asOf) {
      if (!active || waiver.expires > active.expires) active = waiver;
    } else if (!expired || waiver.expires > expired.expires) expired = waiver;
  }
  return { active, expired };
}

function lifecycleOf(match: CycleMatch): Lifecycle {
  const { product, cycle } = match;
  return {
    product: product.product,
    cycle: cycle.cycle,
    label: cycle.label,
    ...(cycle.support !== undefined ? { support: cycle.support } : {}),
    eol: cycle.eol,
    ...(cycle.extendedSupport !== undefined ? { extendedSupport: cycle.extendedSupport } : {}),
    source: cycle.source,
    ...(cycle.estimate ? { estimate: true } : {}),
  };
}

function eolPhrase(lifecycle: Lifecycle, ended: boolean, asOf: string): string {
  const date = typeof lifecycle.eol === "string" ? lifecycle.eol : undefined;
  const estimate = lifecycle.estimate ? " (expected date)" : "";
  const paid = typeof lifecycle.extendedSupport === "string" && lifecycle.extendedSupport > asOf ? `; extended security updates (ESU, LTS or ESM; often a paid subscription) run until ${lifecycle.extendedSupport}` : "";
  if (ended) return `${date ? `security updates ended on ${date}${estimate}` : "security updates have ended (the vendor published no date)"}${paid}`;
  return `security updates end on ${date}${estimate}${paid}`;
}

function osFindings(scan: ScanFacts, options: EvaluateOptions): Draft[] {
  const os = scan.os;
  const subject = os.name.trim();
  const evidence = compact({ name: subject, version: os.version, build: os.build, edition: os.edition, displayVersion: os.displayVersion, servicePack: os.servicePack, distro: os.distro, scanId: scan.scanId, collectedAt: scan.collectedAt });
  const present = (s: ScanFacts) => s.os.name.trim() === subject;
  const drafts: Draft[] = [];
  const match = options.lifecycle.matchOs(os);
  if (!match?.cycle) {
    const why = match
      ? `${match.product.title} version ${os.version ?? "?"}${os.build ? ` build ${os.build}` : ""}${os.edition ? ` (${os.edition})` : ""} is not in caveat's lifecycle data`
      : `no lifecycle data covers ${subject}${os.version ? ` ${os.version}` : ""}`;
    drafts.push({ rule: "os.unknown", subject, message: `Support status unknown: ${why}.`, evidence, present });
  } else {
    const lifecycle = lifecycleOf({ product: match.product, cycle: match.cycle });
    const status = lifecycleStatus(match.cycle, options.asOf, options.catalog.warnDays);
    if (status.state === "end-of-life") {
      drafts.push({ rule: "os.end-of-life", subject, message: `${subject} is ${match.cycle.label}: ${eolPhrase(lifecycle, true, options.asOf)}.`, evidence, lifecycle, present });
    } else if (status.state === "nearing-end-of-life") {
      drafts.push({ rule: "os.nearing-end-of-life", subject, message: `${subject} is ${match.cycle.label}: ${eolPhrase(lifecycle, false, options.asOf)}, in ${status.daysLeft} days.`, evidence, lifecycle, present });
    }
  }
  if (!options.catalog.osApproved(os)) {
    drafts.push({ rule: "os.unapproved", subject, message: `${subject}${os.edition ? ` (edition ${os.edition})` : ""} is not in the approved operating systems.`, evidence, present });
  }
  return drafts;
}

function softwareFindings(scan: ScanFacts, options: EvaluateOptions): Draft[] {
  const platform = scan.os.platform;
  const byCycle = new Map<string, { match: CycleMatch; installed: Inventory["software"] }>();
  const drafts: Draft[] = [];
  const seenSubjects = new Set<string>();
  for (const software of scan.software) {
    const match = options.lifecycle.matchSoftware(software);
    if (match) {
      const key = `${match.product.product}\u0000${match.cycle.cycle}`;
      const group = byCycle.get(key);
      if (group) group.installed.push(software);
      else byCycle.set(key, { match, installed: [software] });
    }
    const decision = options.catalog.softwareDecision(platform, software.name, software.publisher, software.version);
    if (!decision.denied && !decision.unapproved) continue;
    const rule: RuleId = decision.denied ? "software.denied" : "software.unapproved";
    // One finding per title per endpoint, even when per-user installs repeat it.
    if (seenSubjects.has(`${rule}\u0000${software.name}`)) continue;
    seenSubjects.add(`${rule}\u0000${software.name}`);
    const name = software.name;
    const evidence = compact({ name, version: software.version, publisher: software.publisher, source: software.source, scope: software.scope, user: software.user, installedOn: software.installedOn });
    const present = (s: ScanFacts) => s.software.some((x) => x.name === name);
    if (decision.denied) {
      const reason = decision.denied.reason;
      drafts.push({ rule, subject: name, message: `${name}${software.version ? ` ${software.version}` : ""} is prohibited${reason ? `: ${reason}` : ""}.`, evidence: { ...evidence, deniedBy: decision.denied.name, ...(reason ? { reason } : {}) }, present });
    } else {
      drafts.push({ rule, subject: name, message: `${name}${software.version ? ` ${software.version}` : ""} is not on the approved software list.`, evidence, present });
    }
  }
  for (const { match, installed } of byCycle.values()) {
    const status = lifecycleStatus(match.cycle, options.asOf, options.catalog.warnDays);
    if (status.state === "supported") continue;
    const lifecycle = lifecycleOf(match);
    const subject = match.cycle.label;
    const names = new Set(installed.map((s) => s.name));
    const evidence = { installed: installed.map((s) => compact({ name: s.name, version: s.version, publisher: s.publisher, source: s.source, scope: s.scope, user: s.user })) };
    const present = (s: ScanFacts) => s.software.some((x) => names.has(x.name));
    const listed = [...names].slice(0, 3).join(", ") + (names.size > 3 ? ", ..." : "");
    if (status.state === "end-of-life") {
      drafts.push({ rule: "software.end-of-life", subject, message: `${subject} (installed: ${listed}): ${eolPhrase(lifecycle, true, options.asOf)}.`, evidence, lifecycle, present });
    } else {
      drafts.push({ rule: "software.nearing-end-of-life", subject, message: `${subject} (installed: ${listed}): ${eolPhrase(lifecycle, false, options.asOf)}, in ${status.daysLeft} days.`, evidence, lifecycle, present });
    }
  }
  return drafts;
}

function hardwareFindings(scan: ScanFacts, options: EvaluateOptions): Draft[] {
  const e = scan.endpoint;
  // Virtual machines are not bought as hardware: serial, model and register rules do not apply.
  if (e.type === "virtual") return [];
  const drafts: Draft[] = [];
  const model = [e.manufacturer, e.model].filter(Boolean).join(" ") || "unknown model";
  const serial = cleanSerial(e.serial);
  const evidence = compact({ manufacturer: e.manufacturer, model: e.model, serial: e.serial, type: e.type, scanId: scan.scanId });
  if (!serial) {
    drafts.push({
      rule: "hardware.unidentified",
      subject: model,
      message: e.serial ? `${model} reports the placeholder serial "${e.serial}" instead of a real one.` : `${model} reports no serial number.`,
      evidence,
    });
  } else if (options.catalog.registered && !options.catalog.registered(serial)) {
    drafts.push({
      rule: "hardware.unregistered",
      subject: serial,
      message: `${model} with serial ${serial} is not in the procurement register.`,
      evidence,
      present: (s) => serialKey(s.endpoint.serial) === serialKey(serial),
    });
  }
  if (!options.catalog.hardwareApproved(e.manufacturer, e.model)) {
    drafts.push({ rule: "hardware.unapproved", subject: model, message: `${model} is not an approved hardware model.`, evidence, present: (s) => s.endpoint.model === e.model });
  }
  return drafts;
}

function endpointFindings(history: EndpointHistory, latest: ScanFacts, options: EvaluateOptions): Draft[] {
  const drafts: Draft[] = [];
  const hostname = latest.endpoint.hostname;
  const age = daysBetween(latest.collectedAt.slice(0, 10), options.asOf);
  if (age > options.catalog.staleDays) {
    drafts.push({
      rule: "endpoint.stale",
      subject: hostname,
      message: `${hostname} last reported on ${latest.collectedAt.slice(0, 10)}, ${age} days before ${options.asOf} (agreed maximum: ${options.catalog.staleDays} days).`,
      evidence: { lastSeen: latest.collectedAt, days: age, staleDays: options.catalog.staleDays, scanId: latest.scanId },
    });
  }
  if (history.scans.length === 1) {
    drafts.push({ rule: "endpoint.new", subject: hostname, message: `${hostname} was scanned for the first time on ${latest.collectedAt.slice(0, 10)}.`, evidence: { firstScan: latest.scanId, collectedAt: latest.collectedAt } });
  }
  return drafts;
}

/** Changes between the two most recent scans of one endpoint. */
function driftFindings(previous: ScanFacts, latest: ScanFacts): Draft[] {
  const drafts: Draft[] = [];
  const since = { previousScan: previous.scanId, previousCollectedAt: previous.collectedAt, scanId: latest.scanId, collectedAt: latest.collectedAt };
  const before = new Map(previous.software.map((s) => [s.name, s]));
  const after = new Map(latest.software.map((s) => [s.name, s]));
  for (const [name, s] of after) {
    if (before.has(name)) continue;
    drafts.push({ rule: "software.new", subject: name, message: `${name}${s.version ? ` ${s.version}` : ""} was installed since the scan of ${previous.collectedAt.slice(0, 10)}.`, evidence: compact({ name, version: s.version, publisher: s.publisher, ...since }) });
  }
  for (const [name, s] of before) {
    if (after.has(name)) continue;
    drafts.push({ rule: "software.removed", subject: name, message: `${name}${s.version ? ` ${s.version}` : ""} was removed since the scan of ${previous.collectedAt.slice(0, 10)}.`, evidence: compact({ name, version: s.version, publisher: s.publisher, ...since }) });
  }
  const oldSerial = cleanSerial(previous.endpoint.serial);
  const newSerial = cleanSerial(latest.endpoint.serial);
  const changes: string[] = [];
  if ((oldSerial ?? "").toLowerCase() !== (newSerial ?? "").toLowerCase()) changes.push(`serial ${oldSerial ?? "(none)"} -> ${newSerial ?? "(none)"}`);
  if ((previous.endpoint.model ?? "") !== (latest.endpoint.model ?? "")) changes.push(`model ${previous.endpoint.model ?? "(none)"} -> ${latest.endpoint.model ?? "(none)"}`);
  if (changes.length > 0) {
    drafts.push({
      rule: "hardware.changed",
      subject: changes.join(", "),
      message: `${latest.endpoint.hostname}: ${changes.join(", ")} between the scans of ${previous.collectedAt.slice(0, 10)} and ${latest.collectedAt.slice(0, 10)}.`,
      evidence: compact({ previousSerial: previous.endpoint.serial, serial: latest.endpoint.serial, previousModel: previous.endpoint.model, model: latest.endpoint.model, ...since }),
    });
  }
  return drafts;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}
