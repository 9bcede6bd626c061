// Maps the raw strings of an inventory (OS caption, version, build, edition; software DisplayName,
// version, publisher) to a product and release cycle of the lifecycle dataset. All knowledge lives in
// the data files (collector/src/lifecycle/data); this file only interprets their matchers.
import type { Cycle, LifecycleProduct, Matcher } from "../../../schemas/lifecycle.v1.js";

export interface OsFacts {
  platform: string;
  name: string;
  version?: string;
  build?: string;
  edition?: string;
  distro?: string;
}

export interface SoftwareFacts {
  name: string;
  version?: string;
  publisher?: string;
  source?: string;
}

export interface CycleMatch {
  product: LifecycleProduct;
  cycle: Cycle;
}

/** An OS whose product is known but whose cycle is not in the data (e.g. a Windows build newer than the dataset). */
export interface OsMatch {
  product: LifecycleProduct;
  cycle?: Cycle;
}

interface Facts {
  platform?: string;
  name: string;
  version?: string;
  edition?: string;
  distro?: string;
  build?: number;
  publisher?: string;
  source?: string;
}

type Test = (facts: Facts) => boolean;

interface CompiledProduct {
  product: LifecycleProduct;
  test: Test;
  /** The name part of the product matcher alone: most names are rejected by it, so it is cached per name. */
  nameTest: (name: string) => boolean;
  cycles: { cycle: Cycle; test?: Test }[];
  byId: Map<string, Cycle>;
  cycleFrom?: { field: "name" | "version"; regex: RegExp };
}

/** Products a software name may belong to (from softwareCandidates, for matchSoftwareAmong). */
export type SoftwareCandidates = readonly CompiledProduct[];

/** A compiled, queryable lifecycle dataset. Software lookups are memoised: fleets repeat the same titles. */
export class LifecycleIndex {
  readonly products: readonly LifecycleProduct[];
  private readonly os: CompiledProduct[];
  private readonly software: CompiledProduct[];
  private readonly candidatesByName = new Map<string, CompiledProduct[]>();
  private readonly softwareCache = new Map<string, CycleMatch | null>();

  constructor(products: readonly LifecycleProduct[]) {
    this.products = products;
    const compiled = products.map(compileProduct);
    this.os = compiled.filter((c) => c.product.kind === "os");
    this.software = compiled.filter((c) => c.product.kind === "software");
  }

  matchOs(os: OsFacts): OsMatch | undefined {
    const facts: Facts = { ...os, build: windowsBuild(os) };
    // A product whose cycle matches wins; failing that, the first product that claims the OS at all
    // (its cycle is then unknown: e.g. a Windows build newer than the data).
    let claimed: OsMatch | undefined;
    for (const product of this.os) {
      if (!product.test(facts)) continue;
      const cycle = findCycle(product, facts);
      if (cycle) return { product: product.product, cycle };
      claimed ??= { product: product.product };
    }
    return claimed;
  }

  matchSoftware(software: SoftwareFacts): CycleMatch | undefined {
    const candidates = this.softwareCandidates(software.name);
    return candidates && this.matchSoftwareAmong(candidates, software);
  }

  /**
   * The products whose name test accepts this name, or undefined when none does (nearly every name: fleets
   * repeat a few thousand, and most belong to no product). Callers that see the same names again may keep
   * the answer and pass it to matchSoftwareAmong.
   */
  softwareCandidates(name: string): SoftwareCandidates | undefined {
    let candidates: CompiledProduct[] | undefined = this.candidatesByName.get(name);
    if (candidates === undefined) {
      candidates = this.software.filter((p) => p.nameTest(name));
      if (this.candidatesByName.size >= 200_000) this.candidatesByName.clear();
      this.candidatesByName.set(name, candidates);
    }
    return candidates.length === 0 ? undefined : candidates;
  }

  /** matchSoftware for an entry whose name gave these candidates. */
  matchSoftwareAmong(candidates: SoftwareCandidates, software: SoftwareFacts): CycleMatch | undefined {
    const key = `${software.name}\u0000${software.version ?? ""}\u0000${software.publisher ?? ""}\u0000${software.source ?? ""}`;
    const cached = this.softwareCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found: CycleMatch | null = null;
    for (const product of candidates) {
      if (!product.test(software)) continue;
      const cycle = findCycle(product, software);
      if (cycle) {
        found = { product: product.product, cycle };
        break;
      }
    }
    // Bounded so a long-running collector cannot grow it without limit.
    if (this.softwareCache.size >= 200_000) this.softwareCache.clear();
    this.softwareCache.set(key, found);
    return found ?? undefined;
  }

  /** Cycles known for one product (for `caveat lifecycle list`). */
  product(id: string): LifecycleProduct | undefined {
    return this.products.find((p) => p.product === id);
  }
}

function findCycle(product: CompiledProduct, facts: Facts): Cycle | undefined {
  for (const { cycle, test } of product.cycles) if (test?.(facts)) return cycle;
  if (!product.cycleFrom) return undefined;
  const value = product.cycleFrom.field === "name" ? facts.name : facts.version;
  const id = value === undefined ? undefined : product.cycleFrom.regex.exec(value)?.[1];
  return id === undefined ? undefined : product.byId.get(id.toLowerCase());
}

function compileProduct(product: LifecycleProduct): CompiledProduct {
  const groups = product.editionGroups ?? {};
  const where = (suffix: string) => `lifecycle product ${product.product}${suffix}`;
  return {
    product,
    test: compileMatcher(product.match, groups, where(" match")),
    nameTest: compileNameTest(product.match, where(" match")),
    cycles: product.cycles.map((cycle) => ({ cycle, test: cycle.match ? compileMatcher(cycle.match, groups, where(` cycle ${cycle.cycle}`)) : undefined })),
    byId: new Map(product.cycles.map((c) => [c.cycle.toLowerCase(), c])),
    cycleFrom: product.cycleFrom ? { field: product.cycleFrom.field, regex: compileRegex(product.cycleFrom.regex, where(" cycleFrom")) } : undefined,
  };
}

export function compileMatcher(matcher: Matcher, groups: Record<string, string[]>, where: string): Test {
  const tests: Test[] = [];
  if (matcher.platform !== undefined) {
    const platform = matcher.platform;
    tests.push((f) => f.platform === platform);
  }
  if (matcher.distro) {
    const distros = new Set(matcher.distro.map((d) => d.toLowerCase()));
    tests.push((f) => f.distro !== undefined && distros.has(f.distro.toLowerCase()));
  }
  if (matcher.build) {
    const { min = -Infinity, max = Infinity } = matcher.build;
    tests.push((f) => f.build !== undefined && f.build >= min && f.build <= max);
  }
  if (matcher.editions) {
    const editions = new Set(
      matcher.editions.flatMap((e) => {
        if (!e.startsWith("@")) return [e.toLowerCase()];
        const group = groups[e.slice(1)];
        if (!group) throw new Error(`${where}: edition group ${e} is not defined in editionGroups`);
        return group.map((g) => g.toLowerCase());
      }),
    );
    tests.push((f) => f.edition !== undefined && editions.has(f.edition.toLowerCase()));
  }
  const regexField = (pattern: string | undefined, pick: (f: Facts) => string | undefined, negate = false) => {
    if (pattern === undefined) return;
    const regex = compileRegex(pattern, where);
    tests.push(negate ? (f) => !regex.test(pick(f) ?? "") : (f) => {
      const value = pick(f);
      return value !== undefined && regex.test(value);
    });
  };
  regexField(matcher.name, (f) => f.name);
  regexField(matcher.notName, (f) => f.name, true);
  regexField(matcher.version, (f) => f.version);
  regexField(matcher.publisher, (f) => f.publisher);
  if (matcher.sources) {
    const sources = new Set<string>(matcher.sources);
    tests.push((f) => f.source !== undefined && sources.has(f.source));
  }
  return (facts) => {
    for (const test of tests) if (!test(facts)) return false;
    return true;
  };
}

function compileNameTest(matcher: Matcher, where: string): (name: string) => boolean {
  const name = matcher.name === undefined ? undefined : compileRegex(matcher.name, where);
  const notName = matcher.notName === undefined ? undefined : compileRegex(matcher.notName, where);
  return (value) => (name === undefined || name.test(value)) && (notName === undefined || !notName.test(value));
}

function compileRegex(pattern: string, where: string): RegExp {
  try {
    return new RegExp(pattern, "i");
  } catch (error) {
    throw new Error(`${where}: invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

/** Windows build number: the third part of os.version (10.0.19045), else the first of os.build (19045.6456). */
function windowsBuild(os: OsFacts): number | undefined {
  const fromVersion = os.version?.split(".")[2];
  const raw = fromVersion ?? os.build?.split(".")[0];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}
