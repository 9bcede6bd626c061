/* Generated from schemas/catalog.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */

/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "ClientSlug".
 */
export type ClientSlug = string;
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "Severity".
 */
export type Severity = "critical" | "high" | "medium" | "low" | "info";
/**
 * Case-insensitive; * matches any run of characters, ? one character.
 *
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "Glob".
 */
export type Glob = string;
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "IsoDate".
 */
export type IsoDate = string;
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "RuleId".
 */
export type RuleId =
  | "os.end-of-life"
  | "os.nearing-end-of-life"
  | "os.unapproved"
  | "os.unknown"
  | "software.end-of-life"
  | "software.nearing-end-of-life"
  | "software.denied"
  | "software.unapproved"
  | "hardware.unapproved"
  | "hardware.unregistered"
  | "hardware.unidentified"
  | "endpoint.new"
  | "software.new"
  | "software.removed"
  | "hardware.changed"
  | "endpoint.stale"
  | "remediation.overdue";

/**
 * One client's approved catalog: what the MSP approved (OS, software, hardware), what it bought (procurement register) and which risks the client accepted in writing (waivers). Written by the MSP in YAML or JSON; see docs/catalog.md.
 */
export interface Catalog {
  schema: "caveat.catalog/v1";
  client: ClientSlug;
  /**
   * The client's name as it appears in reports.
   */
  name?: string;
  /**
   * How many days before an end-of-life date *.nearing-end-of-life fires.
   */
  warnDays?: number;
  /**
   * An endpoint whose last scan is older than this is endpoint.stale.
   */
  staleDays?: number;
  /**
   * Per-rule overrides: a different severity, or enabled: false to turn a rule off for this client.
   */
  rules?: {
    [k: string]: {
      severity?: Severity;
      enabled?: boolean;
    };
  };
  os?: {
    /**
     * When present, an OS matching no entry is os.unapproved.
     */
    allow?: OsRule[];
  };
  software?: {
    /**
     * allowlist: software matching no allow or ignore entry is software.unapproved.
     */
    mode?: "denylist" | "allowlist";
    allow?: SoftwareRule[];
    deny?: SoftwareRule[];
    /**
     * Never reported as unapproved or denied (drivers, runtimes, OS components). Lifecycle rules still apply.
     */
    ignore?: SoftwareRule[];
  };
  hardware?: {
    /**
     * When present, other endpoint models are hardware.unapproved.
     */
    allow?: HardwareRule[];
  };
  /**
   * The MSP's register of what it sold or approved; an endpoint serial not in it is hardware.unregistered.
   */
  procurement?: Purchase[];
  /**
   * A CSV register (columns serial, model, manufacturer, purchased, ref), relative to the catalog file. Merged with procurement.
   */
  procurementFile?: string;
  waivers?: Waiver[];
}
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "OsRule".
 */
export interface OsRule {
  platform?: "windows" | "linux" | "darwin";
  /**
   * Glob on os.name (the Caption / PRETTY_NAME).
   */
  name?: string;
  /**
   * Glob on os.version.
   */
  version?: string;
  /**
   * Windows EditionIDs or their plain names (Professional, Enterprise, EnterpriseS...), case-insensitive.
   *
   * @minItems 1
   */
  editions?: [string, ...string[]];
}
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "SoftwareRule".
 */
export interface SoftwareRule {
  name: Glob;
  publisher?: Glob;
  version?: Glob;
  platform?: "windows" | "linux" | "darwin";
  /**
   * Why it is denied (shown to the client).
   */
  reason?: string;
}
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "HardwareRule".
 */
export interface HardwareRule {
  manufacturer?: Glob;
  model?: Glob;
}
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "Purchase".
 */
export interface Purchase {
  serial: string;
  model?: string;
  manufacturer?: string;
  purchased?: IsoDate;
  /**
   * Purchase order or invoice reference.
   */
  ref?: string;
  notes?: string;
}
/**
 * This interface was referenced by `Catalog`'s JSON-Schema
 * via the `definition` "Waiver".
 */
export interface Waiver {
  rule: RuleId;
  /**
   * Case-insensitive; * matches any run of characters, ? one character.
   */
  endpoint?: string;
  /**
   * Case-insensitive; * matches any run of characters, ? one character.
   */
  subject?: string;
  justification: string;
  /**
   * Who accepted the risk for the client (name and title).
   */
  acceptedBy: string;
  accepted: IsoDate;
  /**
   * Waivers always expire: the risk comes back for a new decision.
   */
  expires: string;
  /**
   * Reference of the signed acknowledgement.
   */
  ref?: string;
}
