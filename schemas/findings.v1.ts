/* Generated from schemas/findings.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */

/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "Severity".
 */
export type Severity = "critical" | "high" | "medium" | "low" | "info";
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "DateOrFlag".
 */
export type DateOrFlag = string | boolean;
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "IsoDate".
 */
export type IsoDate = string;

/**
 * The result of evaluating one client's inventories against its catalog and the lifecycle data, as of one date. Input to the report and to acknowledgements; see docs/findings.md.
 */
export interface Findings {
  schema: "caveat.findings/v1";
  /**
   * The date rules were evaluated for (end-of-life, waiver expiry, staleness).
   */
  asOf: string;
  client: string;
  clientName?: string;
  generatedAt: string;
  /**
   * caveat version that produced this document.
   */
  generator?: string;
  summary: {
    endpoints: number;
    scans: number;
    /**
     * All findings, waived ones included.
     */
    findings: number;
    waived: number;
    /**
     * Unwaived findings per severity.
     */
    bySeverity: {
      critical?: number;
      high?: number;
      medium?: number;
      low?: number;
      info?: number;
    };
    /**
     * Unwaived findings per rule.
     */
    byRule: {
      [k: string]: number;
    };
  };
  /**
   * Every endpoint evaluated, with its latest scan (the report's inventory appendix).
   */
  endpoints: EndpointSummary[];
  findings: Finding[];
}
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "EndpointSummary".
 */
export interface EndpointSummary {
  id: string;
  hostname: string;
  type: string;
  /**
   * OS name with version or build.
   */
  os: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  firstSeen: string;
  lastSeen: string;
  scans: number;
  software: number;
}
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "Finding".
 */
export interface Finding {
  /**
   * Stable across runs: a hash of rule, endpoint id and subject.
   */
  id: string;
  rule: string;
  severity: Severity;
  endpoint: EndpointRef;
  /**
   * What the finding is about: the OS name, the software or product, the serial.
   */
  subject: string;
  message: string;
  /**
   * The inventory values the finding rests on (versions, builds, serials, scan ids).
   */
  evidence: {};
  lifecycle?: Lifecycle;
  recommendation: string;
  /**
   * The first scan in the history where the subject was present.
   */
  firstSeen?: string;
  waived: boolean;
  waiver?: Waiver;
  waiverExpired?: Waiver;
}
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "EndpointRef".
 */
export interface EndpointRef {
  id: string;
  hostname: string;
}
/**
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "Lifecycle".
 */
export interface Lifecycle {
  product: string;
  cycle: string;
  label: string;
  support?: DateOrFlag;
  eol: DateOrFlag;
  extendedSupport?: DateOrFlag;
  source: string;
  estimate?: boolean;
}
/**
 * waiver: the active waiver (waived: true). waiverExpired: a waiver that covered this finding but has expired, so the risk is back for a decision.
 *
 * This interface was referenced by `Findings`'s JSON-Schema
 * via the `definition` "Waiver".
 */
export interface Waiver {
  rule: string;
  endpoint: string;
  subject: string;
  justification: string;
  acceptedBy: string;
  accepted: IsoDate;
  expires: IsoDate;
  ref?: string;
}
