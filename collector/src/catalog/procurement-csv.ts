// The procurement register as MSPs keep it: a CSV exported from a PSA, accounting system or spreadsheet.
// Header names are matched loosely (Serial Number, Service Tag, PO...) and unknown columns are ignored.
import { isIsoDate } from "../domain/dates.js";
import type * as CsvParse from "csv-parse/sync";
import { createRequire } from "node:module";
import { parseSimpleCsv, REGISTER_CSV_OPTIONS, type CsvRow } from "./simple-csv.js";
import type { Purchase } from "../../../schemas/catalog.v1.js";
import { ContractError, type ContractViolation } from "../../../schemas/validate.js";

const COLUMN_ALIASES: Record<keyof Purchase, string[]> = {
  serial: ["serial", "serial number", "serialnumber", "serial no", "service tag", "servicetag", "sn"],
  model: ["model", "product", "description"],
  manufacturer: ["manufacturer", "vendor", "make", "brand"],
  purchased: ["purchased", "purchase date", "purchasedate", "date", "invoice date", "order date"],
  ref: ["ref", "reference", "po", "po number", "purchase order", "order", "invoice", "invoice number"],
  notes: ["notes", "note", "comment", "comments"],
};

const CONTRACT = "procurement CSV";

// csv-parse is loaded the first time a register is not of the common shape (parseSimpleCsv).
const requireModule = createRequire(import.meta.url);

export function parseProcurementCsv(text: string, source: string): Purchase[] {
  const [header, ...body] = parseSimpleCsv(text) ?? parseAnyCsv(text, source);
  if (!header) return [];
  const columns = mapColumns(header.record);
  if (columns.serial === undefined) {
    throw new ContractError(CONTRACT, source, [
      { pointer: "", line: header.line, message: `the first row must name the columns, one of them the serial (${COLUMN_ALIASES.serial.map((a) => `"${a}"`).join(", ")}); got ${header.record.map((h) => JSON.stringify(h)).join(", ")}` },
    ]);
  }
  const problems: ContractViolation[] = [];
  const purchases: Purchase[] = [];
  for (const { record, line } of body) {
    const cell = (field: keyof Purchase) => {
      const index = columns[field];
      const value = index === undefined ? undefined : record[index];
      return value === undefined || value === "" ? undefined : value;
    };
    const serial = cell("serial");
    if (serial === undefined) {
      problems.push({ pointer: "serial", line, message: "is empty: every row of the register needs a serial" });
      continue;
    }
    const purchased = cell("purchased");
    if (purchased !== undefined && !isIsoDate(purchased)) {
      problems.push({ pointer: "purchased", line, message: `must be a date written YYYY-MM-DD (got ${JSON.stringify(purchased)})` });
      continue;
    }
    const purchase: Purchase = { serial };
    for (const field of ["model", "manufacturer", "ref", "notes"] as const) {
      const value = cell(field);
      if (value !== undefined) purchase[field] = value;
    }
    if (purchased !== undefined) purchase.purchased = purchased;
    purchases.push(purchase);
  }
  if (problems.length > 0) throw new ContractError(CONTRACT, source, problems);
  return purchases;
}

/** CSV of any shape csv-parse reads (the common shapes take the fast reader), or a ContractError with the line. */
function parseAnyCsv(text: string, source: string): CsvRow[] {
  try {
    const { parse } = requireModule("csv-parse/sync") as typeof CsvParse;
    const rows = parse(text, REGISTER_CSV_OPTIONS) as unknown as { record: string[]; info: { lines: number } }[];
    return rows.map(({ record, info }) => ({ record, line: info.lines }));
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new ContractError(CONTRACT, source, [{ pointer: "", line: e.lines, message: `not valid CSV: ${e.message}` }]);
  }
}

function mapColumns(header: string[]): Partial<Record<keyof Purchase, number>> {
  const columns: Partial<Record<keyof Purchase, number>> = {};
  header.forEach((name, index) => {
    const normal = name.toLowerCase().replace(/[_.#:]+/g, " ").replace(/\s+/g, " ").trim();
    for (const [field, aliases] of Object.entries(COLUMN_ALIASES) as [keyof Purchase, string[]][]) {
      if (columns[field] === undefined && aliases.includes(normal)) columns[field] = index;
    }
  });
  return columns;
}
