// Tokens: 256 random bits, shown once, stored only as SHA-256 (fast lookup; no salt is needed for
// random secrets of this size). The prefix says what a token is when it turns up in a log or a ticket.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Store, TokenKind, TokenRecord } from "../store/types.js";
import { recordAudit } from "./audit.js";
import { ServiceError } from "./errors.js";

const PREFIX: Record<TokenKind, string> = { agent: "cvt_agent_", admin: "cvt_admin_" };

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface IssuedToken {
  /** The secret: shown once, never stored. */
  token: string;
  record: TokenRecord;
}

export async function issueToken(store: Store, options: { kind: TokenKind; clientSlug?: string; label?: string; expiresAt?: string; now: Date; actor?: string }): Promise<IssuedToken> {
  if (options.expiresAt !== undefined) {
    const expires = Date.parse(options.expiresAt);
    if (!(expires > options.now.getTime()) || !(expires <= Date.parse("9999-12-31T23:59:59Z"))) {
      throw new ServiceError("invalid_request", "expiresAt: expected a moment after now and before the year 10000");
    }
  }
  if (options.kind === "agent") {
    if (!options.clientSlug) throw new ServiceError("invalid_request", "an agent token belongs to one client: name it");
    if (!(await store.clients.get(options.clientSlug))) throw new ServiceError("not_found", `no client "${options.clientSlug}"`);
  }
  const token = `${PREFIX[options.kind]}${randomBytes(32).toString("base64url")}`;
  const record: TokenRecord = {
    id: randomUUID(),
    kind: options.kind,
    ...(options.kind === "agent" ? { clientSlug: options.clientSlug } : {}),
    hash: hashToken(token),
    ...(options.label ? { label: options.label } : {}),
    createdAt: options.now.toISOString(),
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
  };
  await store.tokens.create(record);
  if (record.clientSlug) {
    await recordAudit(store, record.clientSlug, "token.issued", { tokenId: record.id, ...(record.label ? { label: record.label } : {}), ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}) }, options.actor ?? "system", options.now);
  }
  return { token, record };
}

/** The token behind an Authorization header, or a 401 that does not say which check failed. */
export async function authenticate(store: Store, authorization: string | undefined, now: Date): Promise<TokenRecord> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw new ServiceError("unauthorized", "send the token as: Authorization: Bearer <token>");
  const record = await store.tokens.findByHash(hashToken(match[1]!));
  // One message for unknown, revoked and expired tokens: a caller learns nothing about other tokens.
  if (!record || record.revokedAt || (record.expiresAt && !(Date.parse(record.expiresAt) > now.getTime()))) {
    throw new ServiceError("unauthorized", "the token is not valid (unknown, revoked or expired)");
  }
  return record;
}
