// The fast reader must read what csv-parse reads (with the procurement register's options) or step aside.
import { fc, test } from "@fast-check/vitest";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parseSimpleCsv, REGISTER_CSV_OPTIONS, type CsvRow } from "./simple-csv.js";

/** csv-parse's reading, in the fast reader's shape; undefined when csv-parse refuses the text. */
function csvParse(text: string): CsvRow[] | undefined {
  try {
    return (parse(text, REGISTER_CSV_OPTIONS) as unknown as { record: string[]; info: { lines: number } }[]).map((r) => ({ record: r.record, line: r.info.lines }));
  } catch {
    return undefined;
  }
}

describe("parseSimpleCsv", () => {
  it("reads a spreadsheet export: BOM, CRLF, quotes, doubled quotes, commas in quotes, spaces trimmed, empty lines skipped but counted", () => {
    const text = '\uFEFFSerial, Model ,"Ref"\r\n 5CG1, "EliteBook 840, G8" , "PO ""12"""\r\n\r\n   \r\nX9,,\r\n';
    const rows = [
      { record: ["Serial", "Model", "Ref"], line: 1 },
      { record: ["5CG1", "EliteBook 840, G8", 'PO "12"'], line: 2 },
      { record: ["X9", "", ""], line: 5 },
    ];
    expect(parseSimpleCsv(text)).toEqual(rows);
    expect(csvParse(text)).toEqual(rows);
  });

  it.each([
    ["a line break inside quotes", 'a,"b\nc"\n'],
    ["a quote inside an unquoted field", 'a,b"c\n'],
    ["text after a closing quote", 'a,"b"c\n'],
    ["an unterminated quote", 'a,"b\n'],
    ["a tab", "a,\tb\n"],
    ["a no-break space", "a\u00a0,b\n"],
    ["mixed line endings", "a\r\nb\nc\r\n"],
    ["a lone carriage return", "a\rb\n"],
  ])("steps aside for %s", (_, text) => {
    expect(parseSimpleCsv(text)).toBeUndefined();
  });

  it("reads nothing from an empty text", () => {
    expect(parseSimpleCsv("")).toEqual([]);
    expect(parseSimpleCsv("\uFEFF\n\n")).toEqual([]);
  });

  // Text built from the characters that matter to CSV: whatever the fast reader answers, csv-parse answers the same.
  const piece = fc.constantFrom("a", "Z9", "é", " ", "  ", ",", '"', '""', "\n", "\r\n", "\r", "\t", "\u00a0", "\uFEFF", "-");
  test.prop([fc.array(piece, { maxLength: 40 })], { numRuns: 3000 })("agrees with csv-parse whenever it answers", (pieces) => {
    const text = pieces.join("");
    const fast = parseSimpleCsv(text);
    if (fast !== undefined) expect(fast).toEqual(csvParse(text));
  });

  // Register-like text of the common shape, quoted at random: the fast reader must answer, and agree.
  const plain = fc.stringMatching(/^[ A-Za-z0-9.,é-]{0,8}$/);
  const quoted = fc.stringMatching(/^[ A-Za-z0-9.,"é-]{0,8}$/).map((v) => `"${v.replaceAll('"', '""')}"`);
  const cell = fc.tuple(fc.oneof(plain, quoted), fc.constantFrom("", " ", "  ")).map(([v, pad]) => `${pad}${v}${pad}`);
  const row = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(","));
  test.prop([fc.array(row, { maxLength: 8 }), fc.constantFrom("\n", "\r\n"), fc.boolean()], { numRuns: 3000 })("reads register-like rows as csv-parse does", (rows, eol, bom) => {
    const text = (bom ? "\uFEFF" : "") + rows.join(eol) + eol;
    expect(parseSimpleCsv(text)).toEqual(csvParse(text));
  });
});
