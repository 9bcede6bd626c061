// Acknowledgement routes: the signing page a client opens from its link (no login: the link's token is
// the key, and it opens one document of one client), and the admin API an MSP uses to request
// acknowledgements and fetch the signed PDFs. Public pages answer in HTML, also when they refuse.
import Handlebars from "handlebars";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { addDays, formatDate } from "../../../reports/src/model.js";
import type { ReportRenderer } from "../../../reports/src/report.js";
import type { SigningIdentity } from "../../../reports/src/pdf-signature.js";
import { acknowledgementDocument, acknowledgementPdf, decidable, documentForLink, openAcknowledgement, recordView, requestAcknowledgement, signAcknowledgement, type FormProblems, type OpenAck, type SigningForm } from "../service/acks.js";
import { recordAudit } from "../service/audit.js";
import { ServiceError } from "../service/errors.js";
import type { Evaluator } from "../service/evaluation.js";
import type { AckKind, Store } from "../store/types.js";
import { loadPages, safeColor, sendPage } from "./pages.js";

export interface AckRouteOptions {
  store: Store;
  evaluator: Evaluator;
  now: () => Date;
  /** Signing needs the MSP's certificate; without it the signing page says the service is not set up. */
  identity?: SigningIdentity;
  /** The report renderer (Chromium), started at the first request that needs it. */
  renderer: () => Promise<ReportRenderer>;
  /** The collector's public address, for the links the API hands out (https://caveat.example.com). */
  publicUrl?: string;
  admin: (request: FastifyRequest) => Promise<void>;
  actorOf: (request: FastifyRequest) => string;
  slugOf: (request: FastifyRequest) => Promise<string>;
  parseForm: (request: FastifyRequest) => URLSearchParams;
  jsonBody: (request: FastifyRequest) => unknown;
}

/** How long after signing the signed copy can be downloaded with the link (then only the MSP has it). */
const SIGNED_DOWNLOAD_MS = 3_600_000;
const NEUTRAL = { msp: { name: "Risk acknowledgement", logo: null }, accentColor: "#1f4e79" };

export function registerAckRoutes(app: FastifyInstance, options: AckRouteOptions): void {
  const { store, now } = options;
  const tokenOf = (request: FastifyRequest) => (request.params as { token: string }).token;
  const meta = (request: FastifyRequest) => ({ ip: request.ip, ...(request.headers["user-agent"] ? { userAgent: String(request.headers["user-agent"]).slice(0, 512) } : {}) });

  const message = async (reply: FastifyReply, status: number, heading: string, text: string, look: { msp: unknown; accentColor: string } = NEUTRAL) =>
    sendPage(reply, status, (await loadPages()).render("message", { heading, message: text, ...look }));

  /** A refusal of the signing service, as a page; anything else is an error of the collector. */
  const refusal = async (reply: FastifyReply, request: FastifyRequest, error: unknown) => {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === "gone") {
      const details = error.details as { document?: string; reason?: string } | undefined;
      const document = await documentForLink(store, tokenOf(request));
      if (document) await recordAudit(store, document.clientSlug, "ack.link-refused", { document: document.id, reason: details?.reason ?? "gone", ...meta(request) }, "signing-page", now());
      return message(reply, 410, details?.reason === "expired" ? "This link has expired" : "Already signed", error.message);
    }
    if (error.code === "not_found") return message(reply, 404, "Link not valid", error.message);
    return message(reply, error.status, "This request cannot be completed", error.message);
  };

  const notSetUp = (reply: FastifyReply) =>
    message(reply, 503, "Signing is not available yet", "This signing service is not set up to take signatures yet. Please contact your IT provider; your link stays valid until the date they gave you.");

  app.get("/sign/:token", async (request, reply) => {
    if (!options.identity) return notSetUp(reply);
    try {
      const open = await openAcknowledgement(store, tokenOf(request), now());
      await recordView(store, open, meta(request), now());
      return sendPage(reply, 200, (await loadPages()).render("sign", signContext(open, tokenOf(request), {}, undefined, now())));
    } catch (error) {
      return refusal(reply, request, error);
    }
  });

  app.get("/sign/:token/report.pdf", async (request, reply) => {
    try {
      const open = await openAcknowledgement(store, tokenOf(request), now());
      const pdf = await store.acks.pdf(open.document.clientSlug, open.document.id, "report");
      return sendPdf(reply, pdf!, `${open.document.id}.pdf`);
    } catch (error) {
      return refusal(reply, request, error);
    }
  });

  app.post("/sign/:token", async (request, reply) => {
    if (!options.identity) return notSetUp(reply);
    const form = Object.fromEntries(options.parseForm(request)) as SigningForm;
    try {
      const result = await signAcknowledgement({ store, renderer: await options.renderer(), identity: options.identity }, tokenOf(request), form, meta(request), now());
      if ("fields" in result) return sendPage(reply, 400, (await loadPages()).render("sign", signContext(result.open, tokenOf(request), form, result, now())));
      const { report } = result.view;
      return sendPage(
        reply,
        200,
        (await loadPages()).render("done", {
          report,
          msp: report.msp,
          accentColor: safeColor(report.accentColor),
          signer: `${result.signature.signerName}, ${result.signature.signerTitle}`,
          signedAt: `${formatDate(result.signature.signedAt)}, ${result.signature.signedAt.slice(11, 19)} UTC`,
          accepted: result.decisions.filter((d) => d.decision === "accept").length,
          remediate: result.decisions.filter((d) => d.decision === "remediate").length,
          pdfSha256: result.signature.pdfSha256,
          signedLink: `./${encodeURIComponent(tokenOf(request))}/signed.pdf`,
        }),
      );
    } catch (error) {
      return refusal(reply, request, error);
    }
  });

  app.get("/sign/:token/signed.pdf", async (request, reply) => {
    const document = await documentForLink(store, tokenOf(request));
    if (!document) return message(reply, 404, "Link not valid", "This link is not valid.");
    if (document.status !== "signed" || !(Date.parse(document.signedAt!) + SIGNED_DOWNLOAD_MS > now().getTime())) {
      return message(reply, 410, "Download no longer available", "The signed copy can be downloaded for one hour after signing. Your IT provider keeps it: ask them for a copy.");
    }
    return sendPdf(reply, (await store.acks.pdf(document.clientSlug, document.id, "signed"))!, `${document.id}-signed.pdf`);
  });

  // Admin API.
  const { admin, actorOf, slugOf } = options;
  const documentOf = async (request: FastifyRequest) => acknowledgementDocument(store, await slugOf(request), (request.params as { id: string }).id);

  app.post("/api/v1/clients/:slug/acks", { onRequest: admin }, async (request, reply) => {
    const slug = await slugOf(request);
    const body = (request.body === undefined || request.body === null ? {} : options.jsonBody(request)) as { kind?: unknown; signerEmail?: unknown; expiresDays?: unknown; acceptDays?: unknown };
    if (body.kind !== undefined && body.kind !== "baseline" && body.kind !== "periodic") throw new ServiceError("invalid_request", 'kind: expected "periodic" (default) or "baseline"');
    if (body.signerEmail !== undefined && typeof body.signerEmail !== "string") throw new ServiceError("invalid_request", "signerEmail: expected an email address");
    for (const key of ["expiresDays", "acceptDays"] as const) {
      if (body[key] !== undefined && !Number.isInteger(body[key])) throw new ServiceError("invalid_request", `${key}: expected a whole number of days`);
    }
    const issued = await requestAcknowledgement(store, options.evaluator, await options.renderer(), slug, {
      kind: (body.kind as AckKind | undefined) ?? "periodic",
      signerEmail: body.signerEmail as string | undefined,
      expiresDays: body.expiresDays as number | undefined,
      acceptDays: body.acceptDays as number | undefined,
      actor: actorOf(request),
      now: now(),
    });
    const path = `/sign/${issued.token}`;
    return reply.code(201).send({
      document: withoutTokenHash(issued.document),
      token: issued.token,
      link: options.publicUrl ? `${options.publicUrl.replace(/\/+$/, "")}${path}` : path,
      skipped: issued.skipped,
    });
  });

  app.get("/api/v1/clients/:slug/acks", { onRequest: admin }, async (request) => ({ documents: (await store.acks.list(await slugOf(request))).map(withoutTokenHash) }));

  app.get("/api/v1/clients/:slug/acks/:id", { onRequest: admin }, async (request) => {
    const document = await documentOf(request);
    const [signature, decisions] = await Promise.all([store.acks.signature(document.clientSlug, document.id), store.acks.decisions(document.clientSlug, document.id)]);
    return { document: withoutTokenHash(document), signature: signature ?? null, decisions };
  });

  for (const which of ["report", "signed"] as const) {
    app.get(`/api/v1/clients/:slug/acks/:id/${which}.pdf`, { onRequest: admin }, async (request, reply) => {
      const { pdf, filename } = await acknowledgementPdf(store, await slugOf(request), (request.params as { id: string }).id, which);
      return sendPdf(reply, pdf, filename);
    });
  }
}

export function sendPdf(reply: FastifyReply, pdf: Uint8Array, filename: string): FastifyReply {
  return reply.code(200).header("content-type", "application/pdf").header("content-disposition", `attachment; filename="${filename}"`).header("cache-control", "no-store").header("x-content-type-options", "nosniff").send(Buffer.from(pdf));
}

function withoutTokenHash<T extends { tokenHash: string }>(document: T): Omit<T, "tokenHash"> {
  const { tokenHash: _hidden, ...rest } = document;
  return rest;
}

/** The signing page's context: the frozen report, each open finding with what was chosen so far and its problems. */
function signContext(open: OpenAck, token: string, form: SigningForm, problems: FormProblems | undefined, at: Date): Record<string, unknown> {
  const { report } = open.view;
  const errors = problems?.fields ?? {};
  const today = at.toISOString().slice(0, 10);
  const suggested = addDays(today, 30);
  const open_ = new Set(decidable(open.findings).map((f) => f.id));
  const sections = report.sections.map((section) => ({
    ...section,
    rows: section.rows
      .filter((row) => open_.has(row.id))
      .map((row) => ({
        ...row,
        remediate: form[`decision.${row.id}`] === "remediate",
        accept: form[`decision.${row.id}`] === "accept",
        by: form[`by.${row.id}`] ?? suggested,
        comment: form[`comment.${row.id}`] ?? "",
        decisionError: errors[`decision.${row.id}`],
        byError: errors[`by.${row.id}`],
        commentError: errors[`comment.${row.id}`],
      })),
  }));
  return {
    report,
    msp: report.msp,
    accentColor: safeColor(report.accentColor),
    sections,
    // Rendered by the report templates when the document was made (every value in it escaped then).
    statement: new Handlebars.SafeString(open.view.statementHtml),
    expires: `${formatDate(open.document.expiresAt)}`,
    today,
    latest: addDays(today, 365),
    acceptUntil: formatDate(addDays(today, open.document.acceptDays)),
    pdfLink: `./${encodeURIComponent(token)}/report.pdf`,
    formAction: `./${encodeURIComponent(token)}`,
    form: { name: form.name ?? "", title: form.title ?? "", email: form.email ?? open.document.signerEmail ?? "", consent: form.consent === "yes" },
    errors,
    problemCount: Object.keys(errors).length,
  };
}
