// The precompiled validators take two shortcuts (scripts/gen-types.mjs): a faster `date` format and string
// lengths tested before code points are counted. Both must give exactly the answers of plain ajv.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { fullFormats } from "ajv-formats/dist/formats.js";
import { describe, expect, it } from "vitest";
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
