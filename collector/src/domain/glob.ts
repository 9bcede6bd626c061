// Case-insensitive globs as MSPs write them in catalogs: * any run of characters, ? exactly one.

export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "iu");
}

export function compileGlob(glob: string): (value: string) => boolean {
  if (glob === "*") return () => true;
  if (!/[*?]/.test(glob)) {
    const exact = glob.toLowerCase();
    return (value) => value.toLowerCase() === exact;
  }
  const regex = globToRegExp(glob);
  return (value) => regex.test(value);
}

/**
 * Many globs against many names, fast: exact globs go in a map, others in buckets by their literal
 * first two characters, so a name is only tested against the globs that could match it. A 2,000-entry
 * catalog then costs a handful of regex tests per distinct name instead of 2,000.
 * Returns the indices of matching globs in their original order (catalog order decides precedence).
 */
export class GlobIndex {
  private readonly exact = new Map<string, number[]>();
  private readonly buckets = new Map<string, number[]>();
  private readonly anywhere: number[] = [];
  private readonly tests: ((value: string) => boolean)[];

  constructor(globs: readonly string[]) {
    this.tests = globs.map(compileGlob);
    globs.forEach((glob, index) => {
      const lower = glob.toLowerCase();
      const wild = lower.search(/[*?]/);
      if (wild === -1) push(this.exact, lower, index);
      else if (wild >= 2) push(this.buckets, lower.slice(0, 2), index);
      else this.anywhere.push(index);
    });
  }

  /** Indices (ascending) of the globs that match value. */
  matches(value: string): number[] {
    const lower = value.toLowerCase();
    const candidates = [...(this.exact.get(lower) ?? []), ...(this.buckets.get(lower.slice(0, 2)) ?? []), ...this.anywhere];
    if (candidates.length === 0) return candidates;
    candidates.sort((a, b) => a - b);
    return candidates.filter((i, n) => candidates[n - 1] !== i && this.tests[i]!(value));
  }
}

function push(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list) list.push(index);
  else map.set(key, [index]);
}
