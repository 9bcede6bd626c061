// Signed risk acknowledgements. An MSP requests one for a client: the client's findings as of now are
// frozen into a document (findings, the PDF report made from them, and what the signing page shows),
// and a single-use, expiring signing link is issued. The client opens the link, decides about every open
// finding (remediate by a date, or accept the risk), types their name and signs; the collector then seals
// the report plus a signature certificate page with the MSP's certificate (PKCS#7). Accepted risks become
// waivers that later evaluations honour; promised remediations get a due date. A paper copy signed in
// ink can be recorded against the same document instead.
import { randomBytes } from "node:crypto";
import type { Finding, Findings } from "../../../schemas/findings.v1.js";
import type { ReportModel } from "../../../reports/src/model.js";
import { addDays, DOCUMENT_ID } from "../../../reports/src/model.js";
import { findingsData, sha256Hex, type ReportRenderer } from "../../../reports/src/report.js";
import { ACKNOWLEDGEMENT_ATTACHMENT, signPdf, type SigningIdentity } from "../../../reports/src/pdf-signature.js";
import type { AckDecision, AckDocument, AckKind, AckSignature, Store } from "../store/types.js";
import { recordAudit } from "./audit.js";
import { clientFindings, type SkippedEndpoint } from "./client-findings.js";
import { ServiceError } from "./errors.js";
import type { Evaluator } from "./evaluation.js";
import { hashToken } from "./tokens.js";
import { isIsoDate } from "../domain/dates.js";

export const ONBOARDING_TITLE = "Onboarding IT Risk Acknowledgement";

/** What the signing page shows, frozen when the document is made, so the page matches the PDF. */
export interface AckView {
  report: ReportModel;
  /** The waiver statement as the report templates rendered it (escaped HTML). */
  statementHtml: string;
}

export interface AckRequestOptions {
  kind: AckKind;
  signerEmail?: string;
  /** Days the signing link works (default 14). */
  expiresDays?: number;
  /** Days an accepted risk stays accepted (default 365). */
  acceptDays?: number;
  actor: string;
  now: Date;
}

export interface IssuedAck {
  document: AckDocument;
  /** The signing link's secret: shown once, stored only as its SHA-256. */
  token: string;
  /** Computers left out because a stored scan cannot be read (named in the PDF). */
  skipped: SkippedEndpoint[];
}

const DAY = 86_400_000;
const LINK_TOKEN = /^cvt_sign_[A-Za-z0-9_-]{43}$/;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;

/** Findings a signer decides about: everything open that is not information only. */
export function decidable(findings: Findings): Finding[] {
  return findings.findings.filter((f) => !f.waived && f.severity !== "info");
}

/** The request's periods and email, checked (callers may check before they start a renderer); returns the periods with defaults. */
export function checkAckRequest(options: Pick<AckRequestOptions, "expiresDays" | "acceptDays" | "signerEmail">): { expiresDays: number; acceptDays: number } {
  const expiresDays = options.expiresDays ?? 14;
  const acceptDays = options.acceptDays ?? 365;
  if (!Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > 90) throw new ServiceError("invalid_request", "expires: expected 1 to 90 days");
  if (!Number.isInteger(acceptDays) || acceptDays < 1 || acceptDays > 1095) throw new ServiceError("invalid_request", "accept period: expected 1 to 1095 days (three years)");
  if (options.signerEmail !== undefined && !EMAIL.test(options.signerEmail)) throw new ServiceError("invalid_request", `signer email ${JSON.stringify(options.signerEmail)}: expected an address like name@example.com`);
  return { expiresDays, acceptDays };
}

/** A client's acknowledgement document by id (ServiceError not_found for an unknown or malformed id, or another client's). */
export async function acknowledgementDocument(store: Store, slug: string, id: string): Promise<AckDocument> {
  const document = DOCUMENT_ID.test(id) ? await store.acks.get(slug, id) : undefined;
  if (!document) throw new ServiceError("not_found", `client "${slug}" has no acknowledgement document ${id}`);
  return document;
}

/** A document's PDF, the report sent for signature or the signed copy, with the file name to save it as. */
export async function acknowledgementPdf(store: Store, slug: string, id: string, which: "report" | "signed"): Promise<{ pdf: Uint8Array; filename: string }> {
  const document = await acknowledgementDocument(store, slug, id);
  const pdf = await store.acks.pdf(slug, document.id, which);
  if (!pdf) throw new ServiceError("not_found", `document ${document.id} is not signed yet`);
  return { pdf, filename: `${document.id}${which === "signed" ? "-signed" : ""}.pdf` };
}

export async function requestAcknowledgement(store: Store, evaluator: Evaluator, renderer: ReportRenderer, slug: string, options: AckRequestOptions): Promise<IssuedAck> {
  const { expiresDays, acceptDays } = checkAckRequest(options);
  const { now } = options;
  const { findings, skipped } = await clientFindings(store, evaluator, slug, now);
  const openFindings = decidable(findings).length;
  if (options.kind === "periodic" && openFindings === 0) {
    throw new ServiceError("conflict", `client "${slug}" has no open finding to acknowledge (for an onboarding record of a clean start, request a baseline)`);
  }
  const data = findingsData(findings);
  const expiresAt = new Date(now.getTime() + expiresDays * DAY);
  const rendered = await renderer.render(data, findings.asOf, {
    omitted: skipped.map((s) => ({ hostname: s.hostname, reason: s.reason })),
    decisionDue: expiresAt.toISOString().slice(0, 10),
    ...(options.kind === "baseline" ? { title: ONBOARDING_TITLE } : {}),
  });
  const pdf = rendered.pdf!;
  const view: AckView = { report: rendered.model, statementHtml: renderer.statementHtml(rendered.model) };
  const token = `cvt_sign_${randomBytes(32).toString("base64url")}`;
  const record = {
    id: rendered.model.documentId,
    clientSlug: slug,
    kind: options.kind,
    createdAt: now.toISOString(),
    createdBy: options.actor,
    asOf: findings.asOf,
    expiresAt: expiresAt.toISOString(),
    ...(options.signerEmail ? { signerEmail: options.signerEmail } : {}),
    tokenHash: hashToken(token),
    acceptDays,
    findingsSha256: sha256Hex(data.bytes),
    pdfSha256: sha256Hex(pdf),
  };
  if (!(await store.acks.create({ ...record, findings: Buffer.from(data.bytes).toString("utf8"), view: JSON.stringify(view), pdf }))) {
    throw new ServiceError("conflict", `document ${record.id} exists already (the same findings were sent for signature): see caveat ack list --client ${slug}`);
  }
  await recordAudit(store, slug, "ack.requested", { document: record.id, kind: record.kind, findingsSha256: record.findingsSha256, pdfSha256: record.pdfSha256, expiresAt: record.expiresAt, acceptDays, openFindings, ...(record.signerEmail ? { signerEmail: record.signerEmail } : {}) }, options.actor, now);
  return { document: { ...record, status: "pending" }, token, skipped };
}

export interface OpenAck {
  document: AckDocument;
  view: AckView;
  findings: Findings;
}

/**
 * The document a signing link opens, if it can still be signed. Refusals say why in words a client
 * understands (signed already, expired) without revealing anything about other documents.
 */
/** The document a signing link names, whatever its state; undefined for anything that is not a live link's token. */
export async function documentForLink(store: Store, token: string): Promise<AckDocument | undefined> {
  return LINK_TOKEN.test(token) ? store.acks.byTokenHash(hashToken(token)) : undefined;
}

export async function openAcknowledgement(store: Store, token: string, now: Date): Promise<OpenAck> {
  const document = await documentForLink(store, token);
  if (!document) throw new ServiceError("not_found", "This signing link is not valid. Check that the whole link was copied, or ask your IT provider for a new one.");
  if (document.status !== "pending") {
    throw new ServiceError("gone", `This document was signed on ${humanDate(document.signedAt!)} and cannot be signed again. Your IT provider holds the signed copy.`, { reason: "signed", document: document.id });
  }
  if (!(Date.parse(document.expiresAt) > now.getTime())) {
    throw new ServiceError("gone", `This signing link expired on ${humanDate(document.expiresAt)}. Ask your IT provider for a new one.`, { reason: "expired", document: document.id });
  }
  const [viewText, findingsText] = await Promise.all([store.acks.view(document.clientSlug, document.id), store.acks.findings(document.clientSlug, document.id)]);
  return { document, view: JSON.parse(viewText!) as AckView, findings: JSON.parse(findingsText!) as Findings };
}

/** A signing page visit: recorded in the client's audit trail (when it was opened, from where). */
export async function recordView(store: Store, open: OpenAck, meta: RequestMeta, now: Date): Promise<void> {
  await recordAudit(store, open.document.clientSlug, "ack.viewed", { document: open.document.id, ...metaData(meta) }, "signing-page", now);
}

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
}

/** The submitted signing form, as field name -> value (decision.ID, by.ID, comment.ID, name, title, email, consent). */
export type SigningForm = Record<string, string | undefined>;

export interface FormProblems {
  /** Field name -> what is wrong with it, in words for the signer. */
  fields: Record<string, string>;
}

/** A submission with problems: nothing was recorded; the document as opened, to show the page again. */
export interface RefusedForm extends FormProblems {
  open: OpenAck;
}

export interface SignedAck {
  document: AckDocument;
  /** What the signing page showed (the frozen report), for the confirmation. */
  view: AckView;
  signature: AckSignature;
  decisions: AckDecision[];
  pdf: Uint8Array;
}

const MAX_TEXT = { name: 200, title: 200, email: 320, comment: 2000 };

/**
 * Checks a submitted form against the document's open findings; the decisions it makes, or the problems
 * per field (the page is shown again with them, keeping what was typed).
 */
export function readSigningForm(open: OpenAck, form: SigningForm, signedAt: Date): { signer: { name: string; title: string; email?: string }; decisions: Omit<AckDecision, "documentId" | "decidedAt" | "decidedBy">[] } | FormProblems {
  const fields: Record<string, string> = {};
  const text = (key: string, max: number, label: string, required: boolean) => {
    const value = (form[key] ?? "").trim();
    if (required && value === "") fields[key] = `Enter your ${label}.`;
    else if (value.length > max) fields[key] = `Your ${label} is too long (at most ${max} characters).`;
    else if (/[\u0000-\u001f\u007f]/.test(value)) fields[key] = `Your ${label} contains control characters.`;
    return value;
  };
  const name = text("name", MAX_TEXT.name, "full name", true);
  const title = text("title", MAX_TEXT.title, "job title", true);
  const email = text("email", MAX_TEXT.email, "email address", false);
  if (email !== "" && !fields.email && !EMAIL.test(email)) fields.email = "Enter an email address like name@example.com, or leave it empty.";
  if (form.consent !== "yes") fields.consent = "Tick the box to confirm that you sign this acknowledgement.";
  const today = signedAt.toISOString().slice(0, 10);
  const latest = addDays(today, 365);
  const acceptUntil = addDays(today, open.document.acceptDays);
  const decisions: Omit<AckDecision, "documentId" | "decidedAt" | "decidedBy">[] = [];
  for (const f of decidable(open.findings)) {
    const choice = form[`decision.${f.id}`];
    const comment = (form[`comment.${f.id}`] ?? "").trim();
    if (comment.length > MAX_TEXT.comment) fields[`comment.${f.id}`] = `The comment is too long (at most ${MAX_TEXT.comment} characters).`;
    const base = { findingId: f.id, rule: f.rule, endpointId: f.endpoint.id, hostname: f.endpoint.hostname, subject: f.subject, ...(comment ? { comment } : {}) };
    if (choice === "accept") decisions.push({ ...base, decision: "accept", until: acceptUntil });
    else if (choice === "remediate") {
      const by = (form[`by.${f.id}`] ?? "").trim();
      if (!isIsoDate(by)) fields[`by.${f.id}`] = "Enter the date by which this will be fixed.";
      else if (by < today) fields[`by.${f.id}`] = "The date must be today or later.";
      else if (by > latest) fields[`by.${f.id}`] = `The date must be within a year (by ${humanDate(latest)}); accept the risk for anything longer.`;
      decisions.push({ ...base, decision: "remediate", until: by });
    } else fields[`decision.${f.id}`] = "Choose remediate or accept.";
  }
  if (Object.keys(fields).length > 0) return { fields };
  return { signer: { name, title, ...(email ? { email } : {}) }, decisions };
}

export interface SigningDeps {
  store: Store;
  renderer: ReportRenderer;
  identity: SigningIdentity;
}

/**
 * Signs: renders the certificate page, seals report + certificate with the MSP's certificate, and
 * records signature, decisions and signed PDF in one transaction. The seal is made before anything is
 * written, so a failure leaves the link usable; of two submissions racing, one is recorded and the other
 * is refused as signed already.
 */
export async function signAcknowledgement(deps: SigningDeps, token: string, form: SigningForm, meta: RequestMeta, now: Date): Promise<SignedAck | RefusedForm> {
  const { store } = deps;
  const open = await openAcknowledgement(store, token, now);
  const read = readSigningForm(open, form, now);
  if ("fields" in read) return { ...read, open };
  const { document, view } = open;
  const signedAt = now.toISOString();
  const decidedBy = `${read.signer.name}, ${read.signer.title}`;
  const decisions: AckDecision[] = read.decisions.map((d) => ({ ...d, documentId: document.id, decidedAt: signedAt, decidedBy }));
  const ruleTitle = new Map(view.report.sections.map((s) => [s.rule, s.title]));
  const certificate = await deps.renderer.printCertificate({
    report: view.report,
    reportPdfSha256: document.pdfSha256,
    requestedAt: document.createdAt,
    requestedBy: document.createdBy,
    signer: read.signer,
    signedAt,
    ...meta,
    decisions: decisions.map((d) => ({ hostname: d.hostname, subject: d.subject, kind: ruleTitle.get(d.rule) ?? d.rule, decision: d.decision, until: d.until, ...(d.comment ? { comment: d.comment } : {}) })),
    sealedBy: { subject: subjectName(deps.identity.subject), fingerprintSha256: deps.identity.fingerprintSha256 },
    statementHtml: view.statementHtml,
  });
  const reportPdf = await store.acks.pdf(document.clientSlug, document.id, "report");
  const record = acknowledgementRecord(open, { method: "electronic", ...read.signer, signedAt, ...meta }, decisions);
  const pdf = await signPdf({
    pdf: reportPdf!,
    appendPdf: certificate,
    attachment: { name: ACKNOWLEDGEMENT_ATTACHMENT, json: record, description: "Who signed this acknowledgement, when, and each decision (caveat.acknowledgement/v1)" },
    identity: deps.identity,
    reason: `Risk acknowledgement ${document.id} signed by ${decidedBy}`,
    location: "caveat signing page",
    contactInfo: read.signer.email ?? "",
    signingTime: now,
    title: `${view.report.title}: ${view.report.client.name} (signed)`,
  });
  const signature: AckSignature = { documentId: document.id, method: "electronic", signerName: read.signer.name, signerTitle: read.signer.title, ...(read.signer.email ? { signerEmail: read.signer.email } : {}), signedAt, ...meta, recordedBy: "signing-page", pdfSha256: sha256Hex(pdf) };
  if (!(await store.acks.sign(document.clientSlug, signature, decisions, pdf, signedAt))) {
    throw new ServiceError("gone", "This document has just been signed and cannot be signed again.", { reason: "signed", document: document.id });
  }
  await recordSigned(store, document, signature, decisions, "signing-page", now);
  return { document: { ...document, status: "signed", signedAt }, view, signature, decisions, pdf };
}

/** A paper copy signed in ink and scanned, recorded against its document (even after the link expired). */
export async function importWetSigned(
  store: Store,
  slug: string,
  documentId: string,
  scan: Uint8Array,
  options: { signerName: string; signerTitle: string; signedOn: string; actor: string; now: Date },
): Promise<AckSignature> {
  const document = await store.acks.get(slug, documentId);
  if (!document) throw new ServiceError("not_found", `client "${slug}" has no acknowledgement document ${documentId} (see caveat ack list --client ${slug})`);
  if (document.status !== "pending") throw new ServiceError("conflict", `document ${documentId} was ${document.status === "signed" ? "signed on the signing page" : "recorded as signed on paper"} on ${humanDate(document.signedAt!)} already`);
  if (!isScan(scan)) throw new ServiceError("invalid_request", "the scan is not a PDF, PNG or JPEG file");
  if (!isIsoDate(options.signedOn)) throw new ServiceError("invalid_request", `signed on ${JSON.stringify(options.signedOn)}: expected a date YYYY-MM-DD`);
  // A day of slack after today (UTC): where the signer is, it may already be tomorrow.
  if (options.signedOn < document.createdAt.slice(0, 10) || options.signedOn > addDays(options.now.toISOString().slice(0, 10), 1)) {
    throw new ServiceError("invalid_request", `signed on ${options.signedOn}: expected a date between the request (${document.createdAt.slice(0, 10)}) and today`);
  }
  for (const [key, value] of [["signer", options.signerName], ["title", options.signerTitle]] as const) {
    if (value.trim() === "" || value.length > 200) throw new ServiceError("invalid_request", `${key}: expected 1 to 200 characters`);
  }
  const signature: AckSignature = { documentId, method: "wet-ink", signerName: options.signerName.trim(), signerTitle: options.signerTitle.trim(), signedAt: `${options.signedOn}T00:00:00.000Z`, recordedBy: options.actor, pdfSha256: sha256Hex(scan) };
  if (!(await store.acks.sign(slug, signature, [], scan, options.now.toISOString()))) throw new ServiceError("conflict", `document ${documentId} was signed meanwhile`);
  await recordSigned(store, document, signature, [], options.actor, options.now);
  return signature;
}

async function recordSigned(store: Store, document: AckDocument, signature: AckSignature, decisions: AckDecision[], actor: string, now: Date): Promise<void> {
  const { documentId, method, signerName, signerTitle, signerEmail, signedAt, ip, userAgent, pdfSha256 } = signature;
  await recordAudit(
    store,
    document.clientSlug,
    "ack.signed",
    {
      document: documentId,
      method,
      signer: signerName,
      title: signerTitle,
      ...(signerEmail ? { email: signerEmail } : {}),
      signedAt,
      ...metaData({ ip, userAgent }),
      findingsSha256: document.findingsSha256,
      pdfSha256,
      accepted: decisions.filter((d) => d.decision === "accept").length,
      remediate: decisions.filter((d) => d.decision === "remediate").length,
    },
    actor,
    now,
  );
  for (const d of decisions) {
    if (d.decision === "accept") {
      await recordAudit(store, document.clientSlug, "waiver.added", { rule: d.rule, endpoint: d.endpointId, hostname: d.hostname, subject: d.subject, acceptedBy: d.decidedBy, accepted: d.decidedAt.slice(0, 10), expires: d.until, ref: documentId, ...(d.comment ? { comment: d.comment } : {}) }, actor, now);
    } else {
      await recordAudit(store, document.clientSlug, "remediation.promised", { rule: d.rule, endpoint: d.endpointId, hostname: d.hostname, subject: d.subject, by: d.until, promisedBy: d.decidedBy, ref: documentId, ...(d.comment ? { comment: d.comment } : {}) }, actor, now);
    }
  }
}

/** The JSON embedded in the signed PDF: enough to know who signed what, and when, from the file alone. */
export function acknowledgementRecord(open: OpenAck, signer: { method: "electronic" | "wet-ink"; name: string; title: string; email?: string; signedAt: string; ip?: string; userAgent?: string }, decisions: AckDecision[]) {
  const { document, view } = open;
  return {
    schema: "caveat.acknowledgement/v1",
    document: {
      id: document.id,
      kind: document.kind,
      title: view.report.title,
      client: { slug: document.clientSlug, name: view.report.client.name },
      msp: view.report.msp.name,
      asOf: document.asOf,
      findingsSha256: document.findingsSha256,
      reportPdfSha256: document.pdfSha256,
      requestedAt: document.createdAt,
      requestedBy: document.createdBy,
    },
    signature: signer,
    statementSha256: sha256Hex(view.statementHtml),
    decisions: decisions.map((d) => ({ findingId: d.findingId, rule: d.rule, endpoint: { id: d.endpointId, hostname: d.hostname }, subject: d.subject, decision: d.decision, until: d.until, ...(d.comment ? { comment: d.comment } : {}) })),
  };
}

export function subjectName(subject: { commonName: string; organization?: string }): string {
  return subject.organization && subject.organization !== subject.commonName ? `${subject.commonName}, ${subject.organization}` : subject.commonName;
}

function metaData(meta: RequestMeta): Record<string, string> {
  return { ...(meta.ip ? { ip: meta.ip } : {}), ...(meta.userAgent ? { userAgent: meta.userAgent.slice(0, 512) } : {}) };
}

function isScan(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 8));
  return head.subarray(0, 5).toString("latin1") === "%PDF-" || head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) || (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff);
}

function humanDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}
