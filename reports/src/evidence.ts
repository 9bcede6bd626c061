// The evidence pack as a PDF: what an MSP hands a lawyer or an insurer about one client. The audit
// trail's verification first (intact or not, and its head to keep), then every acknowledgement and how it
// was signed, the notes log, and every event of the trail. A pure view model like the report's.
import type { Branding } from "../../schemas/branding.v1.js";
import { formatDate } from "./model.js";

/** The parts of an audit export (caveat.audit-export/v1) the PDF shows. */
export interface EvidenceInput {
  client: { slug: string; name: string };
  exportedAt: string;
  verification: { ok: boolean; events: number; head: string; problems: { seq: number; problem: string }[] };
  acknowledgements: {
    id: string;
    kind: string;
    status: string;
    createdAt: string;
    createdBy: string;
    expiresAt: string;
    findingsSha256: string;
    signature: { method: string; signerName: string; signerTitle: string; signedAt: string; ip?: string; pdfSha256: string } | null;
  }[];
  notes: { date: string; channel: string; who: string; summary: string; recordedBy: string }[];
  events: { seq: number; at: string; actor: string; kind: string; data: Record<string, unknown>; hash: string }[];
}

export interface EvidenceModel {
  title: string;
  documentId: string;
  paper: "A4" | "Letter";
  accentColor: string;
  msp: { name: string; logo: string | null };
  client: { slug: string; name: string };
  exported: string;
  verification: { ok: boolean; events: number; head: string; problems: string[] };
  acknowledgements: { id: string; kind: string; status: string; requested: string; signed: string; fingerprint: string }[];
  notes: { date: string; channel: string; who: string; summary: string; recordedBy: string }[];
  events: { seq: number; at: string; actor: string; kind: string; details: string }[];
  footerNote: string;
}

export function buildEvidenceModel(input: EvidenceInput, branding: Branding, logo?: string): EvidenceModel {
  const report = branding.report;
  const now = new Date(input.exportedAt);
  const stamp = (iso: string) => `${formatDate(iso, true)} ${iso.slice(11, 16)}`;
  return {
    title: `Evidence pack: ${input.client.name}`,
    documentId: `EVIDENCE-${input.client.slug}-${input.exportedAt.slice(0, 10).replaceAll("-", "")}`,
    paper: report?.paper ?? "A4",
    accentColor: /^#[0-9a-fA-F]{6}$/.test(report?.accentColor ?? "") ? report!.accentColor! : "#1f4e79",
    msp: { name: branding.msp.name, logo: logo ?? null },
    client: input.client,
    exported: `${formatDate(now.toISOString())}, ${now.toISOString().slice(11, 19)} UTC`,
    verification: { ok: input.verification.ok, events: input.verification.events, head: `${input.verification.events}:${input.verification.head}`, problems: input.verification.problems.map((p) => `Event ${p.seq}: ${p.problem}`) },
    acknowledgements: input.acknowledgements.map((a) => ({
      id: a.id,
      kind: a.kind === "baseline" ? "Onboarding" : "Periodic",
      status: a.signature ? (a.signature.method === "wet-ink" ? "Signed on paper" : "Signed") : Date.parse(a.expiresAt) <= now.getTime() ? "Expired unsigned" : "Awaiting signature",
      requested: `${stamp(a.createdAt)} by ${a.createdBy}`,
      signed: a.signature ? `${a.signature.signerName}, ${a.signature.signerTitle}, ${stamp(a.signature.signedAt)}${a.signature.ip ? ` from ${a.signature.ip}` : ""}` : "",
      fingerprint: a.signature?.pdfSha256 ?? a.findingsSha256,
    })),
    notes: input.notes.map((n) => ({ date: formatDate(n.date, true), channel: n.channel, who: n.who, summary: n.summary, recordedBy: n.recordedBy })),
    events: input.events.map((e) => ({ seq: e.seq, at: stamp(e.at), actor: e.actor, kind: e.kind, details: describe(e.data) })),
    footerNote: `Audit head ${input.verification.events}:${input.verification.head.slice(0, 16)}`,
  };
}

/** key: value pairs in one line, long values shortened (the JSON export has them whole). */
function describe(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([key, value]) => {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      return `${key}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
    })
    .join("; ");
}
