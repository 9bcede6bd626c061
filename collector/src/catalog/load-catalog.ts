// Reads a client catalog (YAML or JSON) and its optional procurement CSV, and reports every mistake
// with file, line and field. Nothing is half-loaded: either the whole catalog is valid or it throws.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Catalog, Purchase } from "../../../schemas/catalog.v1.js";
import { assertCatalog, checkCatalog, ContractError, type ContractViolation } from "../../../schemas/validate.js";
import { parseYamlSource, quickYamlValue, typeInteger } from "../../../schemas/yaml-source.js";
import { parseProcurementCsv } from "./procurement-csv.js";

export type { Catalog, Purchase } from "../../../schemas/catalog.v1.js";

export interface LoadedCatalog {
  catalog: Catalog;
  source: string;
  /** The register from the catalog and its procurementFile, merged. */
  procurement: Purchase[];
}

export async function loadCatalogFile(path: string): Promise<LoadedCatalog> {
  const text = await readText(path, "catalog");
  const catalog = parseCatalog(text, path);
  let procurement = catalog.procurement ?? [];
  if (catalog.procurementFile) {
    const csvPath = resolve(dirname(path), catalog.procurementFile);
    procurement = [...procurement, ...parseProcurementCsv(await readText(csvPath, "procurement register"), csvPath)];
  }
  return { catalog, source: path, procurement };
}

/**
 * Parses catalog text. YAML is read with the failsafe schema (every scalar a string) so serials like
 * 00123 and versions like 1.10 keep their exact text; the numeric and boolean fields are then typed.
 * JSON is valid YAML, so both go through the same path. An ordinary document that is valid is read by the
 * quick reader (js-yaml); anything else, and every invalid catalog, by yaml, which locates the errors.
 */
export function parseCatalog(text: string, source: string): Catalog {
  const quick = quickYamlValue(text);
  if (quick !== undefined) {
    const catalog = typeScalars(quick);
    if (checkCatalog(catalog).length === 0 && checkCatalogMeaning(catalog as Catalog).length === 0) return catalog as Catalog;
  }
  const { value, locate } = parseYamlSource(text, source, "caveat.catalog/v1");
  const catalog = assertCatalog(typeScalars(value), source, locate);
  const problems = checkCatalogMeaning(catalog).map((v) => ({ ...v, line: locate(v.pointer) }));
  if (problems.length > 0) throw new ContractError("caveat.catalog/v1", source, problems);
  return catalog;
}

/**
 * The failsafe schema reads every scalar as text; the few numeric and boolean fields are typed here.
 * Text that is not a number or boolean is left as it is, so the schema reports it with its line.
 */
function typeScalars(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const catalog = value as Record<string, unknown>;
  for (const field of ["warnDays", "staleDays"]) typeInteger(catalog, field);
  const rules = catalog.rules;
  if (typeof rules === "object" && rules !== null) {
    for (const rule of Object.values(rules)) {
      if (typeof rule !== "object" || rule === null) continue;
      const r = rule as Record<string, unknown>;
      if (r.enabled === "true" || r.enabled === "false") r.enabled = r.enabled === "true";
    }
  }
  return catalog;
}

/** What the schema cannot say: a waiver that expires before it was accepted. */
function checkCatalogMeaning(catalog: Catalog): ContractViolation[] {
  const problems: ContractViolation[] = [];
  (catalog.waivers ?? []).forEach((waiver, i) => {
    if (waiver.expires <= waiver.accepted) problems.push({ pointer: `/waivers/${i}/expires`, message: `must be after accepted (${waiver.accepted})` });
  });
  return problems;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ContractError(what === "catalog" ? "caveat.catalog/v1" : "procurement CSV", path, [
      { pointer: "", message: `cannot read the ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` },
    ]);
  }
}
