// The signature certificate: the page appended to a signed acknowledgement, saying who signed which
// document, when, from where, and what they decided about each finding. Like the report, a pure view
// model; reports/templates/certificate.hbs lays it out and the PDF signature seals it with the report.
import Handlebars from "handlebars";
import { formatDate, type ReportModel } from "./model.js";

export interface CertificateDecision {
  hostname: string;
  subject: string;
  /** The rule's title, as in the report. */
  kind: string;
  decision: "accept" | "remediate";
  /** accept: accepted until; remediate: remediate by (YYYY-MM-DD). */
  until: string;
  comment?: string;
}

/** What the certificate takes from the report it seals: the report as it was when sent for signature. */
export type CertifiedReport = Pick<ReportModel, "title" | "documentId" | "paper" | "accentColor" | "msp" | "client" | "findingsSha256">;

export interface CertificateInput {
  report: CertifiedReport;
  reportPdfSha256: string;
  requestedAt: string;
  requestedBy: string;
  signer: { name: string; title: string; email?: string };
  signedAt: string;
  ip?: string;
  userAgent?: string;
  decisions: CertificateDecision[];
  /** The MSP's signing certificate (subject and SHA-256 fingerprint) that seals the PDF. */
  sealedBy: { subject: string; fingerprintSha256: string };
  /** The waiver statement the signer agreed to: the HTML the report templates rendered for the document. */
  statementHtml: string;
}

export interface CertificateModel {
  title: string;
  documentId: string;
  paper: "A4" | "Letter";
  accentColor: string;
  msp: { name: string; logo: string | null };
  client: { name: string };
  findingsSha256: string;
  reportPdfSha256: string;
  requested: string;
  requestedBy: string;
  signer: { name: string; title: string; email: string | null };
  signed: string;
  ip: string;
  userAgent: string;
  counts: { accepted: number; remediate: number };
  decisions: { hostname: string; subject: string; kind: string; decision: string; until: string; comment: string | null }[];
  sealedBy: { subject: string; fingerprintSha256: string };
  /** Template output (escaped when it was rendered), placed as is. */
  statement: Handlebars.SafeString;
}

export function buildCertificateModel(input: CertificateInput): CertificateModel {
  const { report } = input;
  return {
    title: report.title,
    documentId: report.documentId,
    paper: report.paper,
    accentColor: /^#[0-9a-fA-F]{6}$/.test(report.accentColor) ? report.accentColor : "#1f4e79",
    msp: { name: report.msp.name, logo: report.msp.logo },
    client: { name: report.client.name },
    findingsSha256: report.findingsSha256,
    reportPdfSha256: input.reportPdfSha256,
    requested: timestamp(input.requestedAt),
    requestedBy: input.requestedBy,
    signer: { name: input.signer.name, title: input.signer.title, email: input.signer.email ?? null },
    signed: timestamp(input.signedAt),
    ip: input.ip ?? "not recorded",
    userAgent: input.userAgent ?? "not recorded",
    counts: { accepted: input.decisions.filter((d) => d.decision === "accept").length, remediate: input.decisions.filter((d) => d.decision === "remediate").length },
    decisions: input.decisions.map((d) => ({
      hostname: d.hostname,
      subject: d.subject,
      kind: d.kind,
      decision: d.decision === "accept" ? `Risk accepted until ${formatDate(d.until)}` : `Remediate by ${formatDate(d.until)}`,
      until: d.until,
      comment: d.comment ?? null,
    })),
    sealedBy: input.sealedBy,
    statement: new Handlebars.SafeString(input.statementHtml),
  };
}

/** "24 November 2026, 09:00:00 UTC": unambiguous for a reader anywhere. */
function timestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(d.toISOString())}, ${d.toISOString().slice(11, 19)} UTC`;
}
