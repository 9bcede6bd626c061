/* Generated from schemas/lifecycle.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */

/**
 * This interface was referenced by `LifecycleProduct`'s JSON-Schema
 * via the `definition` "DateOrFlag".
 */
export type DateOrFlag = string | boolean;

/**
 * End-of-life data for one product (an OS or a piece of software) and the matchers that map an inventory's raw strings to one of its release cycles. Product and cycle ids follow endoflife.date where the product exists there, so `caveat lifecycle import` can refresh dates from its API JSON. Dates follow endoflife.date's meaning: a date, true (ended, date not published) or false (no end announced).
 */
export interface LifecycleProduct {
  schema: "caveat.lifecycle/v1";
  /**
   * endoflife.date product slug where one exists (windows, windows-server, macos, ubuntu, office...).
   */
  product: string;
  title: string;
  kind: "os" | "software";
  /**
   * The product's lifecycle page (vendor first, endoflife.date as a cross-check).
   */
  source: string;
  notes?: string;
  match: Matcher;
  /**
   * Derive the cycle id from a field: capture group 1 of regex must equal a cycle's id. Lets imported cycles match without a hand-written matcher.
   */
  cycleFrom?: {
    /**
     * software: DisplayName or version; os: os.name or os.version.
     */
    field: "name" | "version";
    regex: string;
  };
  /**
   * Named lists of Windows EditionIDs, referenced from a matcher's editions as "@name".
   */
  editionGroups?: {
    /**
     * @minItems 1
     */
    [k: string]: [string, ...string[]];
  };
  cycles: Cycle[];
}
/**
 * Every present field must match. Regexes are JavaScript syntax, case-insensitive, unanchored unless anchored. A product's match decides which inventory items belong to it at all; a cycle's match picks the cycle.
 *
 * This interface was referenced by `LifecycleProduct`'s JSON-Schema
 * via the `definition` "Matcher".
 */
export interface Matcher {
  /**
   * os only.
   */
  platform?: "windows" | "linux" | "darwin";
  /**
   * os only: os.distro is one of these.
   *
   * @minItems 1
   */
  distro?: [string, ...string[]];
  /**
   * os only (Windows): the build number, the third part of os.version (10.0.19045 -> 19045).
   */
  build?: {
    min?: number;
    max?: number;
  };
  /**
   * os only: os.edition is one of these (case-insensitive) or in a referenced "@group".
   *
   * @minItems 1
   */
  editions?: [string, ...string[]];
  /**
   * Regex on os.name or the software's DisplayName.
   */
  name?: string;
  /**
   * Regex that must NOT match the name.
   */
  notName?: string;
  /**
   * Regex on os.version or the software version.
   */
  version?: string;
  /**
   * software only: regex on the publisher.
   */
  publisher?: string;
  /**
   * software only: where the entry came from.
   *
   * @minItems 1
   */
  sources?: [
    "msi" | "registry" | "appx" | "dpkg" | "rpm" | "snap" | "flatpak" | "app" | "pkg" | "other",
    ...("msi" | "registry" | "appx" | "dpkg" | "rpm" | "snap" | "flatpak" | "app" | "pkg" | "other")[]
  ];
}
/**
 * This interface was referenced by `LifecycleProduct`'s JSON-Schema
 * via the `definition` "Cycle".
 */
export interface Cycle {
  /**
   * endoflife.date cycle id where it exists (e.g. 10-22h2, 11-24h2-e, 22.04, 2010).
   */
  cycle: string;
  /**
   * What a client reads: "Windows 10 22H2 (Home, Pro)", "Microsoft Office 2010".
   */
  label: string;
  releaseDate?: string;
  /**
   * End of active (mainstream) support.
   */
  support?: string | boolean;
  /**
   * End of security updates: from this date the product is end-of-life.
   */
  eol: string | boolean;
  /**
   * End of paid extended support (ESU, ELS), for information.
   */
  extendedSupport?: string | boolean;
  /**
   * Where the dates come from (vendor lifecycle page preferred).
   */
  source: string;
  /**
   * true when a date is the vendor's expectation rather than a published date.
   */
  estimate?: boolean;
  match?: Matcher;
  notes?: string;
}
