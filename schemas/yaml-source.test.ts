// quickYamlValue (js-yaml) must read a document exactly as parseYamlSource (yaml) does, or step aside.
import { fc, test } from "@fast-check/vitest";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseYamlSource, quickYamlValue } from "./yaml-source.js";

/** parseYamlSource's reading (yaml); undefined when it refuses the document. */
function yamlReading(text: string): unknown {
  try {
    return parseYamlSource(text, "fuzz.yaml", "test").value;
  } catch {
    return undefined;
  }
}

/** Whatever quickYamlValue answers, yaml reads the same and without error. */
function expectAgreement(text: string): void {
  const quick = quickYamlValue(text);
  if (quick === undefined) return;
  const slow = yamlReading(text);
  expect(slow, `yaml rejects what js-yaml read:\n${text}`).toBeDefined();
  expect(quick, text).toEqual(slow);
}

describe("quickYamlValue", () => {
  it.each(["collector/samples/acme-dental.catalog.yaml"])("reads %s as yaml does", (file) => {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
    expect(quickYamlValue(text)).toEqual(parseYamlSource(text, file, "test").value);
  });

  it("reads the shapes catalogs use: flow and block collections, quoted text, block scalars, comments, CRLF, a BOM", () => {
    const text = '\uFEFF# catalog\r\nclient: acme\r\nos:\r\n  allow:\r\n    - { platform: windows, name: "*Windows 11*", editions: [Pro, Enterprise] }\r\nnote: |\r\n  two\r\n  lines\r\nwhy: >-\r\n  folded\r\n  text\r\nq: \'it\'\'s\' # comment\r\n';
    const value = { client: "acme", os: { allow: [{ platform: "windows", name: "*Windows 11*", editions: ["Pro", "Enterprise"] }] }, note: "two\nlines\n", why: "folded text", q: "it's" };
    expect(quickYamlValue(text)).toEqual(value);
    expect(yamlReading(text)).toEqual(value);
  });

  it.each([
    ["an empty value (js-yaml reads null, yaml reads empty text)", "a:\nb: c\n"],
    ["an explicit key", "? a\n: b\n"],
    ["a key made of a flow sequence", "[a, b]: c\n"],
    ["a flow mapping key", "x: {{a: b}: c}\n"],
    ["an alias of a collection", "a: &x [1]\nb: *x\n"],
    ["a tag outside the failsafe schema", "a: !!int 5\n"],
    ["duplicate keys", "a: 1\na: 2\n"],
    ["a sequence at the top", "- a\n"],
    ["an empty document", ""],
    ["a syntax error", "a: [b\n"],
    ["a quoted scalar over two lines", 'a: "b\n\n  c"\n'],
    ["a comment right after a quoted scalar", "a: 'b'#c\n"],
    ["a block scalar that keeps its final line breaks", "a: |+\n\n   "],
  ])("steps aside for %s", (_, text) => {
    expect(quickYamlValue(text)).toBeUndefined();
  });

  // YAML_FUZZ_RUNS=300000 runs a longer search (a few minutes).
  // Documents built from the YAML constructs that parsers disagree on most: scalar styles, escapes, folding,
  // chomping, empty values, anchors, aliases, tags, explicit and collection keys, comments, markers. `odd`
  // also puts YAML's indicator characters into words; without it most documents are well formed.
  function documents(odd: boolean) {
    const safe = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._*-]{0,8}$/);
    const word = odd ? fc.stringMatching(/^[A-Za-z0-9 .*?:#'"&@!%|>,[\]{}\\-]{1,8}$/) : safe;
    const plain = odd ? fc.oneof(safe, word) : safe;
    const single = word.map((v) => `'${v.replaceAll("'", "''")}'`);
    const escape = fc.constantFrom("\\n", "\\t", "\\u00e9", "\\x41", '\\"', "\\\\", "\\N", "\\_", "\\ ", "\\/", "\\0", "\\e");
    const double = fc.array(fc.oneof(word.map((v) => v.replaceAll("\\", "").replaceAll('"', "")), escape), { maxLength: 4 }).map((parts) => `"${parts.join("")}"`);
    const scalar = fc.oneof(plain, single, double, fc.constant(odd ? "" : "x"), fc.constantFrom("~", "null", "true", "0x1F", "1.10", "00123", "2026-01-10"));
    const flow = fc.oneof(
      fc.array(scalar, { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
      fc.array(fc.tuple(plain, scalar), { maxLength: 3 }).map((ps) => `{ ${ps.map(([k, v]) => `${k}: ${v}`).join(", ")} }`),
    );
    const blockScalar = fc
      .tuple(fc.constantFrom("|", "|-", "|+", ">", ">-", ">+"), fc.array(fc.oneof(plain, fc.constant("")), { minLength: 1, maxLength: 4 }))
      .map(([indicator, lines]) => (indent: string) => `${indicator}\n${lines.map((l) => (l === "" ? "" : `${indent}  ${l}`)).join("\n")}`);
    const value = fc.oneof(
      { weight: 4, arbitrary: scalar.map((v) => () => v) },
      { weight: 2, arbitrary: flow.map((v) => () => v) },
      { weight: 1, arbitrary: blockScalar },
      { weight: odd ? 1 : 0, arbitrary: fc.tuple(fc.constantFrom("&a ", "!!str ", "!!seq ", "!x "), fc.oneof(scalar, flow)).map(([prefix, v]) => () => `${prefix}${v}`) },
      { weight: odd ? 1 : 0, arbitrary: fc.constantFrom("*a", "*b").map((v) => () => v) },
      { weight: 1, arbitrary: fc.tuple(plain, scalar).map(([a, b]) => (indent: string) => `${a}\n${indent}  ${b}`) },
    );
    const key = fc.oneof(
      { weight: 6, arbitrary: plain },
      { weight: 1, arbitrary: single },
      { weight: 1, arbitrary: double },
      { weight: odd ? 1 : 0, arbitrary: flow },
      { weight: odd ? 1 : 0, arbitrary: plain.map((k) => `? ${k}\n`) },
    );
    const comment = fc.constantFrom("", "", "", " # note", odd ? "#tight" : "  #  spaced");
    type Block = (indent: string) => string;
    const { block } = fc.letrec<{ block: Block; entry: Block }>((tie) => ({
      entry: fc.oneof(
        { weight: 5, arbitrary: fc.tuple(key, value, comment).map(([k, v, c]) => (indent: string) => `${indent}${k}: ${v(indent)}${c}`) },
        { weight: 1, arbitrary: fc.tuple(key, tie("block")).map(([k, b]) => (indent: string) => `${indent}${k}:\n${b(`${indent}  `)}`) },
        { weight: 1, arbitrary: fc.tuple(key, fc.array(value, { minLength: 1, maxLength: 3 })).map(([k, vs]) => (indent: string) => `${indent}${k}:\n${vs.map((v) => `${indent}  - ${v(`${indent}  `)}`).join("\n")}`) },
        { weight: 1, arbitrary: fc.constantFrom("# full-line comment", "").map((c) => () => c) },
      ),
      block: fc.array(tie("entry"), { minLength: 1, maxLength: 5 }).map((entries) => (indent: string) => entries.map((e) => e(indent)).join("\n")),
    }));
    return fc.tuple(block, fc.constantFrom("", "---\n", "%YAML 1.2\n---\n", "\uFEFF"), fc.constantFrom("\n", "\n...\n", ""), fc.boolean()).map(([b, head, tail, crlf]) => {
      const text = `${head}${b("")}${tail}`;
      return crlf ? text.replaceAll("\n", "\r\n") : text;
    });
  }

  test.prop([documents(true)], { numRuns: Number(process.env.YAML_FUZZ_RUNS ?? 20000) })("agrees with yaml whenever it answers, on odd documents", (text) => {
    expectAgreement(text);
  }, 600_000);

  test.prop([documents(false)], { numRuns: Number(process.env.YAML_FUZZ_RUNS ?? 20000) })("agrees with yaml whenever it answers, on well-formed documents", (text) => {
    expectAgreement(text);
  }, 600_000);

  // The quick reader must answer for most well-formed documents, or the properties above prove little.
  it("answers for most well-formed documents", () => {
    const samples = fc.sample(documents(false), { numRuns: 2000, seed: 42 });
    const answered = samples.filter((text) => quickYamlValue(text) !== undefined).length;
    expect(answered).toBeGreaterThan(samples.length * 0.5);
  });
});
