// The collector's HTTP API (fastify: schema-free here because documents are validated by the contract
// validators, but its body limits, content-type parsing and error hooks are what a server needs).
// Routes decode the request, call a service and encode the answer; nothing else lives here.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { gunzipSync, inflateSync } from "node:zlib";
import { ServiceError } from "../service/errors.js";
import { authenticate } from "../service/tokens.js";
import { ingestInventory } from "../service/ingest.js";
import { putCatalog, putProcurement, requireClient } from "../service/catalogs.js";
import { issueToken } from "../service/tokens.js";
import { createClient, exportClientAudit, revokeToken } from "../service/audit.js";
import type { Evaluator } from "../service/evaluation.js";
import type { Store, TokenRecord } from "../store/types.js";
import { DatabaseUnavailableError } from "../store/sql/errors.js";
import { Metrics } from "./metrics.js";
import { CLIENT_SLUG } from "../domain/client-slug.js";
import { AGENT_VERSION } from "../../../agent/src/version.js";
import { createReportRenderer, type ReportRenderer } from "../../../reports/src/report.js";
import type { SigningIdentity } from "../../../reports/src/pdf-signature.js";
import { registerAckRoutes } from "./ack-routes.js";
import { registerDashboardRoutes } from "./dashboard-routes.js";
import { addNote } from "../service/notes.js";

export interface ServerOptions {
  store: Store;
  evaluator: Evaluator;
  /** Largest accepted body, compressed or not (default 8 MiB: a 10,000-package server is ~3 MiB). */
  bodyLimit?: number;
  /** Inventories processed at once; more get 503 with Retry-After (default 64): bounds memory under a flood. */
  maxConcurrentIngests?: number;
  /** Trust X-Forwarded-For from a reverse proxy in front (default false: the socket address is logged). */
  trustProxy?: boolean;
  now?: () => Date;
  /** fastify's logger (pino); false in tests. */
  logger?: boolean;
  /** The MSP's certificate that seals signed acknowledgements (caveat serve --signing-key). */
  identity?: SigningIdentity;
  /** Makes the renderer of acknowledgement PDFs (Chromium); called at the first request that needs one, closed with the server. */
  renderer?: () => Promise<ReportRenderer>;
  /** The collector's public address, for signing links handed out by the API. */
  publicUrl?: string;
  /** Dashboard: an advised risk with no answer after this many days counts as ignored (default 30). */
  ignoreAfterDays?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

declare module "fastify" {
  interface FastifyRequest {
    token?: TokenRecord;
  }
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const { store, evaluator } = options;
  const now = options.now ?? (() => new Date());
  const bodyLimit = options.bodyLimit ?? 8 * 1024 * 1024;
  const maxIngests = options.maxConcurrentIngests ?? 64;
  let ingesting = 0;
  const metrics = new Metrics();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    requestTimeout: 120_000,
    connectionTimeout: 120_000,
    // Errors fastify raises before routing (a malformed URL, an oversized parameter) in the same JSON shape.
    frameworkErrors: (error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      const code = status >= 400 && status < 500 ? status : 400;
      void (reply as FastifyReply).code(code).send({ error: clientErrorCode(code), message: error.message });
    },
  });

  // Bodies are decoded here (gzip and deflate, bounded after inflation: a 10 KiB gzip bomb must not
  // become 10 GiB) and handed to routes as text; the services parse and validate them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(["application/json", "text/csv", "text/plain", "text/yaml", "application/yaml", "application/x-yaml"], { parseAs: "buffer" }, (request, body, done) => {
    try {
      done(null, decodeBody(request, body as Buffer, bodyLimit));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // HTML forms (the signing page, the dashboard) only: every other route takes documents, and answers a form with 415.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (request, body, done) => {
    try {
      done(null, new FormBody(new URLSearchParams(decodeBody(request, body as Buffer, bodyLimit).text)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` });
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ServiceError) return reply.code(error.status).send({ error: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) });
    if (error instanceof DatabaseUnavailableError || isSqliteUnavailable(error)) {
      if (!(error instanceof BusyError)) request.log.error({ err: error }, "database unavailable");
      const busy = error instanceof BusyError;
      return reply.code(503).header("retry-after", busy ? "10" : "30").send({ error: busy ? "busy" : "unavailable", message: busy ? "the collector is busy; retry later" : "the collector's database is unavailable; retry later" });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = error instanceof BodyError ? error.code : clientErrorCode(status);
      return reply.code(status).send({ error: code, message: (error as Error).message });
    }
    request.log.error({ err: error }, "internal error");
    return reply.code(500).send({ error: "internal", message: "internal error; the collector logged it" });
  });

  const admin = async (request: FastifyRequest) => {
    const token = await authenticate(store, request.headers.authorization, now());
    if (token.kind !== "admin") throw new ServiceError("forbidden", "this needs an admin token; agent tokens only submit inventories");
    request.token = token;
  };
  /** Who did it, for the audit trail: the admin token's id (its label too, when it has one). */
  const actorOf = (request: FastifyRequest) => `token:${request.token!.id}${request.token!.label ? ` (${request.token!.label})` : ""}`;
  const slugOf = async (request: FastifyRequest) => {
    const slug = (request.params as { slug: string }).slug;
    if (!CLIENT_SLUG.test(slug)) throw new ServiceError("not_found", `no client "${slug}"`);
    await requireClient(store, slug);
    return slug;
  };

  app.get("/healthz", async (_request, reply) => {
    await store.clients.get("healthz-probe");
    return reply.send({ status: "ok", database: store.kind, version: AGENT_VERSION });
  });

  app.get("/metrics", async (_request, reply) => {
    const memory = process.memoryUsage();
    return reply.type("text/plain; version=0.0.4").send(metrics.render({ process_resident_memory_bytes: memory.rss, nodejs_heap_used_bytes: memory.heapUsed }));
  });

  // Tokens are checked on request, before the body is read and decompressed: a caller without a valid
  // token cannot make the collector inflate megabytes.
  const agent = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.token = await authenticate(store, request.headers.authorization, now());
    } catch (error) {
      metrics.ingest("rejected", 0);
      throw error;
    }
    // Counted from here (before the body is read) to the response: bodies in memory are bounded.
    if (ingesting >= maxIngests) throw new BusyError();
    ingesting++;
    reply.raw.once("close", () => ingesting--);
  };

  app.post("/api/v1/inventories", { onRequest: agent }, async (request, reply) => {
    const started = performance.now();
    try {
      const token = request.token!;
      const result = await ingestInventory(store, evaluator, token, receivedBody(request), now());
      metrics.ingest(result.status, (performance.now() - started) / 1000);
      // Recorded at most once a minute per token: every agent of a client shares it, and each write costs an fsync.
      const at = now();
      if (!token.lastUsedAt || Date.parse(token.lastUsedAt) < at.getTime() - 60_000) {
        void store.tokens.touch(token.id, at.toISOString()).catch((error: unknown) => request.log.warn({ err: error }, "could not record token use"));
      }
      return reply.code(result.status === "created" ? 201 : 200).send(result);
    } catch (error) {
      metrics.ingest("rejected", 0);
      throw error;
    }
  });

  app.get("/api/v1/clients", { onRequest: admin }, async () => ({ clients: await store.clients.list() }));

  app.post("/api/v1/clients", { onRequest: admin }, async (request, reply) => {
    const body = jsonBody(request) as { slug?: unknown; name?: unknown };
    if (typeof body.slug !== "string" || !CLIENT_SLUG.test(body.slug)) throw new ServiceError("invalid_request", "slug: expected lowercase letters, digits and inner hyphens (e.g. acme-dental)");
    if (typeof body.name !== "string" || body.name.trim() === "" || body.name.length > 256) throw new ServiceError("invalid_request", "name: expected the client's name (1 to 256 characters)");
    const client = { slug: body.slug, name: body.name.trim(), createdAt: now().toISOString() };
    if (!(await createClient(store, client, actorOf(request)))) throw new ServiceError("conflict", `client "${body.slug}" exists already`);
    return reply.code(201).send(client);
  });

  app.get("/api/v1/clients/:slug", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    const [client, endpoints, catalog] = await Promise.all([store.clients.get(slug), store.endpoints.list(slug), store.catalogs.get(slug)]);
    return { ...client, endpoints: endpoints.length, catalogUpdatedAt: catalog?.updatedAt ?? null };
  });

  app.put("/api/v1/clients/:slug/catalog", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    return putCatalog(store, evaluator, slug, bodyText(request), now(), undefined, actorOf(request));
  });

  app.get("/api/v1/clients/:slug/catalog", { onRequest: admin }, async (request, reply) => {
    const slug = await slugOf(request);
    const stored = await store.catalogs.get(slug);
    if (!stored) throw new ServiceError("not_found", `client "${slug}" has no catalog`);
    return reply.send({ catalog: stored.catalog, procurement: stored.procurement, updatedAt: stored.updatedAt });
  });

  app.put("/api/v1/clients/:slug/procurement", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    return putProcurement(store, evaluator, slug, bodyText(request), now(), actorOf(request));
  });

  app.post("/api/v1/clients/:slug/tokens", { onRequest: admin }, async (request, reply) => {
    const slug = await slugOf(request);
    const body = request.body === undefined || request.body === null ? {} : (jsonBody(request) as { label?: unknown; expiresAt?: unknown });
    if (body.label !== undefined && (typeof body.label !== "string" || body.label.length > 256)) throw new ServiceError("invalid_request", "label: expected text up to 256 characters");
    if (body.expiresAt !== undefined && (typeof body.expiresAt !== "string" || Number.isNaN(Date.parse(body.expiresAt)))) throw new ServiceError("invalid_request", "expiresAt: expected an ISO 8601 date-time");
    const issued = await issueToken(store, { kind: "agent", clientSlug: slug, label: body.label as string | undefined, expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt as string).toISOString(), now: now(), actor: actorOf(request) });
    return reply.code(201).send({ token: issued.token, id: issued.record.id, client: slug, expiresAt: issued.record.expiresAt ?? null });
  });

  app.delete("/api/v1/tokens/:id", { onRequest: admin }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!UUID.test(id) || !(await revokeToken(store, id, actorOf(request), now()))) throw new ServiceError("not_found", "no such active token");
    return reply.code(204).send();
  });

  app.get("/api/v1/clients/:slug/endpoints", { onRequest: admin }, async (request) => ({ endpoints: await store.endpoints.list(await slugOf(request)) }));

  app.get("/api/v1/clients/:slug/endpoints/:id/scans", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    const { id } = request.params as { id: string };
    if (!(await store.endpoints.get(slug, id))) throw new ServiceError("not_found", `no endpoint ${id} for client "${slug}"`);
    return { scans: await store.scans.list(slug, { endpointId: id, limit: limitOf(request) }) };
  });

  app.get("/api/v1/clients/:slug/scans/:scanId", { onRequest: admin }, async (request, reply) => {
    const slug = await slugOf(request);
    const text = await store.scans.inventoryText(slug, (request.params as { scanId: string }).scanId);
    if (text === undefined) throw new ServiceError("not_found", "no such scan for this client");
    return reply.type("application/json").send(text);
  });

  app.get("/api/v1/clients/:slug/findings", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    const findings = await store.findings.current(slug);
    return { client: slug, findings };
  });

  app.get("/api/v1/clients/:slug/audit", { onRequest: admin }, async (request) => exportClientAudit(store, await slugOf(request), now()));

  app.get("/api/v1/clients/:slug/notes", { onRequest: admin }, async (request) => ({ notes: await store.notes.list(await slugOf(request)) }));

  app.post("/api/v1/clients/:slug/notes", { onRequest: admin }, async (request, reply) => {
    const slug = await slugOf(request);
    const body = jsonBody(request) as Record<string, unknown>;
    for (const key of ["channel", "who", "summary"]) if (typeof body[key] !== "string") throw new ServiceError("invalid_request", `${key}: expected text`);
    if (body.date !== undefined && typeof body.date !== "string") throw new ServiceError("invalid_request", "date: expected YYYY-MM-DD");
    const note = await addNote(store, slug, { date: body.date as string | undefined, channel: body.channel as string, who: body.who as string, summary: body.summary as string }, actorOf(request), now());
    return reply.code(201).send(note);
  });

  app.get("/api/v1/clients/:slug/findings/history", { onRequest: admin }, async (request) => {
    const slug = await slugOf(request);
    const since = (request.query as { since?: unknown }).since;
    if (since !== undefined && (typeof since !== "string" || Number.isNaN(Date.parse(since)))) throw new ServiceError("invalid_request", "since: expected one ISO 8601 date or date-time");
    return { client: slug, scans: await store.findings.history(slug, { since: since === undefined ? undefined : new Date(since).toISOString(), limit: limitOf(request) }) };
  });

  // One renderer (one Chromium) for the server's life, started by the first request that needs it.
  const makeRenderer = options.renderer ?? (() => createReportRenderer());
  let renderer: Promise<ReportRenderer> | undefined;
  app.addHook("onClose", async () => {
    if (renderer) await (await renderer.catch(() => undefined))?.close();
  });
  const sharedRenderer = () => {
    if (!renderer) {
      renderer = makeRenderer();
      renderer.catch(() => (renderer = undefined));
    }
    return renderer;
  };
  const parseForm = (request: FastifyRequest) => {
    if (request.body instanceof FormBody) return request.body.params;
    throw new BodyError(415, "unsupported_media_type", "send the form as application/x-www-form-urlencoded");
  };
  registerAckRoutes(app, { store, evaluator, now, identity: options.identity, renderer: sharedRenderer, publicUrl: options.publicUrl, admin, actorOf, slugOf, parseForm, jsonBody });
  registerDashboardRoutes(app, { store, evaluator, now, renderer: sharedRenderer, publicUrl: options.publicUrl, ignoreAfterDays: options.ignoreAfterDays ?? 30, parseForm });

  return app;
}

/** A decoded request body; `gzip` keeps the bytes as sent when they came gzipped (stored as received). */
class ReceivedBody {
  constructor(
    readonly text: string,
    readonly gzip?: Buffer,
  ) {}
}

function decodeBody(request: FastifyRequest, raw: Buffer, limit: number): ReceivedBody {
  const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  let bytes: Buffer;
  try {
    if (encoding === "gzip" || encoding === "x-gzip") bytes = gunzipSync(raw, { maxOutputLength: limit });
    else if (encoding === "deflate") bytes = inflateSync(raw, { maxOutputLength: limit });
    else if (encoding === "identity") bytes = raw;
    else throw new BodyError(415, "unsupported_encoding", `Content-Encoding ${encoding} is not supported: send gzip, deflate or nothing`);
  } catch (error) {
    if (error instanceof BodyError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) throw new BodyError(413, "too_large", `the decompressed body is larger than ${limit} bytes`);
    throw new BodyError(400, "invalid_request", `the body is not valid ${encoding} data`);
  }
  try {
    return new ReceivedBody(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding === "gzip" || encoding === "x-gzip" ? raw : undefined);
  } catch {
    throw new BodyError(400, "invalid_request", "the body is not valid UTF-8");
  }
}

/** A submitted HTML form, decoded. */
class FormBody {
  constructor(readonly params: URLSearchParams) {}
}

/** A 4xx raised while parsing a body, before a route runs (fastify passes statusCode through). */
class BodyError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Too many inventories in flight: the agent retries later (it spools meanwhile). */
class BusyError extends DatabaseUnavailableError {
  constructor() {
    super("the collector", "busy with other inventories");
  }
}

/** SQLite waited busy_timeout for a lock, or the disk is full: temporary, like an unreachable database. */
function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)/.test(code);
}

function bodyText(request: FastifyRequest): string {
  return receivedBody(request).text;
}

function receivedBody(request: FastifyRequest): ReceivedBody {
  if (request.body instanceof ReceivedBody) return request.body;
  if (request.body instanceof FormBody) throw new BodyError(415, "unsupported_media_type", "a form body is not accepted here: send the document (Content-Type application/json, or text/yaml / text/csv where documented)");
  throw new ServiceError("invalid_request", "send the document as the request body (Content-Type application/json, or text/yaml / text/csv where documented)");
}

function jsonBody(request: FastifyRequest): unknown {
  try {
    const value: unknown = JSON.parse(bodyText(request));
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("expected a JSON object");
    return value;
  } catch (error) {
    throw new ServiceError("invalid_request", `the body is not a JSON object: ${(error as Error).message}`);
  }
}

function limitOf(request: FastifyRequest): number | undefined {
  const raw = (request.query as { limit?: string }).limit;
  if (raw === undefined) return undefined;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1) throw new ServiceError("invalid_request", "limit: expected a whole number from 1");
  return Number(raw);
}

const CLIENT_ERRORS: Record<number, string> = { 400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 408: "timeout", 409: "conflict", 411: "length_required", 413: "too_large", 415: "unsupported_media_type", 429: "too_many_requests" };

function clientErrorCode(status: number): string {
  return CLIENT_ERRORS[status] ?? "invalid_request";
}

export type { FastifyInstance, FastifyReply };
