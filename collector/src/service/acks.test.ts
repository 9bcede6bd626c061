// Acknowledgements end to end below HTTP, on SQLite and PostgreSQL, with real Chromium and a real
// signature: request -> open -> form problems -> sign -> signed PDF verifies -> accepted risks are waived
// in later evaluations; reuse, expiry, another client's documents, wet-ink scans.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReportRenderer, type ReportRenderer } from "../../../reports/src/report.js";
import { createSelfSignedIdentity, loadSigningIdentity, verifySignedPdf, type SigningIdentity } from "../../../reports/src/pdf-signature.js";
import { verifyChain } from "../domain/audit-chain.js";
import { WINDOWS_7, FLASH, TEST_LIFECYCLE, type ScanSpec } from "../evaluate/test-support.js";
import { openStore } from "../store/open-store.js";
import type { Store, TokenRecord } from "../store/types.js";
import { bothDatabases } from "../../../test/postgres.js";
import { importWetSigned, openAcknowledgement, requestAcknowledgement, signAcknowledgement, type FormProblems, type SignedAck } from "./acks.js";
import { putCatalog } from "./catalogs.js";
import { clientFindings } from "./client-findings.js";
import { ServiceError } from "./errors.js";
import { createEvaluator, type Evaluator } from "./evaluation.js";
import { ingestSpec } from "../../../test/ingest.js";
import { issueToken, hashToken } from "./tokens.js";

const databases = bothDatabases("acks");

const RECEPTION = "4c4c4544-0051-3410-8034-b8c04f565231";
const OFFICE = "4c4c4544-0052-3410-8034-b8c04f565232";
const TEAMVIEWER = { name: "TeamViewer 15 <script>alert(1)</script>", version: "15.60.3", publisher: "TeamViewer" };
const CATALOG = `schema: caveat.catalog/v1
client: acme
software:
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
`;
const NOW = new Date("2026-11-23T12:00:00Z");
const later = (days: number) => new Date(NOW.getTime() + days * 86_400_000);

let renderer: ReportRenderer;
let identity: SigningIdentity;

beforeAll(async () => {
  renderer = await createReportRenderer({ launchNow: true });
  const made = createSelfSignedIdentity({ commonName: "Northwind IT <Signing>", organization: "Northwind IT Ltd", passphrase: "correct horse", notBefore: new Date("2026-01-01T00:00:00Z") });
  identity = loadSigningIdentity(made.p12, "correct horse", "test.p12", NOW);
}, 60_000);

afterAll(async () => {
  await renderer?.close();
});

describe.each(databases)("acknowledgements: %s", (_name, start) => {
  let db: { url: string; stop: () => Promise<void> };
  let store: Store;
  let evaluator: Evaluator;
  const tokens = new Map<string, TokenRecord>();

  const ingest = (slug: string, spec: ScanSpec) => ingestSpec(store, evaluator, tokens.get(slug)!, spec);
  const request = (slug: string, options: { kind?: "baseline" | "periodic"; expiresDays?: number; now?: Date } = {}) =>
    requestAcknowledgement(store, evaluator, renderer, slug, { kind: options.kind ?? "periodic", signerEmail: "dana@acme.example", expiresDays: options.expiresDays, actor: "cli:sam", now: options.now ?? NOW });
  const sign = (token: string, form: Record<string, string>, now = later(1)) => signAcknowledgement({ store, renderer, identity }, token, form, { ip: "203.0.113.7", userAgent: "Mozilla/5.0 (iPhone)" }, now);
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  };

  beforeAll(async () => {
    db = await start();
    store = await openStore(db.url);
    evaluator = createEvaluator(store, TEST_LIFECYCLE);
    const setUp = new Date("2026-08-01T00:00:00Z");
    for (const [slug, name] of [["acme", "Acme <b>Dental</b>"], ["globex", "Globex"], ["empty", "Empty Ltd"]] as const) {
      await store.clients.create({ slug, name, createdAt: setUp.toISOString() });
      tokens.set(slug, (await issueToken(store, { kind: "agent", clientSlug: slug, now: setUp })).record);
    }
    await putCatalog(store, evaluator, "acme", CATALOG, setUp);
    await ingest("acme", { id: RECEPTION, hostname: "RECEPTION-01", collectedAt: "2026-11-20T08:00:00Z", os: WINDOWS_7, software: [TEAMVIEWER] });
    await ingest("acme", { id: OFFICE, hostname: "OFFICE-02", collectedAt: "2026-11-22T08:00:00Z", software: [FLASH] });
    await ingest("globex", { id: RECEPTION, hostname: "GLOBEX-PC", collectedAt: "2026-11-20T08:00:00Z", os: WINDOWS_7 });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await db?.stop();
  });

  let token: string;
  let documentId: string;
  let ids: { windows7: string; teamviewer: string; flash: string };

  it("freezes the findings into a document with its PDF, and issues a link stored only as its hash", async () => {
    const issued = await request("acme");
    token = issued.token;
    documentId = issued.document.id;
    expect(token).toMatch(/^cvt_sign_[A-Za-z0-9_-]{43}$/);
    expect(issued.document).toMatchObject({ clientSlug: "acme", kind: "periodic", status: "pending", asOf: "2026-11-23", expiresAt: later(14).toISOString(), acceptDays: 365, signerEmail: "dana@acme.example" });
    expect(documentId).toMatch(/^CVT-20261123-[0-9A-F]{10}$/);
    const stored = (await store.acks.get("acme", documentId))!;
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    const pdf = (await store.acks.pdf("acme", documentId, "report"))!;
    expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe("%PDF-");
    const open = await openAcknowledgement(store, token, later(1));
    ids = {
      windows7: open.findings.findings.find((f) => f.rule === "os.end-of-life")!.id,
      teamviewer: open.findings.findings.find((f) => f.rule === "software.denied")!.id,
      flash: open.findings.findings.find((f) => f.rule === "software.end-of-life")!.id,
    };
    expect(open.view.report.documentId).toBe(documentId);
    expect(open.view.statementHtml).toContain("Acknowledgement of risk and waiver of liability");
    expect(open.view.statementHtml).toContain("Acme &lt;b&gt;Dental&lt;/b&gt;");
    const events = await store.audit.list("acme");
    expect(events.at(-1)).toMatchObject({ kind: "ack.requested", actor: "cli:sam", data: { document: documentId, openFindings: 3, pdfSha256: stored.pdfSha256 } });
  });

  it("refuses a link that is not one: malformed, unknown, or another client's document id", async () => {
    for (const bad of ["", "nope", `cvt_sign_${"A".repeat(43)}`, token.slice(0, -1), documentId]) {
      expect((await refusal(openAcknowledgement(store, bad, later(1)))).code).toBe("not_found");
    }
  });

  it("names every problem of a submitted form and records nothing", async () => {
    const problems = (await sign(token, { [`decision.${ids.windows7}`]: "remediate", [`by.${ids.windows7}`]: "2026-11-01", [`decision.${ids.flash}`]: "maybe", name: " ", title: "x".repeat(201), email: "not-an-email" })) as FormProblems;
    expect(problems.fields).toEqual({
      name: "Enter your full name.",
      title: "Your job title is too long (at most 200 characters).",
      email: "Enter an email address like name@example.com, or leave it empty.",
      consent: "Tick the box to confirm that you sign this acknowledgement.",
      [`by.${ids.windows7}`]: "The date must be today or later.",
      [`decision.${ids.teamviewer}`]: "Choose remediate or accept.",
      [`decision.${ids.flash}`]: "Choose remediate or accept.",
    });
    const farAway = (await sign(token, { [`decision.${ids.windows7}`]: "remediate", [`by.${ids.windows7}`]: "2028-01-01" })) as FormProblems;
    expect(farAway.fields[`by.${ids.windows7}`]).toMatch(/within a year/);
    const notADate = (await sign(token, { [`decision.${ids.windows7}`]: "remediate", [`by.${ids.windows7}`]: "2026-02-30" })) as FormProblems;
    expect(notADate.fields[`by.${ids.windows7}`]).toBe("Enter the date by which this will be fixed.");
    expect(await store.acks.get("acme", documentId)).toMatchObject({ status: "pending" });
  });

  let signed: SignedAck;

  it("signs: a sealed PDF (report + certificate) that verifies and carries who decided what, and the audit trail says so", async () => {
    const result = await sign(token, {
      [`decision.${ids.windows7}`]: "accept",
      [`comment.${ids.windows7}`]: "X-ray software <needs> Windows 7",
      [`decision.${ids.teamviewer}`]: "remediate",
      [`by.${ids.teamviewer}`]: "2026-12-15",
      [`decision.${ids.flash}`]: "remediate",
      [`by.${ids.flash}`]: "2026-11-24",
      name: "Dana <i>Scully</i>",
      title: "Practice Manager",
      email: "dana@acme.example",
      consent: "yes",
    });
    expect("fields" in result).toBe(false);
    signed = result as SignedAck;
    expect(signed.document).toMatchObject({ status: "signed", signedAt: later(1).toISOString() });
    expect(signed.signature).toMatchObject({ method: "electronic", signerName: "Dana <i>Scully</i>", signerTitle: "Practice Manager", signerEmail: "dana@acme.example", ip: "203.0.113.7", userAgent: "Mozilla/5.0 (iPhone)", recordedBy: "signing-page" });
    expect(signed.decisions.map((d) => [d.hostname, d.decision, d.until])).toEqual([
      ["RECEPTION-01", "accept", "2027-11-24"],
      ["RECEPTION-01", "remediate", "2026-12-15"],
      ["OFFICE-02", "remediate", "2026-11-24"],
    ]);

    const verification = await verifySignedPdf(signed.pdf);
    expect(verification.problems).toEqual([]);
    expect(verification).toMatchObject({ valid: true, coversWholeFile: true, signer: { commonName: "Northwind IT <Signing>", fingerprintSha256: identity.fingerprintSha256 }, signingTime: later(1).toISOString() });
    expect(verification.attachment).toMatchObject({
      schema: "caveat.acknowledgement/v1",
      document: { id: documentId, client: { slug: "acme", name: "Acme <b>Dental</b>" }, findingsSha256: signed.document.findingsSha256, reportPdfSha256: signed.document.pdfSha256 },
      signature: { method: "electronic", name: "Dana <i>Scully</i>", title: "Practice Manager", ip: "203.0.113.7" },
    });
    expect((await store.acks.pdf("acme", documentId, "signed"))!).toEqual(new Uint8Array(signed.pdf));

    const events = await store.audit.list("acme");
    expect(verifyChain("acme", events).ok).toBe(true);
    const signedEvent = events.find((e) => e.kind === "ack.signed")!;
    expect(signedEvent).toMatchObject({ actor: "signing-page", data: { document: documentId, signer: "Dana <i>Scully</i>", accepted: 1, remediate: 2, ip: "203.0.113.7" } });
    expect(events.filter((e) => e.kind === "waiver.added").map((e) => e.data)).toEqual([expect.objectContaining({ rule: "os.end-of-life", hostname: "RECEPTION-01", expires: "2027-11-24", ref: documentId })]);
    expect(events.filter((e) => e.kind === "remediation.promised")).toHaveLength(2);
  });

  it("refuses the link once used, and records the attempt", async () => {
    const again = await refusal(sign(token, { name: "Mallory", title: "x", consent: "yes" }, later(2)));
    expect(again.code).toBe("gone");
    expect(again.message).toMatch(/signed on 24 November 2026/);
    expect((await refusal(openAcknowledgement(store, token, later(2)))).code).toBe("gone");
  });

  it("honours the accepted risk in later evaluations: waived with the signed document as its reference, until it expires", async () => {
    const current = (await clientFindings(store, evaluator, "acme", later(2))).findings;
    const windows7 = current.findings.find((f) => f.id === ids.windows7)!;
    expect(windows7).toMatchObject({ waived: true, waiver: { acceptedBy: "Dana <i>Scully</i>, Practice Manager", accepted: "2026-11-24", expires: "2027-11-24", ref: documentId, justification: "X-ray software <needs> Windows 7" } });
    expect(current.findings.find((f) => f.id === ids.teamviewer)!.waived).toBe(false);
    // The same endpoint id and subject at another client is not covered.
    expect((await clientFindings(store, evaluator, "globex", later(2))).findings.findings.find((f) => f.rule === "os.end-of-life")!.waived).toBe(false);
    const expired = (await clientFindings(store, evaluator, "acme", new Date("2027-11-25T00:00:00Z"))).findings.findings.find((f) => f.id === ids.windows7)!;
    expect(expired).toMatchObject({ waived: false, waiverExpired: { ref: documentId } });
  });

  it("raises remediation.overdue the day after a promised date while the finding is still there, until a new date is signed", async () => {
    const overdueAt = async (at: Date) => (await clientFindings(store, evaluator, "acme", at)).findings.findings.filter((f) => f.rule === "remediation.overdue");
    expect(await overdueAt(later(1))).toEqual([]);
    const [flash] = await overdueAt(later(2));
    expect(flash).toMatchObject({
      severity: "high",
      endpoint: { hostname: "OFFICE-02" },
      subject: "Adobe Flash Player",
      firstSeen: "2026-11-25T00:00:00.000Z",
      waived: false,
      evidence: { finding: ids.flash, rule: "software.end-of-life", due: "2026-11-24", promisedBy: "Dana <i>Scully</i>, Practice Manager", promisedOn: "2026-11-24", document: documentId },
    });
    expect(flash!.message).toMatch(/^Dana <i>Scully<\/i>, Practice Manager signed on 2026-11-24 that this would be fixed by 2026-11-24/);
    expect(new Set((await overdueAt(new Date("2026-12-16T12:00:00Z"))).map((f) => (f.evidence as { finding: string }).finding))).toEqual(new Set([ids.teamviewer, ids.flash]));

    // The next acknowledgement asks about the overdue finding; a new date still ahead replaces the promise.
    const again = await request("acme", { now: later(2) });
    const open = await openAcknowledgement(store, again.token, later(2));
    const overdue = open.findings.findings.find((f) => f.rule === "remediation.overdue")!;
    const form: Record<string, string> = { name: "Dana Scully", title: "Practice Manager", consent: "yes", [`decision.${overdue.id}`]: "remediate", [`by.${overdue.id}`]: "2026-12-31" };
    for (const f of open.findings.findings) if (!f.waived && f.severity !== "info" && f.id !== overdue.id) form[`decision.${f.id}`] = "accept";
    // The Flash finding itself gets a nearer date than the overdue one's: the overdue one's decision rules.
    Object.assign(form, { [`decision.${ids.flash}`]: "remediate", [`by.${ids.flash}`]: "2026-11-27" });
    expect("fields" in (await sign(again.token, form, later(3)))).toBe(false);
    expect(await overdueAt(new Date("2026-12-05T00:00:00Z"))).toEqual([]);
    const [late] = await overdueAt(new Date("2027-01-02T00:00:00Z"));
    expect(late).toMatchObject({ id: overdue.id, evidence: { due: "2026-12-31", document: again.document.id }, firstSeen: "2027-01-01T00:00:00.000Z" });
  });

  it("refuses an expired link (the document stays, unsigned)", async () => {
    const issued = await request("globex", { expiresDays: 1 });
    const error = await refusal(openAcknowledgement(store, issued.token, later(1)));
    expect(error.code).toBe("gone");
    expect(error.message).toMatch(/expired on 24 November 2026/);
    expect(await store.acks.get("globex", issued.document.id)).toMatchObject({ status: "pending" });
  });

  it("records a wet-ink signed scan against its document, once, even after the link expired", async () => {
    const [document] = await store.acks.list("globex");
    const scan = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(100, 1)]);
    const options = { signerName: "Hank Scorpio", signerTitle: "CEO", signedOn: "2026-11-24", actor: "cli:sam", now: later(5) };
    expect((await refusal(importWetSigned(store, "acme", document!.id, scan, options))).code).toBe("not_found");
    expect((await refusal(importWetSigned(store, "globex", document!.id, Buffer.from("GIF89a"), options))).message).toMatch(/not a PDF, PNG or JPEG/);
    expect((await refusal(importWetSigned(store, "globex", document!.id, scan, { ...options, signedOn: "2026-11-30" }))).message).toMatch(/between the request/);
    const signature = await importWetSigned(store, "globex", document!.id, scan, options);
    expect(signature).toMatchObject({ method: "wet-ink", signerName: "Hank Scorpio", signedAt: "2026-11-24T00:00:00.000Z", recordedBy: "cli:sam" });
    expect(await store.acks.get("globex", document!.id)).toMatchObject({ status: "wet-signed" });
    expect(await store.acks.pdf("globex", document!.id, "signed")).toEqual(new Uint8Array(scan));
    expect((await refusal(importWetSigned(store, "globex", document!.id, scan, options))).code).toBe("conflict");
    expect((await store.audit.list("globex")).at(-1)).toMatchObject({ kind: "ack.signed", actor: "cli:sam", data: { method: "wet-ink", signer: "Hank Scorpio" } });
  });

  it("asks for a baseline, not a periodic acknowledgement, when nothing is open", async () => {
    expect((await refusal(request("empty"))).code).toBe("conflict");
    const baseline = await request("empty", { kind: "baseline" });
    const open = await openAcknowledgement(store, baseline.token, later(1));
    expect(open.view.report.title).toBe("Onboarding IT Risk Acknowledgement");
    const result = (await sign(baseline.token, { name: "E. Mpty", title: "Owner", consent: "yes" })) as SignedAck;
    expect(result.decisions).toEqual([]);
    expect((await verifySignedPdf(result.pdf)).valid).toBe(true);
  });
});
