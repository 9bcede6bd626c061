// Findings for people (table) and spreadsheets (CSV). JSON is the contract itself.
import { stringify } from "csv-stringify/sync";
import type { Finding, Findings } from "../schemas/findings.v1.js";

const CSV_COLUMNS = ["id", "severity", "rule", "hostname", "endpoint_id", "subject", "message", "eol", "source", "first_seen", "waived", "waiver_accepted_by", "waiver_expires", "waiver_expired"] as const;

/**
 * One row per finding. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
 * apostrophe: software names come from client machines and must not execute in the MSP's Excel (CSV injection).
 */
export function formatFindingsCsv(findings: Findings): string {
  const rows = findings.findings.map((f) =>
    [
      f.id,
      f.severity,
      f.rule,
      f.endpoint.hostname,
      f.endpoint.id,
      f.subject,
      f.message,
      f.lifecycle ? String(f.lifecycle.eol) : "",
      f.lifecycle?.source ?? "",
      f.firstSeen ?? "",
      f.waived ? "yes" : "no",
      f.waiver?.acceptedBy ?? "",
      f.waiver?.expires ?? "",
      f.waiverExpired?.expires ?? "",
    ].map(defuseFormula),
  );
  return stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: "\r\n" });
}

export function defuseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** A fixed-width table for the terminal, worst first, with a summary line. */
export function formatFindingsTable(findings: Findings, width = 160): string {
  const header = ["SEVERITY", "RULE", "ENDPOINT", "SUBJECT", "STATUS"];
  const rows = findings.findings.map((f) => [f.severity, f.rule, f.endpoint.hostname, f.subject, status(f)].map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Give the subject what is left of the line; the other columns are short.
  const fixed = widths.reduce((sum, w, i) => (i === 3 ? sum : sum + w + 2), 0);
  widths[3] = Math.max(20, Math.min(widths[3]!, width - fixed));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : fit(c, widths[i]!).padEnd(widths[i]!))).join("  ").trimEnd();
  const s = findings.summary;
  const counts = (["critical", "high", "medium", "low", "info"] as const).map((k) => `${s.bySeverity[k] ?? 0} ${k}`).join(", ");
  const footer = `${findings.client}: ${s.endpoints} endpoint${s.endpoints === 1 ? "" : "s"}, ${s.findings} finding${s.findings === 1 ? "" : "s"} as of ${findings.asOf} (${counts}; ${s.waived} waived)`;
  return [line(header), ...rows.map(line), "", footer, ""].join("\n");
}

function status(f: Finding): string {
  if (f.waived && f.waiver) return `waived until ${f.waiver.expires}`;
  if (f.waiverExpired) return `waiver expired ${f.waiverExpired.expires}`;
  return "open";
}

/** Control characters (a right-to-left override in a software name) must not rearrange the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
