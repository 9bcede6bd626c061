// Reads endoflife.date API JSON saved to a file (both the classic /api/<product>.json array and the
// v1 /api/v1/products/<product> document) and turns it into a lifecycle update for one product.
import type { Cycle, LifecycleProduct } from "../../../schemas/lifecycle.v1.js";
import { ContractError } from "../../../schemas/validate.js";
import { DATE_FIELDS, UPDATE_SCHEMA, type LifecycleUpdate } from "./dataset.js";

const CONTRACT = "endoflife.date API JSON";

interface ClassicCycle {
  cycle: string | number;
  releaseDate?: string;
  eol?: string | boolean;
  support?: string | boolean;
  extendedSupport?: string | boolean;
  link?: string | null;
  codename?: string;
  releaseLabel?: string;
}

interface V1Release {
  name: string;
  label?: string;
  releaseDate?: string;
  isEol?: boolean;
  eolFrom?: string | null;
  isEoas?: boolean | null;
  eoasFrom?: string | null;
  isEoes?: boolean | null;
  eoesFrom?: string | null;
}

export interface ImportResult {
  update: LifecycleUpdate;
  /** Human-readable lines: what changed compared with the dataset in use. */
  changes: string[];
  /** New cycles that no matcher can recognise in inventories (products without cycleFrom). */
  unmatchable: string[];
}

/**
 * @param productId the caveat product to update; when omitted it is read from a v1 document or the file name.
 */
export function importEndoflife(text: string, source: string, products: readonly LifecycleProduct[], productId: string | undefined, now: Date): ImportResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ContractError(CONTRACT, source, [{ pointer: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const v1 = !Array.isArray(value) && typeof value === "object" && value !== null && "result" in value ? (value as { result: { name?: string; releases?: V1Release[] } }).result : undefined;
  const id = productId ?? v1?.name ?? /([a-z0-9-]+)\.json$/i.exec(source)?.[1]?.toLowerCase();
  const product = products.find((p) => p.product === id);
  if (!product) {
    throw new ContractError(CONTRACT, source, [{ pointer: "", message: `cannot tell which product this is for${id ? ` ("${id}" is not one caveat matches)` : ""}: pass --product, one of ${products.map((p) => p.product).join(", ")}` }]);
  }
  const link = `https://endoflife.date/${product.product}`;
  let cycles: Cycle[];
  if (v1) {
    if (!Array.isArray(v1.releases)) throw new ContractError(CONTRACT, source, [{ pointer: "/result/releases", message: "must be an array of releases" }]);
    cycles = v1.releases.map((r, i) => fromV1(r, i, product, link, source));
  } else if (Array.isArray(value)) {
    cycles = value.map((c, i) => fromClassic(c as ClassicCycle, i, product, link, source));
  } else {
    throw new ContractError(CONTRACT, source, [{ pointer: "", message: "must be the array of cycles from /api/<product>.json or the document from /api/v1/products/<product>" }]);
  }
  const update: LifecycleUpdate = { schema: UPDATE_SCHEMA, product: product.product, importedFrom: source, importedAt: now.toISOString(), cycles };
  return { update, ...describeChanges(product, cycles) };
}

function fromClassic(c: ClassicCycle, i: number, product: LifecycleProduct, link: string, source: string): Cycle {
  if (!c || (typeof c.cycle !== "string" && typeof c.cycle !== "number")) {
    throw new ContractError(CONTRACT, source, [{ pointer: `/${i}/cycle`, message: "must be the cycle name (string)" }]);
  }
  const id = String(c.cycle);
  const cycle: Cycle = { cycle: id, label: labelFor(product, id, c.releaseLabel ?? c.codename), eol: checkDate(c.eol, `/${i}/eol`, source) ?? false, source: link };
  for (const field of ["releaseDate", "support", "extendedSupport"] as const) {
    const v = checkDate(c[field], `/${i}/${field}`, source);
    if (v !== undefined) cycle[field] = v as never;
  }
  return cycle;
}

function fromV1(r: V1Release, i: number, product: LifecycleProduct, link: string, source: string): Cycle {
  if (!r || typeof r.name !== "string") throw new ContractError(CONTRACT, source, [{ pointer: `/result/releases/${i}/name`, message: "must be the release name (string)" }]);
  const at = `/result/releases/${i}`;
  const cycle: Cycle = { cycle: r.name, label: labelFor(product, r.name, r.label), eol: checkDate(r.eolFrom ?? undefined, `${at}/eolFrom`, source) ?? r.isEol ?? false, source: link };
  const release = checkDate(r.releaseDate, `${at}/releaseDate`, source);
  if (release !== undefined) cycle.releaseDate = release as string;
  const support = checkDate(r.eoasFrom ?? undefined, `${at}/eoasFrom`, source) ?? r.isEoas ?? undefined;
  if (support !== undefined && support !== null) cycle.support = support;
  const extended = checkDate(r.eoesFrom ?? undefined, `${at}/eoesFrom`, source) ?? r.isEoes ?? undefined;
  if (extended !== undefined && extended !== null) cycle.extendedSupport = extended;
  return cycle;
}

function labelFor(product: LifecycleProduct, id: string, label: string | undefined): string {
  const known = product.cycles.find((c) => c.cycle.toLowerCase() === id.toLowerCase());
  return known?.label ?? `${product.title} ${label ?? id}`;
}

function checkDate(value: unknown, pointer: string, source: string): string | boolean | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return value ?? undefined;
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  throw new ContractError(CONTRACT, source, [{ pointer, message: `must be a date written YYYY-MM-DD or true/false (got ${JSON.stringify(value)})` }]);
}

function describeChanges(product: LifecycleProduct, cycles: Cycle[]): { changes: string[]; unmatchable: string[] } {
  const changes: string[] = [];
  const unmatchable: string[] = [];
  for (const incoming of cycles) {
    const current = product.cycles.find((c) => c.cycle.toLowerCase() === incoming.cycle.toLowerCase());
    if (!current) {
      changes.push(`${product.product} ${incoming.cycle}: new cycle, eol ${String(incoming.eol)}`);
      if (!product.cycleFrom) unmatchable.push(incoming.cycle);
      continue;
    }
    for (const field of DATE_FIELDS) {
      if (incoming[field] !== undefined && incoming[field] !== current[field]) {
        changes.push(`${product.product} ${incoming.cycle}: ${field} ${String(current[field] ?? "(none)")} -> ${String(incoming[field])}`);
      }
    }
  }
  return { changes, unmatchable };
}
