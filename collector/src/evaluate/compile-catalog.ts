// Turns a catalog into fast predicates, once per evaluation: globs compiled and indexed, the
// procurement register in a set, software decisions memoised per distinct (name, publisher, version).
import type { Catalog, Purchase, RuleId, Severity, SoftwareRule, Waiver } from "../../../schemas/catalog.v1.js";
import { cleanSerial } from "../../../agent/src/identity.js";
import { compileGlob, GlobIndex } from "../domain/glob.js";
import { editionMatches } from "../domain/windows-editions.js";
import RULES from "../domain/rules.json" with { type: "json" };

export type { RuleId, Severity } from "../../../schemas/catalog.v1.js";

export interface RuleInfo {
  severity: Severity;
  title: string;
  risk: string;
  recommendation: string;
}

export const RULE_INFO = RULES as Record<RuleId, RuleInfo>;
export const RULE_IDS = Object.keys(RULE_INFO) as RuleId[];

export interface SoftwareDecision {
  denied?: SoftwareRule;
  /** allowlist mode: matched neither allow nor ignore. */
  unapproved?: boolean;
}

/** The catalog's rules for one software name: a decision when they depend on the name alone, else the few rules to test. */
export interface NameRules {
  decision?: SoftwareDecision;
  decide(publisher: string | undefined, version: string | undefined): SoftwareDecision;
}

export interface OsFactsForCatalog {
  platform: string;
  name: string;
  version?: string;
  edition?: string;
}

export interface CompiledCatalog {
  catalog: Catalog;
  warnDays: number;
  staleDays: number;
  /** undefined when the rule is disabled for this client. */
  severityOf(rule: RuleId): Severity | undefined;
  osApproved(os: OsFactsForCatalog): boolean;
  /** What the catalog says of one software name on one platform; callers that see the same names again may keep it. */
  softwareRules(platform: string, name: string): NameRules;
  hardwareApproved(manufacturer: string | undefined, model: string | undefined): boolean;
  /** undefined when the catalog has no procurement register (the rule then cannot say anything). */
  registered?: (serial: string) => Purchase | undefined;
  waiversFor(rule: RuleId): CompiledWaiver[];
  /** The client's signed promise to fix a finding by a date, if its latest decision about it was that. */
  promiseFor(findingId: string): RemediationPromise | undefined;
}

/** "Fixed by `due`", signed in acknowledgement `document` by `promisedBy` on `promisedOn`. */
export interface RemediationPromise {
  due: string;
  document: string;
  promisedBy: string;
  promisedOn: string;
}

export interface CompiledWaiver {
  waiver: Waiver;
  endpoint: (value: string) => boolean;
  subject: (value: string) => boolean;
}

/**
 * `signed` are waivers from signed acknowledgements: each names one endpoint (by id) and one subject
 * exactly, so a subject holding * or ? is not taken for a pattern.
 */
export function compileCatalog(catalog: Catalog, procurement: readonly Purchase[], signed: readonly Waiver[] = [], promises: ReadonlyMap<string, RemediationPromise> = new Map()): CompiledCatalog {
  const overrides = catalog.rules ?? {};
  const osAllow = catalog.os?.allow?.map((rule) => ({
    platform: rule.platform,
    name: rule.name === undefined ? undefined : compileGlob(rule.name),
    version: rule.version === undefined ? undefined : compileGlob(rule.version),
    editions: rule.editions,
  }));
  const hardwareAllow = catalog.hardware?.allow?.map((rule) => ({
    manufacturer: rule.manufacturer === undefined ? undefined : compileGlob(rule.manufacturer),
    model: rule.model === undefined ? undefined : compileGlob(rule.model),
  }));
  const software = compileSoftwareRules(catalog);
  const hasRegister = catalog.procurement !== undefined || catalog.procurementFile !== undefined;
  const register = new Map<string, Purchase>();
  for (const purchase of procurement) {
    const serial = serialKey(purchase.serial);
    if (serial && !register.has(serial)) register.set(serial, purchase);
  }
  const waivers = new Map<RuleId, CompiledWaiver[]>();
  for (const waiver of catalog.waivers ?? []) {
    const list = waivers.get(waiver.rule) ?? [];
    list.push({ waiver, endpoint: compileGlob(waiver.endpoint ?? "*"), subject: compileGlob(waiver.subject ?? "*") });
    waivers.set(waiver.rule, list);
  }
  for (const waiver of signed) {
    const list = waivers.get(waiver.rule) ?? [];
    list.push({ waiver, endpoint: (value) => value === waiver.endpoint, subject: (value) => value === waiver.subject });
    waivers.set(waiver.rule, list);
  }
  return {
    catalog,
    warnDays: catalog.warnDays ?? 180,
    staleDays: catalog.staleDays ?? 30,
    severityOf: (rule) => (overrides[rule]?.enabled === false ? undefined : (overrides[rule]?.severity ?? RULE_INFO[rule].severity)),
    osApproved: (os) =>
      osAllow === undefined ||
      osAllow.some(
        (rule) =>
          (rule.platform === undefined || rule.platform === os.platform) &&
          (rule.name === undefined || rule.name(os.name.trim())) &&
          (rule.version === undefined || (os.version !== undefined && rule.version(os.version))) &&
          (rule.editions === undefined || editionMatches(rule.editions, os.edition)),
      ),
    softwareRules: software,
    hardwareApproved: (manufacturer, model) =>
      hardwareAllow === undefined ||
      hardwareAllow.some(
        (rule) => (rule.manufacturer === undefined || rule.manufacturer(manufacturer?.trim() ?? "")) && (rule.model === undefined || rule.model(model?.trim() ?? "")),
      ),
    registered: hasRegister ? (serial) => register.get(serialKey(serial) ?? "") : undefined,
    waiversFor: (rule) => waivers.get(rule) ?? [],
    promiseFor: (id) => promises.get(id),
  };
}

/** Serials compare trimmed and case-insensitively; firmware placeholders are no serial at all. */
export function serialKey(serial: string | undefined): string | undefined {
  return cleanSerial(serial)?.toLowerCase();
}

interface CompiledSoftwareRule {
  rule: SoftwareRule;
  publisher?: (value: string) => boolean;
  version?: (value: string) => boolean;
}

function compileSoftwareRules(catalog: Catalog): CompiledCatalog["softwareRules"] {
  const compileList = (rules: SoftwareRule[] = []) => ({
    index: new GlobIndex(rules.map((r) => r.name)),
    rules: rules.map<CompiledSoftwareRule>((rule) => ({
      rule,
      publisher: rule.publisher === undefined ? undefined : compileGlob(rule.publisher),
      version: rule.version === undefined ? undefined : compileGlob(rule.version),
    })),
  });
  const deny = compileList(catalog.software?.deny);
  const allow = compileList(catalog.software?.allow);
  const ignore = compileList(catalog.software?.ignore);
  const allowlist = catalog.software?.mode === "allowlist";
  type Candidates = [deny: CompiledSoftwareRule[], allow: CompiledSoftwareRule[], ignore: CompiledSoftwareRule[]];
  const firstMatch = (candidates: CompiledSoftwareRule[], publisher?: string, version?: string) => {
    for (const c of candidates) {
      if (c.publisher && !c.publisher(publisher ?? "")) continue;
      if (c.version && !c.version(version ?? "")) continue;
      return c.rule;
    }
    return undefined;
  };
  // Per platform and name: the rules that could apply (their name globs match, their platform fits),
  // in catalog order. When none of them looks at publisher or version, the decision depends on the
  // name alone and is cached as such; otherwise only those few rules are tested per entry.
  const byName = new Map<string, Map<string, NameRules>>();
  const none: SoftwareDecision = {};
  const decide = ([deny, allow, ignore]: Candidates, publisher?: string, version?: string): SoftwareDecision => {
    // An explicit deny wins over allow and ignore: it is the more deliberate statement.
    const denied = firstMatch(deny, publisher, version);
    if (denied) return { denied };
    if (allowlist && !firstMatch(allow, publisher, version) && !firstMatch(ignore, publisher, version)) return { unapproved: true };
    return none;
  };
  const candidatesOf = (platform: string, name: string): Candidates =>
    [deny, allow, ignore].map((list) => list.index.matches(name).map((i) => list.rules[i]!).filter((c) => c.rule.platform === undefined || c.rule.platform === platform)) as Candidates;
  return (platform, name) => {
    let names = byName.get(platform);
    if (!names) byName.set(platform, (names = new Map()));
    let rules = names.get(name);
    if (!rules) {
      if (names.size >= 200_000) names.clear();
      const candidates = candidatesOf(platform, name);
      // Publisher and version repeat across a fleet too: each pair is decided once (a few glob tests each).
      const decided = new Map<string, SoftwareDecision>();
      const decideHere = (publisher: string | undefined, version: string | undefined) => {
        // firstMatch reads a missing publisher or version as "": the key does too.
        const key = `${publisher ?? ""}\u0000${version ?? ""}`;
        let decision = decided.get(key);
        if (!decision) {
          if (decided.size >= 10_000) decided.clear();
          decided.set(key, (decision = decide(candidates, publisher, version)));
        }
        return decision;
      };
      rules = candidates.every((list) => list.every((c) => !c.publisher && !c.version)) ? { decision: decide(candidates), decide: decideHere } : { decide: decideHere };
      names.set(name, rules);
    }
    return rules;
  };
}
