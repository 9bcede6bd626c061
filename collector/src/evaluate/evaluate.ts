// catalog + lifecycle data + inventories (with history) -> findings. Pure: no I/O, no clock
// (asOf and generatedAt come in), so the CLI and the collector produce the same findings.
import * as crypto from "node:crypto";
import { collate } from "../domain/collate.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import type { EndpointSummary, Finding, Findings, Lifecycle, Waiver } from "../../../schemas/findings.v1.js";
import type { Cycle } from "../../../schemas/lifecycle.v1.js";
import type { CycleMatch, LifecycleIndex, OsMatch, SoftwareCandidates } from "../lifecycle/match.js";
import { daysBetween, lifecycleStatus, type LifecycleStatus } from "../lifecycle/status.js";
import { RULE_INFO, serialKey, type CompiledCatalog, type NameRules, type RuleId, type Severity } from "./compile-catalog.js";
import { cleanSerial } from "../../../agent/src/identity.js";

/** What evaluation reads from one scan: the collector can build it from stored rows. */
export type ScanFacts = Pick<Inventory, "scanId" | "collectedAt" | "endpoint" | "os" | "software"> & { client?: string };

export interface EvaluateOptions {
  catalog: CompiledCatalog;
  lifecycle: LifecycleIndex;
  /** YYYY-MM-DD */
  asOf: string;
  generatedAt: string;
  generator?: string;
}

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

const byCollectedAt = (a: { collectedAt: string; scanId: string }, b: { collectedAt: string; scanId: string }) => Date.parse(a.collectedAt) - Date.parse(b.collectedAt) || collate(a.scanId, b.scanId);


/** Scans of any endpoints, in any order (the same scan twice counts once) -> findings, in this thread. */
export function evaluateScans(scans: Iterable<ScanFacts>, options: EvaluateOptions): Findings {
  return findingsFromDigests(Array.from(scans, (scan) => digestScan(scan, options)), options);
}

/**
 * What one scan contributes, computed without its history: the current-state rules (OS, software,
 * hardware) and the facts later rules need. Plain data, so worker threads can compute digests in
 * parallel and the collector can compute one per incoming scan.
 */
export interface ScanDigest {
  scanId: string;
  collectedAt: string;
  client?: string;
  endpoint: ScanFacts["endpoint"];
  os: ScanFacts["os"];
  softwareCount: number;
  /**
   * [name, version, publisher] of every entry, needed only by endpoints with history (drift, first seen).
   * Threads that evaluate each scan on its own leave it out (see digest-files.ts).
   */
  software?: SoftwareBrief[];
  drafts: Draft[];
}

export type SoftwareBrief = [name: string, version: string | null, publisher: string | null];

function softwareBriefs(software: ScanFacts["software"]): SoftwareBrief[] {
  return software.map((s) => [s.name, s.version ?? null, s.publisher ?? null]);
}

export type ScanRuleOptions = Pick<EvaluateOptions, "catalog" | "lifecycle" | "asOf">;

export function digestScan(scan: ScanFacts, options: ScanRuleOptions, keepSoftware = true): ScanDigest {
  const digest: ScanDigest = {
    scanId: scan.scanId,
    collectedAt: scan.collectedAt,
    endpoint: scan.endpoint,
    os: scan.os,
    softwareCount: scan.software.length,
    drafts: [...osFindings(scan, options), ...softwareFindings(scan, options), ...hardwareFindings(scan, options)],
  };
  // Ids here rather than when findings are finished: digests are computed on worker threads.
  for (const draft of digest.drafts) if (options.catalog.severityOf(draft.rule) !== undefined) draft.id = findingId(draft.rule, scan.endpoint.id, draft.subject);
  if (keepSoftware) digest.software = softwareBriefs(scan.software);
  if (scan.client !== undefined) digest.client = scan.client;
  return digest;
}

/** Groups digests by endpoint (dropping repeated scanIds), orders each history and applies the history rules. */
export function findingsFromDigests(digests: Iterable<ScanDigest>, options: EvaluateOptions): Findings {
  const byEndpoint = new Map<string, ScanDigest[]>();
  const seen = new Set<string>();
  for (const digest of digests) {
    if (seen.has(digest.scanId)) continue;
    seen.add(digest.scanId);
    const list = byEndpoint.get(digest.endpoint.id);
    if (list) list.push(digest);
    else byEndpoint.set(digest.endpoint.id, [digest]);
  }
  const findings: Finding[] = [];
  const endpoints: EndpointSummary[] = [];
  for (const history of byEndpoint.values()) {
    const result = evaluateEndpoint(history, options);
    endpoints.push(result.endpoint);
    for (const finding of result.findings) findings.push(finding);
  }
  sortFindings(findings, findingOrder);
  sortEndpoints(endpoints);
  return { ...findingsEnvelope(options, summarize(findings, endpoints.length, seen.size)), endpoints, findings };
}

/** What one endpoint contributes to the findings document: its summary and its findings (in no order). */
export interface EndpointResult {
  endpoint: EndpointSummary;
  findings: Finding[];
}

/** One endpoint's scans (distinct, in any order; at least one) -> its summary and findings. */
export function evaluateEndpoint(history: ScanDigest[], options: EvaluateOptions): EndpointResult {
  history.sort(byCollectedAt);
  return { endpoint: summarizeEndpoint(history), findings: evaluateHistory(history, options) };
}

export type EnvelopeOptions = Pick<EvaluateOptions, "catalog" | "asOf" | "generatedAt" | "generator">;

/** The findings document without its two lists, keys in the order of the document (endpoints and findings come last). */
export function findingsEnvelope(options: EnvelopeOptions, summary: Findings["summary"]): Omit<Findings, "endpoints" | "findings"> {
  const catalog = options.catalog.catalog;
  return {
    schema: "caveat.findings/v1",
    asOf: options.asOf,
    client: catalog.client,
    ...(catalog.name ? { clientName: catalog.name } : {}),
    generatedAt: options.generatedAt,
    ...(options.generator ? { generator: options.generator } : {}),
    summary,
  };
}

export function summarize(findings: readonly Pick<Finding, "severity" | "rule" | "waived">[], endpoints: number, scans: number): Findings["summary"] {
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

/** What orders findings in a document: severity, then rule, hostname, subject and id in collation order. */
export interface FindingOrder {
  severity: Severity;
  rule: string;
  hostname: string;
  subject: string;
  id: string;
}

/**
 * Sorts findings (or anything that knows its finding's order) in document order. The collator is slow per
 * call, so each distinct rule, hostname and subject is ranked once (strings the collator holds equal share a
 * rank) and the sort compares ranks; ids, unique per finding, are collated only to break the remaining ties.
 */
export function sortFindings<T>(items: T[], orderOf: (item: T) => FindingOrder, ranks?: ReadonlyMap<string, number>): void {
  const keys = items.map(orderOf);
  const rank = ranks ?? collationRanks(keys.flatMap((k) => [k.rule, k.hostname, k.subject]));
  const keyed = items.map((item, i) => {
    const k = keys[i]!;
    return { item, id: k.id, severity: SEVERITIES.indexOf(k.severity), rule: rank.get(k.rule)!, hostname: rank.get(k.hostname)!, subject: rank.get(k.subject)! };
  });
  keyed.sort((a, b) => a.severity - b.severity || a.rule - b.rule || a.hostname - b.hostname || a.subject - b.subject || collate(a.id, b.id));
  keyed.forEach((k, i) => (items[i] = k.item));
}

const findingOrder = (f: Finding): FindingOrder => ({ severity: f.severity, rule: f.rule, hostname: f.endpoint.hostname, subject: f.subject, id: f.id });

/** Sorts endpoint summaries (or anything with their hostname and id) by hostname, then id, in collation order. */
export function sortEndpoints<T extends { hostname: string; id: string }>(endpoints: T[], ranks?: ReadonlyMap<string, number>): void {
  const rank = ranks ?? collationRanks(endpoints.map((e) => e.hostname));
  const keyed = endpoints.map((e) => ({ e, hostname: rank.get(e.hostname)! }));
  keyed.sort((a, b) => a.hostname - b.hostname || collate(a.e.id, b.e.id));
  keyed.forEach((k, i) => (endpoints[i] = k.e));
}

/**
 * Each distinct value's place in collation order (values the collator holds equal share one). Ranks from
 * one call order any of its values against each other, so one call can serve several sorts: rules,
 * hostnames and subjects overlap (a hostname is the subject of endpoint.new), and each is then collated once.
 */
export function collationRanks(values: Iterable<string>): Map<string, number> {
  const distinct = [...new Set(values)].sort(collate);
  const ranks = new Map<string, number>();
  let rank = 0;
  distinct.forEach((value, i) => {
    if (i > 0 && collate(distinct[i - 1]!, value) !== 0) rank++;
    ranks.set(value, rank);
  });
  return ranks;
}

function summarizeEndpoint(history: ScanDigest[]): EndpointSummary {
  const first = history[0]!;
  const latest = history[history.length - 1]!;
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
    scans: history.length,
    software: latest.softwareCount,
  };
}

export function describeOs(os: Inventory["os"]): string {
  const name = os.name.trim();
  const detail = os.platform === "windows" ? (os.displayVersion ?? os.build ?? os.version) : os.platform === "darwin" ? os.build : undefined;
  return detail && !name.includes(detail) ? `${name} (${detail})` : name;
}

/**
 * Where to look for a finding's subject in earlier scans (its first sighting); absent: the endpoint's first
 * scan. "change": a difference between the two latest scans, first seen when the latest scan saw it.
 */
export type Presence = { kind: "change" } | { kind: "os"; name: string } | { kind: "software"; names: string[] } | { kind: "serial"; serial: string } | { kind: "model"; model: string };

/** A finding before severity, id and waivers are applied. Plain data (it crosses worker threads). */
export interface Draft {
  /** findingId(rule, endpoint id, subject) when already computed (digestScan does, for enabled rules). */
  id?: string;
  rule: RuleId;
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
  lifecycle?: Lifecycle;
  presence?: Presence;
}

/** The findings of one endpoint: its latest scan's drafts plus the rules that need its history. */
function evaluateHistory(history: ScanDigest[], options: EvaluateOptions): Finding[] {
  const latest = history[history.length - 1]!;
  const previous = history.length > 1 ? history[history.length - 2] : undefined;
  const drafts: Draft[] = [...latest.drafts, ...endpointFindings(history, latest, options), ...(previous ? driftFindings(previous, latest) : [])];
  const findings: Finding[] = [];
  for (const draft of drafts) {
    const severity = options.catalog.severityOf(draft.rule);
    if (severity === undefined) continue;
    findings.push(finish(draft, severity, history, latest, options));
  }
  const overdueSeverity = options.catalog.severityOf("remediation.overdue");
  if (overdueSeverity !== undefined) {
    for (const overdue of overdueDrafts(findings, latest.endpoint.id, options)) {
      const finding = finish(overdue.draft, overdueSeverity, history, latest, options);
      findings.push({ ...finding, firstSeen: overdue.since });
    }
  }
  return findings;
}

/**
 * A finding the client promised, in a signed acknowledgement, to fix by a date that has passed: one
 * remediation.overdue finding beside it. A later decision about that overdue finding (a new date still
 * ahead) replaces the promise; accepting it is a waiver like any other.
 */
function overdueDrafts(findings: Finding[], endpointId: string, options: EvaluateOptions): { draft: Draft; since: string }[] {
  const drafts: { draft: Draft; since: string }[] = [];
  for (const f of findings) {
    if (f.waived) continue;
    const promise = options.catalog.promiseFor(f.id);
    if (!promise) continue;
    const id = findingId("remediation.overdue", endpointId, `${f.rule}\n${f.subject}`);
    const renewed = options.catalog.promiseFor(id);
    const current = renewed ?? promise;
    if (current.due >= options.asOf) continue;
    drafts.push({
      since: new Date(Date.parse(`${current.due}T00:00:00Z`) + 86_400_000).toISOString(),
      draft: {
        id,
        rule: "remediation.overdue",
        subject: f.subject,
        message: `${current.promisedBy} signed on ${current.promisedOn} that this would be fixed by ${current.due} (acknowledgement ${current.document}); on ${options.asOf} it is still found: ${f.message}`,
        evidence: { finding: f.id, rule: f.rule, due: current.due, promisedBy: current.promisedBy, promisedOn: current.promisedOn, document: current.document },
      },
    });
  }
  return drafts;
}

function finish(draft: Draft, severity: Severity, history: ScanDigest[], latest: ScanDigest, options: EvaluateOptions): Finding {
  const endpoint = { id: latest.endpoint.id, hostname: latest.endpoint.hostname };
  const finding: Finding = {
    id: draft.id ?? findingId(draft.rule, endpoint.id, draft.subject),
    rule: draft.rule,
    severity,
    endpoint,
    subject: draft.subject,
    message: draft.message,
    evidence: draft.evidence,
    ...(draft.lifecycle ? { lifecycle: draft.lifecycle } : {}),
    recommendation: RULE_INFO[draft.rule].recommendation,
    firstSeen: firstSeen(history, draft.presence),
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

// crypto.hash (Node 20.12+) is the one-shot form of createHash().update().digest(): same bytes, less work per call.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function" ? (text) => crypto.hash("sha256", text, "hex") : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** Stable across runs and machines: the same rule, endpoint and subject always give the same id. */
export function findingId(rule: string, endpointId: string, subject: string): string {
  return sha256Hex(`${rule}\n${endpointId}\n${subject}`).slice(0, 20);
}

function firstSeen(history: ScanDigest[], presence: Presence | undefined): string {
  const latest = history[history.length - 1]!;
  if (!presence) return history[0]!.collectedAt;
  if (history.length === 1 || presence.kind === "change") return latest.collectedAt;
  for (const scan of history) if (isPresent(scan, presence)) return scan.collectedAt;
  return latest.collectedAt;
}

function isPresent(scan: ScanDigest, presence: Presence): boolean {
  switch (presence.kind) {
    case "change":
      return true;
    case "os":
      return scan.os.name.trim() === presence.name;
    case "software": {
      const names = softwareOf(scan);
      return presence.names.some((n) => names.has(n));
    }
    case "serial":
      return serialKey(scan.endpoint.serial) === serialKey(presence.serial);
    case "model":
      return scan.endpoint.model === presence.model;
  }
}

const softwareCache = new WeakMap<ScanDigest, Map<string, { version?: string; publisher?: string }>>();

/** The digest's software by name (first entry wins), parsed once per digest. */
function softwareOf(scan: ScanDigest): Map<string, { version?: string; publisher?: string }> {
  let map = softwareCache.get(scan);
  if (!map) {
    map = new Map();
    if (!scan.software) throw new Error(`internal: the software of scan ${scan.scanId} was not handed over for the history rules`);
    for (const [name, version, publisher] of scan.software) {
      if (!map.has(name)) map.set(name, { ...(version !== null ? { version } : {}), ...(publisher !== null ? { publisher } : {}) });
    }
    softwareCache.set(scan, map);
  }
  return map;
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

function osFindings(scan: ScanFacts, options: ScanRuleOptions): Draft[] {
  const os = scan.os;
  const subject = os.name.trim();
  const evidence = compact({ name: subject, version: os.version, build: os.build, edition: os.edition, displayVersion: os.displayVersion, servicePack: os.servicePack, distro: os.distro, scanId: scan.scanId, collectedAt: scan.collectedAt });
  const present: Presence = { kind: "os", name: subject };
  const drafts: Draft[] = [];
  const { match, approved } = osVerdict(os, options);
  if (!match?.cycle) {
    const why = match
      ? `${match.product.title} version ${os.version ?? "?"}${os.build ? ` build ${os.build}` : ""}${os.edition ? ` (${os.edition})` : ""} is not in caveat's lifecycle data`
      : `no lifecycle data covers ${subject}${os.version ? ` ${os.version}` : ""}`;
    drafts.push({ rule: "os.unknown", subject, message: `Support status unknown: ${why}.`, evidence, presence: present });
  } else {
    const lifecycle = lifecycleOf({ product: match.product, cycle: match.cycle });
    const status = statusOf(match.cycle, options);
    if (status.state === "end-of-life") {
      drafts.push({ rule: "os.end-of-life", subject, message: `${subject} is ${match.cycle.label}: ${eolPhrase(lifecycle, true, options.asOf)}.`, evidence, lifecycle, presence: present });
    } else if (status.state === "nearing-end-of-life") {
      drafts.push({ rule: "os.nearing-end-of-life", subject, message: `${subject} is ${match.cycle.label}: ${eolPhrase(lifecycle, false, options.asOf)}, in ${status.daysLeft} days.`, evidence, lifecycle, presence: present });
    }
  }
  if (!approved) {
    drafts.push({ rule: "os.unapproved", subject, message: `${subject}${os.edition ? ` (edition ${os.edition})` : ""} is not in the approved operating systems.`, evidence, presence: present });
  }
  return drafts;
}

/** What the lifecycle data and the catalog say of one software name on one platform (see namesOn). */
interface NameVerdict {
  products?: SoftwareCandidates;
  rules: NameRules;
}

/** Per set of options (catalog, lifecycle data, date), answers that repeat across the scans of a fleet. */
interface RuleCache {
  names: Map<string, Map<string, NameVerdict>>;
  status: Map<Cycle, LifecycleStatus>;
  os: Map<string, OsVerdict>;
}

/** What the lifecycle data and the catalog say of one operating system (see osVerdict). */
interface OsVerdict {
  match?: OsMatch;
  approved: boolean;
}

const ruleCaches = new WeakMap<ScanRuleOptions, RuleCache>();

function ruleCache(options: ScanRuleOptions): RuleCache {
  let cache = ruleCaches.get(options);
  if (!cache) ruleCaches.set(options, (cache = { names: new Map(), status: new Map(), os: new Map() }));
  return cache;
}

/** Fleets repeat a few thousand software names: one lookup per entry instead of one per rule source. */
function namesOn(platform: string, options: ScanRuleOptions): (name: string) => NameVerdict {
  const cache = ruleCache(options).names;
  let names = cache.get(platform);
  if (!names) cache.set(platform, (names = new Map()));
  const known = names;
  return (name) => {
    let verdict = known.get(name);
    if (!verdict) {
      // Bounded so a long-running collector cannot grow it without limit.
      if (known.size >= 200_000) known.clear();
      verdict = { products: options.lifecycle.softwareCandidates(name), rules: options.catalog.softwareRules(platform, name) };
      known.set(name, verdict);
    }
    return verdict;
  };
}

/** matchOs and osApproved, once per distinct set of the facts they read. */
function osVerdict(os: ScanFacts["os"], options: ScanRuleOptions): OsVerdict {
  const cache = ruleCache(options).os;
  const key = [os.platform, os.name, os.version, os.build, os.edition, os.distro].map((v) => v ?? "\u0001").join("\u0000");
  let verdict = cache.get(key);
  if (!verdict) {
    if (cache.size >= 10_000) cache.clear();
    verdict = { match: options.lifecycle.matchOs(os), approved: options.catalog.osApproved(os) };
    cache.set(key, verdict);
  }
  return verdict;
}

function statusOf(cycle: Cycle, options: ScanRuleOptions): LifecycleStatus {
  const cache = ruleCache(options).status;
  let status = cache.get(cycle);
  if (!status) cache.set(cycle, (status = lifecycleStatus(cycle, options.asOf, options.catalog.warnDays)));
  return status;
}

function softwareFindings(scan: ScanFacts, options: ScanRuleOptions): Draft[] {
  const verdictOf = namesOn(scan.os.platform, options);
  const byCycle = new Map<string, { match: CycleMatch; installed: Inventory["software"] }>();
  const drafts: Draft[] = [];
  const seenSubjects = new Set<string>();
  for (const software of scan.software) {
    const verdict = verdictOf(software.name);
    const match = verdict.products && options.lifecycle.matchSoftwareAmong(verdict.products, software);
    if (match) {
      const key = `${match.product.product}\u0000${match.cycle.cycle}`;
      const group = byCycle.get(key);
      if (group) group.installed.push(software);
      else byCycle.set(key, { match, installed: [software] });
    }
    const decision = verdict.rules.decision ?? verdict.rules.decide(software.publisher, software.version);
    if (!decision.denied && !decision.unapproved) continue;
    const rule: RuleId = decision.denied ? "software.denied" : "software.unapproved";
    // One finding per title per endpoint, even when per-user installs repeat it.
    if (seenSubjects.has(`${rule}\u0000${software.name}`)) continue;
    seenSubjects.add(`${rule}\u0000${software.name}`);
    const name = software.name;
    const evidence = compact({ name, version: software.version, publisher: software.publisher, source: software.source, scope: software.scope, user: software.user, installedOn: software.installedOn });
    const present: Presence = { kind: "software", names: [name] };
    if (decision.denied) {
      const reason = decision.denied.reason;
      drafts.push({ rule, subject: name, message: `${name}${software.version ? ` ${software.version}` : ""} is prohibited${reason ? `: ${reason}` : ""}.`, evidence: { ...evidence, deniedBy: decision.denied.name, ...(reason ? { reason } : {}) }, presence: present });
    } else {
      drafts.push({ rule, subject: name, message: `${name}${software.version ? ` ${software.version}` : ""} is not on the approved software list.`, evidence, presence: present });
    }
  }
  for (const { match, installed } of byCycle.values()) {
    const status = statusOf(match.cycle, options);
    if (status.state === "supported") continue;
    const lifecycle = lifecycleOf(match);
    const subject = match.cycle.label;
    const names = new Set(installed.map((s) => s.name));
    const evidence = { installed: installed.map((s) => compact({ name: s.name, version: s.version, publisher: s.publisher, source: s.source, scope: s.scope, user: s.user })) };
    const present: Presence = { kind: "software", names: [...names] };
    const listed = [...names].slice(0, 3).join(", ") + (names.size > 3 ? ", ..." : "");
    if (status.state === "end-of-life") {
      drafts.push({ rule: "software.end-of-life", subject, message: `${subject} (installed: ${listed}): ${eolPhrase(lifecycle, true, options.asOf)}.`, evidence, lifecycle, presence: present });
    } else {
      drafts.push({ rule: "software.nearing-end-of-life", subject, message: `${subject} (installed: ${listed}): ${eolPhrase(lifecycle, false, options.asOf)}, in ${status.daysLeft} days.`, evidence, lifecycle, presence: present });
    }
  }
  return drafts;
}

function hardwareFindings(scan: ScanFacts, options: ScanRuleOptions): Draft[] {
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
      presence: { kind: "serial", serial },
    });
  }
  if (!options.catalog.hardwareApproved(e.manufacturer, e.model)) {
    drafts.push({ rule: "hardware.unapproved", subject: model, message: `${model} is not an approved hardware model.`, evidence, ...(e.model ? { presence: { kind: "model", model: e.model } as Presence } : {}) });
  }
  return drafts;
}

function endpointFindings(history: ScanDigest[], latest: ScanDigest, options: EvaluateOptions): Draft[] {
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
  if (history.length === 1) {
    drafts.push({ rule: "endpoint.new", subject: hostname, message: `${hostname} was scanned for the first time on ${latest.collectedAt.slice(0, 10)}.`, evidence: { firstScan: latest.scanId, collectedAt: latest.collectedAt } });
  }
  return drafts;
}

const CHANGE: Presence = { kind: "change" };

/** Changes between the two most recent scans of one endpoint. */
function driftFindings(previous: ScanDigest, latest: ScanDigest): Draft[] {
  const drafts: Draft[] = [];
  const since = { previousScan: previous.scanId, previousCollectedAt: previous.collectedAt, scanId: latest.scanId, collectedAt: latest.collectedAt };
  const before = softwareOf(previous);
  const after = softwareOf(latest);
  for (const [name, s] of after) {
    if (before.has(name)) continue;
    drafts.push({ rule: "software.new", subject: name, message: `${name}${s.version ? ` ${s.version}` : ""} was installed since the scan of ${previous.collectedAt.slice(0, 10)}.`, evidence: compact({ name, version: s.version, publisher: s.publisher, ...since }), presence: CHANGE });
  }
  for (const [name, s] of before) {
    if (after.has(name)) continue;
    drafts.push({ rule: "software.removed", subject: name, message: `${name}${s.version ? ` ${s.version}` : ""} was removed since the scan of ${previous.collectedAt.slice(0, 10)}.`, evidence: compact({ name, version: s.version, publisher: s.publisher, ...since }), presence: CHANGE });
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
      presence: CHANGE,
    });
  }
  return drafts;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for-in, not Object.entries: no array per field (own string keys of a literal, in the same order).
  for (const k in record) {
    const v = record[k];
    if (v !== undefined && v !== "") out[k] = v;
  }
  return out;
}
