// Reads YAML (or JSON, which is YAML) configuration the way every caveat contract wants it: the
// failsafe schema (every scalar is text, so serials like 00123 and versions like 1.10 keep their exact
// text), duplicate keys refused, alias bombs refused, and a locator that maps a JSON pointer back to
// the line it came from so a ContractError can name file, line and field.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { ContractError, unescapePointer, type LocatePointer } from "./validate.js";

export interface YamlSource {
  value: unknown;
  locate: LocatePointer;
}

/** Parses YAML text; a syntax error or an unexpandable alias throws a ContractError for `contract`. */
export function parseYamlSource(text: string, source: string, contract: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ""), { schema: "failsafe", lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const violations = doc.errors.map((e) => ({ pointer: "", line: lineCounter.linePos(e.pos[0]).line, message: `not valid YAML/JSON: ${e.message.split("\n")[0]}` }));
    throw new ContractError(contract, source, violations);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (error) {
    // An alias bomb ("billion laughs") or a self-referencing alias: refused like any other bad document.
    throw new ContractError(contract, source, [{ pointer: "", message: `cannot be expanded: ${(error as Error).message.split("\n")[0]}` }]);
  }
  return { value, locate: (pointer) => lineOfPointer(doc, lineCounter, pointer) };
}

/** Failsafe YAML reads numbers as text: turns the named integer field of an object into a number when it is one. */
export function typeInteger(object: unknown, field: string): void {
  if (typeof object !== "object" || object === null || Array.isArray(object)) return;
  const record = object as Record<string, unknown>;
  const v = record[field];
  if (typeof v === "string" && /^\d+$/.test(v.trim())) record[field] = Number(v);
}

function lineOfPointer(doc: Document, lineCounter: LineCounter, pointer: string): number | undefined {
  const path = pointer === "" ? [] : pointer.slice(1).split("/").map(unescapePointer);
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(doc.contents as YamlNode | null, path.slice(0, depth), depth === path.length);
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The node at a path; for the last step of a map, its key (so an unknown field points at its own line). */
function nodeAt(root: YamlNode | null, path: string[], preferKey: boolean): YamlNode | undefined {
  let node: YamlNode | null | undefined = root;
  for (let i = 0; i < path.length && node; i++) {
    const step = path[i]!;
    if (isMap(node)) {
      const pair: { key: unknown; value: unknown } | undefined = node.items.find((p: { key: unknown }) => isScalar(p.key) && String(p.key.value) === step);
      if (!pair) return undefined;
      node = i === path.length - 1 && preferKey ? (pair.key as YamlNode) : (pair.value as YamlNode | null);
    } else if (isSeq(node)) {
      node = node.items[Number(step)] as YamlNode | undefined;
    } else return undefined;
  }
  return node ?? undefined;
}
