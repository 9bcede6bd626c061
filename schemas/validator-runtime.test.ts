// The precompiled validators take two shortcuts (scripts/gen-types.mjs): a faster `date` format and string
// lengths tested before code points are counted. Both must give exactly the answers of plain ajv.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { fullFormats } from "ajv-formats/dist/formats.js";
import { describe, expect, it } from "vitest";
import validateCatalog from "./catalog.v1.validate.js";
import validateInventory from "./inventory.v1.validate.js";
import { minimalInventory } from "./test-support.js";
import { isFullDate } from "./validator-runtime.js";

const referenceDate = (fullFormats.date as { validate: (text: string) => boolean }).validate;

describe("isFullDate", () => {
  it("agrees with ajv-formats on every day of leap, century and ordinary years, and the days around them", () => {
    let checked = 0;
    for (const year of ["0000", "1900", "1999", "2000", "2023", "2024", "2100", "2400", "9999"]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
          expect([text, isFullDate(text)]).toEqual([text, referenceDate(text)]);
          checked++;
        }
      }
    }
    expect(checked).toBe(9 * 14 * 33);
    expect(isFullDate("2024-02-29")).toBe(true);
    expect(isFullDate("2023-02-29")).toBe(false);
    expect(isFullDate("1900-02-29")).toBe(false);
  });

  it("agrees on malformed text: wrong separators, widths, signs, spaces, non-ASCII digits, trailing newline", () => {
    const cases = ["", "2024-01-1", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01 ", " 2024-01-01", "2024-01-01\n", "2024-01-01T00:00:00Z", "+024-01-01", "2024-+1-01", "2024-01--1", "2O24-01-01", "２０２４-01-01", "2024-0a-01", "2024_01_01", "20240101", "2024-01-001", "2024-12-31", "0001-01-01", "1e30-01-01", "2024-01-0:", "2024-01-/1"];
    for (const text of cases) expect([text, isFullDate(text)]).toEqual([text, referenceDate(text)]);
  });

  it("agrees on random mutations of a date", () => {
    const alphabet = "0123456789-/: T+ab\u0660";
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const chars = [..."2024-02-29"];
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)]!;
      const text = chars.join("");
      if (isFullDate(text) !== referenceDate(text)) expect([text, isFullDate(text)]).toEqual([text, referenceDate(text)]);
    }
  });
});

describe("length checks in the precompiled validators", () => {
  const schema = JSON.parse(readFileSync(new URL("./inventory.v1.json", import.meta.url), "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const reference = ajv.compile(schema);
  const emoji = "\u{1F600}"; // one code point, two UTF-16 code units
  const base = { ...minimalInventory(), software: [{ name: "Tool", source: "msi", scope: "machine", installedOn: "2024-02-29" }] };
  const withHostname = (hostname: string) => ({ ...base, endpoint: { ...base.endpoint, hostname } });
  const withSoftware = (entry: Record<string, string>) => ({ ...base, software: [{ ...base.software[0], ...entry }] });
  const verdict = (doc: unknown) => {
    const valid = validateInventory(doc);
    return { valid, errors: (validateInventory.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`) };
  };
  const expectSame = (doc: unknown) => {
    const ours = verdict(doc);
    const theirs = { valid: reference(doc), errors: (reference.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`) };
    expect(ours).toEqual(theirs);
    return ours;
  };

  it("counts code points at the maxLength and minLength boundaries, as ajv does", () => {
    // Text (hostname, name): 1 to 4096 code points.
    expect(expectSame(withHostname("")).valid).toBe(false);
    expect(expectSame(withHostname(emoji)).valid).toBe(true);
    expect(expectSame(withHostname("a".repeat(4096))).valid).toBe(true);
    expect(expectSame(withHostname("a".repeat(4097))).errors).toEqual(["/endpoint/hostname maxLength"]);
    expect(expectSame(withHostname(emoji.repeat(4096))).valid).toBe(true); // 8192 code units
    expect(expectSame(withHostname(emoji.repeat(4097))).errors).toEqual(["/endpoint/hostname maxLength"]);
    expect(expectSame(withHostname(`${emoji.repeat(4095)}ab`)).errors).toEqual(["/endpoint/hostname maxLength"]);
    // A lone high surrogate at the end counts as one code point, as ajv's ucs2length counts it.
    expect(expectSame(withHostname(`${emoji.repeat(4095)}\ud83d`)).valid).toBe(true);
    // version: at most 256.
    expect(expectSame(withSoftware({ version: emoji.repeat(256) })).valid).toBe(true);
    expect(expectSame(withSoftware({ version: emoji.repeat(257) })).valid).toBe(false);
    expect(expectSame(withSoftware({ version: "9".repeat(257) })).valid).toBe(false);
  });

  it("gives the same answers for dates in software entries", () => {
    for (const installedOn of ["2024-02-29", "2023-02-29", "2024-13-01", "2024-1-1", ""]) expectSame(withSoftware({ installedOn }));
    expect(verdict(withSoftware({ installedOn: "2023-02-29" })).errors).toEqual(["/software/0/installedOn format"]);
  });
});

// Whatever gen-types.mjs does to the generated code, the precompiled validators must report exactly what ajv
// reports on the schema as written: every error, with its path, parameters and message.
describe("the precompiled validators against ajv", () => {
  const cases = [
    { name: "inventory.v1", validate: validateInventory, sample: "../agent/test/fixtures/legacy/win7-pro-sp1/inventory.json" },
    { name: "catalog.v1", validate: validateCatalog, sample: undefined },
  ] as const;
  const mutations: ((value: unknown) => unknown)[] = [() => undefined, () => 42, () => "", () => "x".repeat(300), () => [], () => ({}), () => null, () => true, () => "not-a-date", (v) => (Array.isArray(v) ? [...v, { unexpected: 1 }] : typeof v === "object" && v ? { ...v, unexpected: 1 } : v)];

  /** Every path to a value in the document. */
  function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    const here = [at];
    if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => paths(item, [...at, i]))];
    if (typeof value === "object" && value !== null) return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
    return here;
  }
  function mutate(doc: unknown, path: (string | number)[], change: (value: unknown) => unknown): unknown {
    if (path.length === 0) return change(doc);
    const copy = structuredClone(doc) as Record<string | number, unknown>;
    let parent = copy;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const next = change(parent[last]);
    if (next === undefined) delete parent[last];
    else parent[last] = next;
    return copy;
  }

  for (const { name, validate, sample } of cases) {
    it(`reports what ajv reports for ${name}, on every field of a sample changed in ten ways`, () => {
      const schema = JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), "utf8"));
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      addFormats.default(ajv);
      const reference = ajv.compile(schema);
      const doc = sample ? JSON.parse(readFileSync(new URL(sample, import.meta.url), "utf8")) : catalogSample();
      expect(reference(doc)).toBe(true);
      const describeErrors = (errors: typeof reference.errors) => (errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)} ${e.message}`);
      let compared = 0;
      for (const path of paths(doc)) {
        for (const change of mutations) {
          const changed = mutate(doc, path, change);
          const ours = validate(changed);
          const theirs = reference(changed);
          expect({ path, valid: ours, errors: describeErrors(validate.errors) }).toEqual({ path, valid: theirs, errors: describeErrors(reference.errors) });
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(500);
    });
  }
});

/** A catalog that uses every definition: OS, software and hardware rules, a register, waivers, rule overrides. */
function catalogSample(): unknown {
  return {
    schema: "caveat.catalog/v1",
    client: "acme-dental",
    name: "Acme Dental",
    warnDays: 180,
    staleDays: 30,
    rules: { "software.new": { severity: "low" }, "os.unknown": { enabled: false } },
    os: { allow: [{ platform: "windows", name: "*Windows 11*", editions: ["Pro"] }] },
    software: { mode: "allowlist", allow: [{ name: "Google Chrome", publisher: "Google*" }], deny: [{ name: "TeamViewer*", reason: "Unmanaged remote access" }], ignore: [{ name: "Microsoft Visual C++ *", platform: "windows" }] },
    hardware: { allow: [{ manufacturer: "Dell*", model: "Latitude*" }] },
    procurement: [{ serial: "5CG1234XYZ", model: "Latitude 5440", purchased: "2025-03-01", ref: "PO-1042" }],
    waivers: [{ rule: "os.end-of-life", endpoint: "RECEPTION-*", subject: "*", justification: "X-ray software needs Windows 7", acceptedBy: "J. Doe", accepted: "2026-01-10", expires: "2027-01-10" }],
  };
}
