// Compiles the contract schemas once and turns ajv errors into messages a person can act on.
import type { ErrorObject } from "ajv";
import { findNodeAtLocation, parseTree, type Node as JsonNode } from "jsonc-parser";
import type { Inventory } from "./inventory.v1.js";
import type { Catalog } from "./catalog.v1.js";
import type { Findings } from "./findings.v1.js";
import type { LifecycleProduct } from "./lifecycle.v1.js";
import type { Branding } from "./branding.v1.js";
// Precompiled by scripts/gen-types.mjs (ajv standalone): no schema compilation at run time.
import validateInventory from "./inventory.v1.validate.js";
import validateCatalog from "./catalog.v1.validate.js";
import validateFindings from "./findings.v1.validate.js";
import validateLifecycle from "./lifecycle.v1.validate.js";
import validateBranding from "./branding.v1.validate.js";

export type { Inventory } from "./inventory.v1.js";
export type { Catalog } from "./catalog.v1.js";
export type { Findings } from "./findings.v1.js";
export type { LifecycleProduct } from "./lifecycle.v1.js";
export type { Branding } from "./branding.v1.js";

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Maps a JSON pointer to a 1-based line in the source text (JSON or YAML), when it can. */
export type LocatePointer = (pointer: string) => number | undefined;

/** One problem in a document: where (JSON pointer, and line when the text is known), and what was expected. */
export interface ContractViolation {
  pointer: string;
  line?: number;
  message: string;
}

export class ContractError extends Error {
  constructor(
    readonly contract: string,
    readonly source: string,
    readonly violations: ContractViolation[],
  ) {
    super(formatViolations(contract, source, violations));
    this.name = "ContractError";
  }
}

/** Checks a parsed value against caveat.inventory/v1; returns the violations (empty when valid). */
export function checkInventory(value: unknown, text?: string): ContractViolation[] {
  return check(validateInventory, value, text === undefined ? undefined : jsonLocator(text));
}

/** Checks a parsed catalog (see collector/src/catalog/load-catalog.ts for reading YAML). */
export function checkCatalog(value: unknown, locate?: LocatePointer): ContractViolation[] {
  return check(validateCatalog, value, locate);
}

export function checkFindings(value: unknown, locate?: LocatePointer): ContractViolation[] {
  return check(validateFindings, value, locate);
}

export function checkLifecycleProduct(value: unknown, locate?: LocatePointer): ContractViolation[] {
  return check(validateLifecycle, value, locate);
}

export function assertFindings(value: unknown, source = "findings", text?: string): Findings {
  const violations = checkFindings(value, text === undefined ? undefined : jsonLocator(text));
  if (violations.length > 0) throw new ContractError("caveat.findings/v1", source, violations);
  return value as Findings;
}

export function assertCatalog(value: unknown, source: string, locate?: LocatePointer): Catalog {
  const violations = checkCatalog(value, locate);
  if (violations.length > 0) throw new ContractError("caveat.catalog/v1", source, violations);
  return value as Catalog;
}

export function assertLifecycleProduct(value: unknown, source: string, text?: string): LifecycleProduct {
  const violations = checkLifecycleProduct(value, text === undefined ? undefined : jsonLocator(text));
  if (violations.length > 0) throw new ContractError("caveat.lifecycle/v1", source, violations);
  return value as LifecycleProduct;
}

export function assertBranding(value: unknown, source: string, locate?: LocatePointer): Branding {
  const violations = check(validateBranding, value, locate);
  if (violations.length > 0) throw new ContractError("caveat.branding/v1", source, violations);
  return value as Branding;
}

function check(validate: Validator, value: unknown, locate: LocatePointer | undefined): ContractViolation[] {
  if (validate(value)) return [];
  const violations = (validate.errors ?? []).map((error) => describeError(error, locate));
  // oneOf/anyOf report each failed branch and then themselves: keep the summary, drop the branch noise.
  const branchy = new Set(violations.filter((v) => v.message.startsWith("must match exactly one") || v.message.startsWith("must match a schema in anyOf")).map((v) => v.pointer));
  return violations.filter((v) => !branchy.has(v.pointer) || v.message.startsWith("must match"));
}

/** A locator over JSON text (jsonc-parser keeps offsets). */
export function jsonLocator(text: string): LocatePointer {
  let tree: JsonNode | undefined | null = null;
  return (pointer) => {
    // A pathologically nested document (10,000 open brackets) overflows the parser's recursion: then
    // the message goes without a line number rather than failing.
    if (tree === null) {
      try {
        tree = parseTree(text);
      } catch {
        tree = undefined;
      }
    }
    return tree ? lineOfPointer(text, tree, pointer) : undefined;
  };
}

/** Returns the value typed as an Inventory, or throws a ContractError naming every violation. */
export function assertInventory(value: unknown, source = "inventory", text?: string): Inventory {
  const violations = checkInventory(value, text);
  if (violations.length > 0) throw new ContractError("caveat.inventory/v1", source, violations);
  return value as Inventory;
}

/** Parses JSON text and validates it; syntax errors carry a line number too. */
export function parseInventory(text: string, source: string): Inventory {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ContractError("caveat.inventory/v1", source, [syntaxViolation(text, error)]);
  }
  return assertInventory(value, source, text);
}

/** Parses findings JSON (caveat evaluate's output) and validates it; syntax errors carry a line number too. */
export function parseFindings(text: string, source: string): Findings {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ContractError("caveat.findings/v1", source, [syntaxViolation(text, error)]);
  }
  return assertFindings(value, source, text);
}

function syntaxViolation(text: string, error: unknown): ContractViolation {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  const line = position ? lineAt(text, Number(position[1])) : undefined;
  return { pointer: "", line, message: `not valid JSON: ${message}` };
}

function describeError(error: ErrorObject, locate: LocatePointer | undefined): ContractViolation {
  let pointer = error.instancePath;
  let message = error.message ?? "is invalid";
  if (error.keyword === "additionalProperties") {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    pointer = `${pointer}/${escapePointer(extra)}`;
    message = "is not a known field here";
  } else if (error.keyword === "required") {
    message = `must have field "${String((error.params as { missingProperty: string }).missingProperty)}"`;
  } else if (error.keyword === "enum") {
    message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (error.keyword === "const") {
    message = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
  } else if (error.keyword === "propertyNames") {
    const name = String((error.params as { propertyName: string }).propertyName);
    pointer = `${pointer}/${escapePointer(name)}`;
    message = "is not a known rule id";
  } else if (error.keyword === "format") {
    const format = String((error.params as { format: string }).format);
    message = format === "date" ? "must be a date written YYYY-MM-DD" : format === "date-time" ? "must be an ISO 8601 date-time" : message;
  }
  return { pointer, line: locate?.(pointer), message };
}

function lineOfPointer(text: string, tree: JsonNode, pointer: string): number | undefined {
  const path = pointer === "" ? [] : pointer.slice(1).split("/").map(unescapePointer).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  // An unknown field: point at its key; otherwise at the value (or the nearest existing parent).
  for (let depth = path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, path.slice(0, depth));
    if (node) return lineAt(text, node.parent?.type === "property" && depth === path.length ? node.parent.offset : node.offset);
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
export const unescapePointer = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");

export function formatViolations(contract: string, source: string, violations: ContractViolation[]): string {
  const shown = violations.slice(0, 20).map((v) => `  ${source}${v.line ? `:${v.line}` : ""}: ${v.pointer || "(document)"} ${v.message}`);
  const more = violations.length > 20 ? [`  ...and ${violations.length - 20} more`] : [];
  return [`${source} does not follow ${contract} (${violations.length} problem${violations.length === 1 ? "" : "s"}):`, ...shown, ...more].join("\n");
}
