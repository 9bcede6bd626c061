// The MSP dashboard: sign-in, the clients overview and one client's page, server-rendered with no script.
// A session cookie (HttpOnly, SameSite=Strict, Secure behind https) carries a secret stored only as its
// hash; every form that changes something carries a CSRF token (an HMAC of that secret) and is refused
// when the browser says it comes from another origin.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ReportRenderer } from "../../../reports/src/report.js";
import { CLIENT_SLUG } from "../domain/client-slug.js";
import { acknowledgementPdf, checkAckRequest, requestAcknowledgement } from "../service/acks.js";
import { requireClient } from "../service/catalogs.js";
import { clientDashboard, clientSummaries } from "../service/dashboard.js";
import { ServiceError } from "../service/errors.js";
import type { Evaluator } from "../service/evaluation.js";
import { addNote, NOTE_CHANNELS } from "../service/notes.js";
import { csrfToken, csrfValid, sessionUser, SESSION_HOURS, SignInThrottle, signIn, signOut } from "../service/users.js";
import type { Store, UserRecord } from "../store/types.js";
import { clientView, overviewView, type PageFrame } from "./dashboard-view.js";
import { sendPdf } from "./ack-routes.js";
import { loadPages, sendPage, type PageName } from "./pages.js";

export interface DashboardRouteOptions {
  store: Store;
  evaluator: Evaluator;
  now: () => Date;
  renderer: () => Promise<ReportRenderer>;
  publicUrl?: string;
  /** An advised risk with no answer after this many days counts as ignored (serve --ignore-after). */
  ignoreAfterDays: number;
  parseForm: (request: FastifyRequest) => URLSearchParams;
}

interface Signed {
  user: UserRecord;
  secret: string;
}

export function registerDashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions): void {
  const { store, now } = options;
  // __Host- cookies must be Secure, and then the browser pins them to this host and path /.
  const secure = options.publicUrl?.startsWith("https://") ?? false;
  const cookieName = secure ? "__Host-caveat_session" : "caveat_session";
  const throttle = new SignInThrottle();

  const render = async (reply: FastifyReply, status: number, name: PageName, context: Record<string, unknown>) => sendPage(reply, status, (await loadPages()).render(name, { ...context, sameOriginReferrer: true }), "same-origin");
  const message = (reply: FastifyReply, status: number, heading: string, text: string, link?: { href: string; label: string }) =>
    render(reply, status, "message", { heading, message: text, msp: { name: "caveat" }, link });

  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    reply.header("set-cookie", `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`);

  const cookieOf = (request: FastifyRequest): string | undefined => {
    for (const part of String(request.headers.cookie ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim();
    }
    return undefined;
  };

  /** The signed-in user, or a redirect to the sign-in page (GET) / a refusal (anything else). */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined> => {
    const secret = cookieOf(request);
    const found = await sessionUser(store, secret, now());
    if (found) return { user: found.user, secret: secret! };
    if (request.method === "GET") {
      const next = request.url.startsWith("/dashboard") ? `?next=${encodeURIComponent(request.url)}` : "";
      void reply.code(303).header("location", `/login${next}`).header("cache-control", "no-store").send();
    } else {
      await message(reply, 401, "Signed out", "Your session ended, so nothing was changed. Sign in again and repeat the change.", { href: "/login", label: "Sign in" });
    }
    return undefined;
  };

  /** A form that changes something: same origin (when the browser says) and the session's CSRF token. */
  const changeAllowed = async (request: FastifyRequest, reply: FastifyReply, signed: Signed, form: URLSearchParams): Promise<boolean> => {
    if (sameOrigin(request) && csrfValid(signed.secret, form.get("_csrf"))) return true;
    await message(reply, 403, "This form expired", "The form was not sent from this dashboard, or it is older than your session, so nothing was changed. Go back, reload the page and try again.", { href: "/dashboard", label: "Back to the dashboard" });
    return false;
  };

  const frameOf = (signed: Signed): PageFrame => ({ user: { name: signed.user.name, email: signed.user.email }, csrf: csrfToken(signed.secret), now: now() });
  const actorOf = (signed: Signed) => `user:${signed.user.email}`;
  const slugParam = (request: FastifyRequest) => {
    const slug = (request.params as { slug: string }).slug;
    if (!CLIENT_SLUG.test(slug)) throw new ServiceError("not_found", `no client "${slug}"`);
    return slug;
  };

  const clientPage = async (reply: FastifyReply, signed: Signed, slug: string, status = 200, extra: Record<string, unknown> = {}) => {
    const data = await clientDashboard(store, slug, { now: now(), ignoreAfterDays: options.ignoreAfterDays });
    return render(reply, status, "client", clientView(data, frameOf(signed), { channels: NOTE_CHANNELS.map((c) => ({ value: c, selected: c === (extra.noteChannel ?? "phone") })), ...extra }));
  };

  /** A missing client is a page, not JSON: the dashboard is for people. */
  const pageErrors = async (reply: FastifyReply, work: () => Promise<unknown>) => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ServiceError && error.code === "not_found") return message(reply, 404, "Not found", error.message, { href: "/dashboard", label: "Back to the clients" });
      throw error;
    }
  };

  app.get("/", async (_request, reply) => reply.code(303).header("location", "/dashboard").send());

  app.get("/login", async (request, reply) => {
    if (await sessionUser(store, cookieOf(request), now())) return reply.code(303).header("location", "/dashboard").send();
    return render(reply, 200, "login", { title: "Sign in", next: safeNext((request.query as { next?: unknown }).next) });
  });

  app.post("/login", async (request, reply) => {
    const form = options.parseForm(request);
    const email = (form.get("email") ?? "").slice(0, 254);
    const next = safeNext(form.get("next"));
    if (!sameOrigin(request)) return message(reply, 403, "Sign-in refused", "The sign-in form was not sent from this site.");
    const wait = throttle.waitMs(request.ip, email, now());
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      void reply.header("retry-after", String(Math.ceil(wait / 1000)));
      return render(reply, 429, "login", { title: "Sign in", email, next, error: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` });
    }
    try {
      const { secret, user } = await signIn(store, email, form.get("password") ?? "", { ip: request.ip, userAgent: request.headers["user-agent"], now: now() });
      throttle.succeeded(request.ip, email);
      request.log.info({ user: user.email, ip: request.ip }, "dashboard sign-in");
      setCookie(reply, secret, SESSION_HOURS * 3600);
      return reply.code(303).header("location", next).header("cache-control", "no-store").send();
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== "unauthorized") throw error;
      throttle.failed(request.ip, email, now());
      request.log.warn({ email, ip: request.ip }, "dashboard sign-in failed");
      return render(reply, 401, "login", { title: "Sign in", email, next, error: error.message });
    }
  });

  app.post("/logout", async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    if (!(await changeAllowed(request, reply, signed, options.parseForm(request)))) return reply;
    await signOut(store, signed.secret, now());
    setCookie(reply, "", 0);
    return reply.code(303).header("location", "/login").send();
  });

  app.get("/dashboard", async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    return render(reply, 200, "dashboard", overviewView(await clientSummaries(store, { now: now(), ignoreAfterDays: options.ignoreAfterDays }), frameOf(signed)));
  });

  app.get("/dashboard/clients/:slug", async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    return pageErrors(reply, () => clientPage(reply, signed, slugParam(request)));
  });

  /** A form on a client's page that changes something: signed in, CSRF and origin checked, the client's slug valid. */
  const clientForm = (path: string, handle: (reply: FastifyReply, signed: Signed, slug: string, form: URLSearchParams) => Promise<unknown>) =>
    app.post(`/dashboard/clients/:slug/${path}`, async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      const form = options.parseForm(request);
      if (!(await changeAllowed(request, reply, signed, form))) return reply;
      return pageErrors(reply, () => handle(reply, signed, slugParam(request), form));
    });

  clientForm("notes", async (reply, signed, slug, form) => {
    const input = { date: form.get("date") || undefined, channel: form.get("channel") ?? "", who: form.get("who") ?? "", summary: form.get("summary") ?? "" };
    try {
      await addNote(store, slug, input, actorOf(signed), now());
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== "invalid_request") throw error;
      return clientPage(reply, signed, slug, 400, { noteError: error.message, noteDate: input.date, noteChannel: input.channel, noteWho: input.who, noteSummary: input.summary });
    }
    return reply.code(303).header("location", `/dashboard/clients/${slug}#notes`).send();
  });

  clientForm("acks", async (reply, signed, slug, form) => {
    const kept = { ackEmail: form.get("signerEmail") ?? "", ackExpires: form.get("expiresDays") ?? "14", ackAccept: form.get("acceptDays") ?? "365", ackBaseline: form.get("kind") === "baseline" };
    try {
      const days = (name: string, fallback: number) => {
        const raw = form.get(name);
        if (raw === null || raw === "") return fallback;
        if (!/^\d{1,4}$/.test(raw)) throw new ServiceError("invalid_request", `${name === "expiresDays" ? "the link's lifetime" : "the accept period"}: expected a whole number of days`);
        return Number(raw);
      };
      // Checked before Chromium starts.
      const request = { signerEmail: kept.ackEmail.trim() || undefined, expiresDays: days("expiresDays", 14), acceptDays: days("acceptDays", 365) };
      checkAckRequest(request);
      await requireClient(store, slug);
      const issued = await requestAcknowledgement(store, options.evaluator, await options.renderer(), slug, {
        ...request,
        kind: kept.ackBaseline ? "baseline" : "periodic",
        actor: actorOf(signed),
        now: now(),
      });
      const path = `/sign/${issued.token}`;
      return clientPage(reply, signed, slug, 201, { issued: { id: issued.document.id, link: options.publicUrl ? `${options.publicUrl.replace(/\/+$/, "")}${path}` : path, expires: issued.document.expiresAt.slice(0, 10) } });
    } catch (error) {
      if (!(error instanceof ServiceError) || (error.code !== "invalid_request" && error.code !== "conflict")) throw error;
      return clientPage(reply, signed, slug, error.status, { ackError: error.message, ...kept });
    }
  });

  for (const which of ["report", "signed"] as const) {
    app.get(`/dashboard/clients/:slug/acks/:id/${which}.pdf`, async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      return pageErrors(reply, async () => {
        const { pdf, filename } = await acknowledgementPdf(store, slugParam(request), (request.params as { id: string }).id, which);
        return sendPdf(reply, pdf, filename);
      });
    });
  }
}

/** Where to go after signing in: a dashboard path only, never another site (an open redirect). */
function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/dashboard(?:[/?#][^\s\\]*)?$/.test(value) && !value.startsWith("//") ? value : "/dashboard";
}

/** False when the browser says the request comes from another origin (Origin, else Sec-Fetch-Site). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (typeof origin === "string" && origin !== "null") {
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
  if (origin === "null") return false;
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin" || site === "none";
}
