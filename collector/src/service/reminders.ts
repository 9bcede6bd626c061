// Reminders that accepted risks are about to expire, or have: queued in the outbox once per waiver and
// stage (the dedupe key holds across collector instances and restarts), then delivered by webhook and/or
// email with retries. A waiver counts as expired from its expiry day on, as in evaluation (expires <= as-of).
import { createHash, createHmac, randomUUID } from "node:crypto";
import { createTransport } from "nodemailer";
import type { Waiver } from "../../../schemas/catalog.v1.js";
import { canonicalJson } from "../domain/audit-chain.js";
import type { Client, OutboxMessage, Store } from "../store/types.js";
import { recordAudit } from "./audit.js";
import { signedWaivers } from "./evaluation.js";

export const REMINDER_ACTOR = "collector:reminders";
export type ReminderKind = "waiver.expiring" | "waiver.expired";

export interface ReminderPayload {
  client: { slug: string; name: string };
  waiver: {
    rule: string;
    endpoint: string;
    /** Acknowledgement waivers name one endpoint by id; its hostname when it was signed. */
    hostname?: string;
    subject: string;
    acceptedBy: string;
    accepted: string;
    expires: string;
    ref?: string;
    source: "catalog" | "acknowledgement";
  };
  /** Days from today (UTC) to the expiry day; 0 or less once expired. */
  daysLeft: number;
  text: string;
}

export interface QueueCounts {
  clients: number;
  waivers: number;
  expiring: number;
  expired: number;
}

const DAY_MS = 86_400_000;

/** Queues the reminders due at `now` for every client's waivers (catalog and signed); already queued ones are skipped. */
export async function queueWaiverReminders(store: Store, now: Date, options: { warnDays?: number } = {}): Promise<QueueCounts> {
  const warnDays = options.warnDays ?? 30;
  const today = now.toISOString().slice(0, 10);
  const counts: QueueCounts = { clients: 0, waivers: 0, expiring: 0, expired: 0 };
  for (const client of await store.clients.list()) {
    counts.clients++;
    for (const { waiver, source, hostname } of await waiversOf(store, client.slug)) {
      counts.waivers++;
      const daysLeft = Math.round((Date.parse(waiver.expires) - Date.parse(today)) / DAY_MS);
      const kind: ReminderKind | undefined = daysLeft <= 0 ? "waiver.expired" : daysLeft <= warnDays ? "waiver.expiring" : undefined;
      if (!kind) continue;
      const payload = reminderPayload(client, waiver, source, hostname, kind, daysLeft);
      const id = randomUUID();
      const stage = kind === "waiver.expired" ? "waiver-expired" : "waiver-expiring";
      const queued = await store.outbox.enqueue({ id, clientSlug: client.slug, kind, dedupeKey: `${stage}:${client.slug}:${waiverKey(waiver)}:${waiver.expires}`, payload: { ...payload }, createdAt: now.toISOString() });
      if (!queued) continue;
      counts[kind === "waiver.expired" ? "expired" : "expiring"]++;
      await recordAudit(store, client.slug, "reminder.queued", { kind, outboxId: id, waiver: payload.waiver, expires: waiver.expires }, REMINDER_ACTOR, now);
    }
  }
  return counts;
}

/** What identifies a waiver across catalog uploads: a changed expiry or reference is a new waiver (and new reminders). */
export function waiverKey(waiver: Pick<Waiver, "rule" | "endpoint" | "subject" | "expires" | "ref">): string {
  const identity = { rule: waiver.rule, endpoint: waiver.endpoint ?? "*", subject: waiver.subject ?? "*", expires: waiver.expires, ref: waiver.ref ?? "" };
  return createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 32);
}

async function waiversOf(store: Store, slug: string): Promise<{ waiver: Waiver; source: ReminderPayload["waiver"]["source"]; hostname?: string }[]> {
  const [stored, decisions] = await Promise.all([store.catalogs.get(slug), store.acks.decisions(slug)]);
  const hostnames = new Map(decisions.map((d) => [d.endpointId, d.hostname]));
  return [
    ...(stored?.catalog.waivers ?? []).map((waiver) => ({ waiver, source: "catalog" as const })),
    ...signedWaivers(decisions).map((waiver) => ({ waiver, source: "acknowledgement" as const, hostname: hostnames.get(waiver.endpoint ?? "") })),
  ];
}

function reminderPayload(client: Client, waiver: Waiver, source: ReminderPayload["waiver"]["source"], hostname: string | undefined, kind: ReminderKind, daysLeft: number): ReminderPayload {
  const endpoint = waiver.endpoint ?? "*";
  const subject = waiver.subject ?? "*";
  const where = hostname ? `${hostname} (${endpoint})` : endpoint === "*" ? "every endpoint" : `endpoints matching ${endpoint}`;
  const what = `The acceptance of "${subject}" (${waiver.rule}) on ${where} by ${waiver.acceptedBy}${waiver.ref ? ` (${waiver.ref})` : ""}`;
  const when = kind === "waiver.expired" ? `expired on ${waiver.expires}; the finding is open again` : `expires on ${waiver.expires}, in ${daysLeft} day${daysLeft === 1 ? "" : "s"}`;
  return {
    client: { slug: client.slug, name: client.name },
    waiver: { rule: waiver.rule, endpoint, ...(hostname ? { hostname } : {}), subject, acceptedBy: waiver.acceptedBy, accepted: waiver.accepted, expires: waiver.expires, ...(waiver.ref ? { ref: waiver.ref } : {}), source },
    daysLeft,
    text: `${what} ${when}. The risk comes back for a new decision: request a new acknowledgement with caveat ack request --client ${client.slug}`,
  };
}

export interface ReminderChannels {
  webhook?: { url: string; secret?: string };
  /** url: smtp://user:pass@host:port or smtps://...; handed to nodemailer as is. */
  smtp?: { url: string; from: string; to: string[] };
}

export interface DeliveryCounts {
  delivered: number;
  retrying: number;
  failed: number;
}

const WEBHOOK_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;

/**
 * Tries every due message once on every configured channel. A message is delivered when all channels
 * took it; otherwise it is tried again later on all of them (so a webhook receiver must be idempotent on
 * the message id), 1 min, 2, 4 ... at most 6 h apart, and given up after maxAttempts.
 */
export async function deliverOutbox(store: Store, now: Date, channels: ReminderChannels, options: { maxAttempts?: number; limit?: number } = {}): Promise<DeliveryCounts> {
  const maxAttempts = options.maxAttempts ?? 8;
  const counts: DeliveryCounts = { delivered: 0, retrying: 0, failed: 0 };
  // Without a channel nothing is tried: the messages wait until one is configured.
  if (!channels.webhook && !channels.smtp) return counts;
  const due = await store.outbox.due(now.toISOString(), options.limit ?? 100);
  if (due.length === 0) return counts;
  const mailer = channels.smtp ? createTransport(channels.smtp.url) : undefined;
  try {
    for (const message of due) {
      const errors: string[] = [];
      if (channels.webhook) {
        const error = await postWebhook(channels.webhook, message);
        if (error) errors.push(`webhook: ${error}`);
      }
      if (channels.smtp && mailer) {
        const payload = message.payload as unknown as ReminderPayload;
        await mailer
          .sendMail({ from: channels.smtp.from, to: channels.smtp.to, subject: mailSubject(message.kind, payload), text: payload.text })
          .catch((error: unknown) => errors.push(`smtp: ${(error as Error).message}`));
      }
      const attempts = message.attempts + 1;
      const channelNames = [...(channels.webhook ? ["webhook"] : []), ...(channels.smtp ? ["smtp"] : [])];
      const event = { outboxId: message.id, kind: message.kind, attempts, channels: channelNames };
      if (errors.length === 0) {
        await store.outbox.markDelivered(message.id, now.toISOString());
        await recordAudit(store, message.clientSlug, "reminder.sent", event, REMINDER_ACTOR, now);
        counts.delivered++;
      } else if (attempts >= maxAttempts) {
        await store.outbox.markFailed(message.id, errors.join("; "), undefined, now.toISOString());
        // Only the giving up is in the trail: one event per message, not one per retry.
        await recordAudit(store, message.clientSlug, "reminder.failed", { ...event, error: errors.join("; ") }, REMINDER_ACTOR, now);
        counts.failed++;
      } else {
        const next = new Date(now.getTime() + retryDelayMs(attempts)).toISOString();
        await store.outbox.markFailed(message.id, errors.join("; "), next, now.toISOString());
        counts.retrying++;
      }
    }
  } finally {
    mailer?.close();
  }
  return counts;
}

/** The wait after the n-th failed attempt: 1 min, 2, 4 ... at most 6 h. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (failedAttempts - 1), LONGEST_RETRY_MS);
}

export function mailSubject(kind: string, payload: ReminderPayload): string {
  const verb = kind === "waiver.expired" ? "expired on" : "expires on";
  return `[caveat] ${payload.client.name}: risk acceptance ${verb} ${payload.waiver.expires}`;
}

/** The webhook body, and its signature when a secret is set: HMAC-SHA256 of the exact body, hex. */
export function webhookRequest(message: OutboxMessage, secret?: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ id: message.id, kind: message.kind, client: message.clientSlug, createdAt: message.createdAt, payload: message.payload });
  const headers: Record<string, string> = { "content-type": "application/json", "x-caveat-event": message.kind, "x-caveat-delivery": message.id };
  if (secret) headers["x-caveat-signature"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return { body, headers };
}

/** Posts one message; returns why it was not accepted (undefined on 2xx). */
async function postWebhook(webhook: NonNullable<ReminderChannels["webhook"]>, message: OutboxMessage): Promise<string | undefined> {
  const { body, headers } = webhookRequest(message, webhook.secret);
  try {
    const response = await fetch(webhook.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    if ((error as Error).name === "TimeoutError") return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}
