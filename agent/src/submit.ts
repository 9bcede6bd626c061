// Sending inventories to the collector: one POST (submitInventory), its answer sorted into accepted /
// permanent / temporary (classifyAnswer), and the spool flushed oldest first (flushSpool).
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { isDue, nextRetryState, type Spool, type SpoolItem } from "./spool.js";
import { AGENT_VERSION } from "./version.js";

const gzip = promisify(gzipCallback);

/** Bodies above this are gzipped: an inventory with 850 packages shrinks from ~115 KB to ~13 KB. */
export const GZIP_MIN_BYTES = 8 * 1024;
export const DEFAULT_SUBMIT_TIMEOUT_MS = 60_000;
/** Enough for any answer the collector gives; more is not read (a misconfigured URL serving a big page). */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** How much of an error answer is kept in logs and rejected/*.error.json. */
const MAX_ERROR_TEXT = 4000;

export interface SubmitOptions {
  timeoutMs?: number;
  /** Gzip bodies above GZIP_MIN_BYTES (default true). */
  gzip?: boolean;
  /** The document's scanId: an accepting answer that names another scan is not trusted. */
  scanId?: string;
  now?: () => Date;
}

export type SubmitResult =
  | { outcome: "accepted"; status: number; duplicate: boolean; answer: unknown; gzipped: boolean }
  | { outcome: "permanent"; status: number; error: unknown; summary: string }
  | { outcome: "temporary"; status?: number; summary: string; retryAfterMs?: number };

/**
 * POSTs one inventory. Never throws for anything the network or the collector does: every such case
 * is an answer (temporary when it might work later). The token appears in no message it returns.
 */
export async function submitInventory(url: string | URL, token: string, body: string | Uint8Array, options: SubmitOptions = {}): Promise<SubmitResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SUBMIT_TIMEOUT_MS;
  const raw = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const compress = (options.gzip ?? true) && raw.byteLength > GZIP_MIN_BYTES;
  const payload = compress ? await gzip(raw) : raw;
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    accept: "application/json",
    "user-agent": `caveat-agent/${AGENT_VERSION}`,
  };
  if (compress) headers["content-encoding"] = "gzip";
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: payload,
      // A redirect would carry the token to wherever it points; the URL must be the final one.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readAnswer(response);
    const result = classifyAnswer({
      status: response.status,
      contentType: response.headers.get("content-type") ?? undefined,
      retryAfter: response.headers.get("retry-after") ?? undefined,
      location: response.headers.get("location") ?? undefined,
      text,
      scanId: options.scanId,
      now: (options.now ?? (() => new Date()))(),
    });
    if (result.outcome === "accepted") return { ...result, gzipped: compress };
    return { ...result, summary: redact(result.summary, token) };
  } catch (error) {
    if (!isNetworkError(error)) throw error;
    return { outcome: "temporary", summary: redact(describeNetworkError(error, timeoutMs), token) };
  }
}

export interface CollectorAnswer {
  status: number;
  contentType?: string;
  retryAfter?: string;
  location?: string;
  text: string;
  scanId?: string;
  now: Date;
}

/**
 * The collector's contract: 201 created / 200 duplicate both mean accepted for good. 408, 425, 429
 * and 5xx are temporary (retry later, after Retry-After when given); every other 4xx is permanent for
 * this document. A 2xx that is not the collector's JSON (a captive portal's login page) is not trusted:
 * deleting the inventory on its word would lose it.
 */
export function classifyAnswer(answer: CollectorAnswer): Omit<Extract<SubmitResult, { outcome: "accepted" }>, "gzipped"> | Exclude<SubmitResult, { outcome: "accepted" }> {
  const { status } = answer;
  const body = parseJsonObject(answer.text);
  if (status >= 200 && status < 300) {
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(answer.contentType ?? "")) {
      return { outcome: "temporary", status, summary: `HTTP ${status} with ${answer.contentType ? `a ${answer.contentType.split(";")[0]}` : "an untyped"} answer, not the collector's JSON (a proxy or captive portal in the way?)` };
    }
    const answeredScanId = typeof body?.scanId === "string" ? body.scanId : undefined;
    if (answer.scanId && answeredScanId && answeredScanId.toLowerCase() !== answer.scanId.toLowerCase()) {
      return { outcome: "temporary", status, summary: `HTTP ${status} naming scan ${answeredScanId}, not the one sent (${answer.scanId})` };
    }
    return { outcome: "accepted", status, duplicate: body?.status === "duplicate", answer: body };
  }
  if (status >= 300 && status < 400) {
    return {
      outcome: "temporary",
      status,
      summary: `HTTP ${status} redirect${answer.location ? ` to ${answer.location}` : ""}: redirects are not followed (the token would go along); configure the final URL`,
    };
  }
  const error = body ?? truncate(answer.text.trim(), MAX_ERROR_TEXT);
  const summary = `HTTP ${status}${describeErrorBody(body, answer.text)}`;
  if (status === 408 || status === 425 || status === 429 || (status >= 500 && status < 600)) {
    const retryAfterMs = answer.retryAfter === undefined ? undefined : parseRetryAfter(answer.retryAfter, answer.now);
    return retryAfterMs === undefined ? { outcome: "temporary", status, summary } : { outcome: "temporary", status, summary: `${summary} (retry after ${Math.ceil(retryAfterMs / 1000)} s)`, retryAfterMs };
  }
  if (status >= 400 && status < 500) return { outcome: "permanent", status, error, summary };
  return { outcome: "temporary", status, summary };
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when it is neither. */
export function parseRetryAfter(value: string, now: Date): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Replaces every occurrence of the token (a header-injection error, a server echoing it back). */
export function redact(text: string, token: string): string {
  return token.length === 0 ? text : text.split(token).join("[token]");
}

/** redact() through every string of a parsed JSON value. */
export function redactValue(value: unknown, token: string): unknown {
  if (typeof value === "string") return redact(value, token);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, token));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, token), redactValue(v, token)]));
  return value;
}

function describeErrorBody(body: Record<string, unknown> | undefined, text: string): string {
  if (body) {
    const code = typeof body.error === "string" ? body.error : undefined;
    const message = typeof body.message === "string" ? body.message : undefined;
    if (code || message) return ` ${[code, message].filter(Boolean).join(": ")}`;
  }
  const line = text.trim().split("\n")[0] ?? "";
  return line ? ` ${truncate(line, 200)}` : "";
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Reads at most MAX_ANSWER_BYTES of the answer. */
async function readAnswer(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total >= MAX_ANSWER_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8");
}

/** fetch rejects with TypeError for network failures and with a TimeoutError/AbortError DOMException. */
function isNetworkError(error: unknown): error is Error {
  return error instanceof TypeError || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
}

function describeNetworkError(error: Error, timeoutMs: number): string {
  if (error.name === "TimeoutError" || error.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  // undici: TypeError("fetch failed") whose cause is the system error (ECONNREFUSED, ENOTFOUND, a TLS error).
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    // fetch refuses ports of other protocols (25, 6000...) with just "bad port".
    if (cause.message === "bad port") return "fetch refuses to connect to this port (reserved for another protocol); use another port";
    const message = cause.message || error.message;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return error.message;
}

export interface FlushOptions {
  url: string | URL;
  token: string;
  timeoutMs?: number;
  gzip?: boolean;
  /** The scan just taken: always tried, whatever the others' retry times. */
  fresh?: string;
  /** Only items whose next attempt time has come (a scheduled run); false tries all (a manual flush). */
  dueOnly: boolean;
  log: (line: string) => void;
  now?: () => Date;
  random?: () => number;
}

export interface FlushReport {
  accepted: Array<{ item: SpoolItem; status: number; duplicate: boolean }>;
  rejected: Array<{ item: SpoolItem; status: number; summary: string; path: string }>;
  /** The temporary failure that stopped this run, if any. */
  deferred?: { item: SpoolItem; summary: string; nextAttemptAt: string };
  /** Skipped because their next attempt time has not come. */
  notDue: SpoolItem[];
  /** Deleted because the spool was over its bounds after the run (each named in a warning). */
  dropped: SpoolItem[];
  /** Still in the spool after the run, oldest first. */
  remaining: SpoolItem[];
}

/**
 * Sends the spool oldest first. Accepted: deleted. Refused for good: moved to rejected/ with the answer.
 * Temporary failure: its retry state is updated and the run stops there, because the collector is down
 * or overloaded and the other items would only add to it. Then the spool's bounds are enforced.
 */
export async function flushSpool(spool: Spool, options: FlushOptions): Promise<FlushReport> {
  const now = options.now ?? (() => new Date());
  const report: FlushReport = { accepted: [], rejected: [], notDue: [], dropped: [], remaining: [] };
  for (const item of await spool.list()) {
    if (report.deferred) break;
    if (options.dueOnly && item.name !== options.fresh && !isDue(item.state, now())) {
      report.notDue.push(item);
      continue;
    }
    const body = await spool.read(item.name);
    if (!body) continue; // another agent run sent or dropped it meanwhile
    const result = await submitInventory(options.url, options.token, body, { timeoutMs: options.timeoutMs, gzip: options.gzip, scanId: item.scanId, now });
    const label = `scan ${item.scanId} (collected ${item.collectedAt})`;
    if (result.outcome === "accepted") {
      await spool.remove(item.name);
      report.accepted.push({ item, status: result.status, duplicate: result.duplicate });
      options.log(`sent ${label}: HTTP ${result.status} ${result.duplicate ? "duplicate (the collector already had it)" : "accepted"}`);
    } else if (result.outcome === "permanent") {
      const attempts = item.state.attempts + 1;
      // The answer is saved as given, except a token a careless server might echo back.
      const error = redactValue(result.error, options.token);
      await spool.reject(item.name, { rejectedAt: now().toISOString(), url: String(options.url), status: result.status, error, attempts });
      const path = join(spool.rejectedDir, item.name);
      report.rejected.push({ item, status: result.status, summary: result.summary, path });
      options.log(`the collector refused ${label}: ${result.summary}; moved to ${path}, its answer beside it`);
    } else {
      const state = nextRetryState(item.state, now(), result.summary, result.retryAfterMs, options.random);
      await spool.recordFailure(item.name, state);
      report.deferred = { item: { ...item, state }, summary: result.summary, nextAttemptAt: state.nextAttemptAt! };
      options.log(`could not submit ${label}: ${result.summary}; it waits in the spool (attempt ${state.attempts}, next attempt after ${state.nextAttemptAt})`);
    }
  }
  // Bounds last: whatever the collector took no longer counts, and the fresh scan is never the one dropped.
  report.dropped = await spool.enforceBounds(options.fresh);
  report.remaining = await spool.list();
  return report;
}
