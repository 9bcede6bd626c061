import { describe, expect, it } from "vitest";
import { parseProcurementCsv } from "./procurement-csv.js";

describe("parseProcurementCsv", () => {
  it("reads a spreadsheet export: BOM, CRLF, quoted commas, loose header names, extra columns ignored", () => {
    const csv = '\uFEFFSerial Number,Vendor,Model,Invoice Date,Order,Cost\r\n5CG1234XYZ,HP,"EliteBook 840, G8",2025-03-01,PO-1042,"1,299.00"\r\n\r\n 8Q4JVR1 ,Dell Inc.,OptiPlex 790,,,\r\n';
    expect(parseProcurementCsv(csv, "purchases.csv")).toEqual([
      { serial: "5CG1234XYZ", manufacturer: "HP", model: "EliteBook 840, G8", purchased: "2025-03-01", ref: "PO-1042" },
      { serial: "8Q4JVR1", manufacturer: "Dell Inc.", model: "OptiPlex 790" },
    ]);
  });

  it("requires a serial column and names the header line", () => {
    expect(() => parseProcurementCsv("Model,Date\nLatitude,2025-01-01\n", "purchases.csv")).toThrow(/purchases\.csv:1: \(document\) the first row must name the columns, one of them the serial/);
  });

  it("names every bad row by line: empty serial, date not written YYYY-MM-DD", () => {
    expect(() => parseProcurementCsv("serial,purchased\nA1,2025-01-01\n,2025-01-02\nB2,03/01/2025\nC3,2025-02-30\n", "purchases.csv")).toThrow(
      /purchases\.csv:3: serial is empty[\s\S]*purchases\.csv:4: purchased must be a date written YYYY-MM-DD \(got "03\/01\/2025"\)[\s\S]*purchases\.csv:5: purchased/,
    );
  });

  it("reads a note over two lines (left to csv-parse) and still names later rows by their line", () => {
    const csv = 'serial,notes,purchased\nA1,"bought at\nthe shop",2025-01-01\nB2,,01/02/2025\n';
    expect(() => parseProcurementCsv(csv, "purchases.csv")).toThrow(/purchases\.csv:4: purchased must be a date written YYYY-MM-DD/);
    expect(parseProcurementCsv(csv.replace("01/02/2025", "2025-02-01"), "purchases.csv")).toEqual([
      { serial: "A1", notes: "bought at\nthe shop", purchased: "2025-01-01" },
      { serial: "B2", purchased: "2025-02-01" },
    ]);
  });

  it("reports broken quoting with its line", () => {
    expect(() => parseProcurementCsv('serial,model\nA1,"unterminated\n', "purchases.csv")).toThrow(/purchases\.csv(:\d+)?: \(document\) not valid CSV/);
  });

  it("returns an empty register for an empty file", () => {
    expect(parseProcurementCsv("", "purchases.csv")).toEqual([]);
  });
});
