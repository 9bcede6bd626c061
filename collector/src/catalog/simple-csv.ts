// The CSV that spreadsheets and PSAs export, read without a general parser: csv-parse took 50-110 ms for a
// 5,000-row procurement register, most of a large catalog's load, and this reader takes a few.
//
// It reads exactly what csv-parse reads with the options the register uses (bom, trim, skip_empty_lines,
// relax_column_count), for the common shapes only: one line per record, "\n" or "\r\n" throughout, fields
// quoted or not, "" inside quotes. For anything else (a line break inside quotes, stray quotes, tabs or
// other whitespace than spaces, mixed line endings) it answers undefined, and the caller asks csv-parse,
// which also words the errors. simple-csv.test.ts checks the two agree on generated input.

/** csv-parse's options for the procurement register: what the fast reader reads the same way. */
export const REGISTER_CSV_OPTIONS = { bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true } as const;

/** One record and the line it is on (1-based, as csv-parse's info.lines). */
export interface CsvRow {
  record: string[];
  line: number;
}

/** Whitespace that csv-parse trims differently on the left and right of a field; space is the only kind read here. */
const UNUSUAL_WHITESPACE = /[^\S \r\n]/;

/** The rows of CSV text of the common shape, or undefined when it is not (then csv-parse reads it). */
export function parseSimpleCsv(input: string): CsvRow[] | undefined {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (UNUSUAL_WHITESPACE.test(text)) return undefined;
  const crlf = text.includes("\r");
  const lines = text.split(crlf ? "\r\n" : "\n");
  if (crlf && lines.some((line) => line.includes("\r") || line.includes("\n"))) return undefined;
  const rows: CsvRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const record = parseLine(line);
    if (!record) return undefined;
    rows.push({ record, line: i + 1 });
  }
  return rows;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const SPACE = 0x20;

/** The fields of one line, or undefined if its quoting is not the plain kind. */
function parseLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    while (line.charCodeAt(pos) === SPACE) pos++;
    let field: string;
    if (line.charCodeAt(pos) === QUOTE) {
      field = "";
      let from = pos + 1;
      for (;;) {
        const close = line.indexOf('"', from);
        if (close < 0) return undefined;
        field += line.slice(from, close);
        if (line.charCodeAt(close + 1) !== QUOTE) {
          pos = close + 1;
          break;
        }
        field += '"';
        from = close + 2;
      }
      while (line.charCodeAt(pos) === SPACE) pos++;
      if (pos < line.length && line.charCodeAt(pos) !== COMMA) return undefined;
    } else {
      let end = line.indexOf(",", pos);
      if (end < 0) end = line.length;
      field = line.slice(pos, end);
      if (field.includes('"')) return undefined;
      field = field.trimEnd();
      pos = end;
    }
    fields.push(field);
    if (pos >= line.length) return fields;
    pos++; // the comma
  }
}
