// Reads YAML (or JSON, which is YAML) configuration the way every caveat contract wants it: the
// failsafe schema (every scalar is text, so serials like 00123 and versions like 1.10 keep their exact
// text), duplicate keys refused, alias bombs refused, and a locator that maps a JSON pointer back to
// the line it came from so a ContractError can name file, line and field.
import { FAILSAFE_SCHEMA, load } from "js-yaml";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { Document, LineCounter, Node as YamlNode } from "yaml";
import { ContractError, unescapePointer, type LocatePointer } from "./validate.js";

// yaml is loaded the first time it is needed: an ordinary valid catalog is read by js-yaml (quickYamlValue),
// and loading yaml costs 20 ms of every start of the CLI.
const requireModule = createRequire(import.meta.url);
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= requireModule("yaml") as typeof Yaml);

export interface YamlSource {
  value: unknown;
  locate: LocatePointer;
}

/** Parses YAML text; a syntax error or an unexpandable alias throws a ContractError for `contract`. */
export function parseYamlSource(text: string, source: string, contract: string): YamlSource {
  const { LineCounter, parseDocument } = yaml();
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

/**
 * What the quick reader leaves to yaml, found by yaml-source.test.ts where the two libraries differ. A match
 * inside a quoted string (a "?" or "!") only costs the slow path.
 * - keys made from collections ("? [a, b]", "[a, b]: c"): js-yaml joins them into text, yaml writes "[ a, b ]";
 * - empty keys ("{ : x }"), and explicit keys ("? a") with them;
 * - tags (!!str, !x) and anchors (&a): each library resolves odd tags and anchor names its own way;
 * - a comment right after a quoted scalar or a flow collection ('a'#c, []#c): yaml refuses it, js-yaml reads it;
 * - block scalars that keep their final line breaks (|+, >+): the two count a last blank line differently;
 * - quoted scalars over several lines (quotesCloseOnTheirLines): the two fold blank lines differently.
 */
const LEFT_TO_YAML = /(?:^|[\s,[{])(?:[?!&]|:(?:\s|$))|[\]}]\s*:(?:\s|$)|[\]}'"]#|[|>](?:[1-9]?\+|\+[1-9]?)/;

/**
 * The value of an ordinary YAML document as parseYamlSource reads it, read by js-yaml: about six times
 * faster on a 2,000-entry catalog (35 ms against 200 ms on a cold start), which is most of evaluating a
 * small fleet. Undefined whenever js-yaml might read it differently: the text has what LEFT_TO_YAML lists,
 * js-yaml failed (syntax, duplicate keys), the document is not a mapping, or a value is empty (js-yaml reads
 * null, yaml empty text). Then the caller takes parseYamlSource, which also locates the errors.
 */
export function quickYamlValue(text: string): Record<string, unknown> | undefined {
  const body = text.replace(/^\uFEFF/, "");
  if (LEFT_TO_YAML.test(body) || !quotesCloseOnTheirLines(body)) return undefined;
  let value: unknown;
  try {
    value = load(body, { schema: FAILSAFE_SCHEMA });
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return isPlainTree(value, new Set()) ? (value as Record<string, unknown>) : undefined;
}

/** Whether every quoted scalar ends on the line it starts on (a quote starts one after a space, "[", "{" or ","; "#" after a space starts a comment). */
function quotesCloseOnTheirLines(text: string): boolean {
  for (const line of text.split("\n")) {
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      const atStart = i === 0 || " \t[{,".includes(line[i - 1]!);
      if (c === "#" && atStart) break;
      if ((c !== '"' && c !== "'") || !atStart) continue;
      let end = i + 1;
      for (;;) {
        end = line.indexOf(c, end);
        if (end < 0) return false;
        if (c === '"' && isEscaped(line, end)) end++;
        else if (c === "'" && line[end + 1] === "'") end += 2;
        else break;
      }
      i = end;
    }
  }
  return true;
}

/** Whether the character at `at` follows an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let slashes = 0;
  while (text[at - 1 - slashes] === "\\") slashes++;
  return slashes % 2 === 1;
}

/** Strings, arrays and objects only, no collection reached twice (an alias; anchors are left to yaml anyway). */
function isPlainTree(value: unknown, seen: Set<object>): boolean {
  if (typeof value === "string") return true;
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) if (!isPlainTree(child, seen)) return false;
  return true;
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
  const { isMap, isScalar, isSeq } = yaml();
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
