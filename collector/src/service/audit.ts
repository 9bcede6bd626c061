// The audit trail of everything done for a client: who changed what and when (client created, catalog
// and waivers changed, procurement register replaced, agent tokens issued and revoked, reports issued).
// Stored per client as a hash chain (domain/audit-chain.ts): `caveat audit verify` detects an edited or
// deleted event, and `caveat audit export` is the evidence pack.
import { createHash } from "node:crypto";
import { userInfo } from "node:os";
import type { Catalog } from "../../../schemas/catalog.v1.js";
import { canonicalJson, verifyChain, type AuditEvent, type ChainCheck } from "../domain/audit-chain.js";
import type { AckDocument, AckSignature, Client, ClientNote, Store } from "../store/types.js";
import { ServiceError } from "./errors.js";

type Waiver = NonNullable<Catalog["waivers"]>[number];

/** Who runs the CLI: the account name, so the trail says which administrator did it. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli:unknown";
  }
}

export function recordAudit(store: Store, slug: string, kind: string, data: Record<string, unknown>, actor: string, now: Date): Promise<AuditEvent> {
  return store.audit.append(slug, { at: now.toISOString(), actor, kind, data });
}

export async function createClient(store: Store, client: Client, actor: string): Promise<boolean> {
  if (!(await store.clients.create(client))) return false;
  await recordAudit(store, client.slug, "client.created", { name: client.name }, actor, new Date(client.createdAt));
  return true;
}

/** A catalog upload: one catalog.changed event, and one waiver.added / waiver.removed per waiver that changed. */
export async function recordCatalogChange(store: Store, slug: string, previous: Catalog | undefined, next: Catalog, source: string, actor: string, now: Date): Promise<void> {
  const key = (w: Waiver) => canonicalJson(w);
  const before = new Map((previous?.waivers ?? []).map((w) => [key(w), w]));
  const after = new Map((next.waivers ?? []).map((w) => [key(w), w]));
  const added = [...after].filter(([k]) => !before.has(k)).map(([, w]) => w);
  const removed = [...before].filter(([k]) => !after.has(k)).map(([, w]) => w);
  await recordAudit(store, slug, "catalog.changed", { sha256: sha256(source), waivers: next.waivers?.length ?? 0, waiversAdded: added.length, waiversRemoved: removed.length }, actor, now);
  for (const waiver of added) await recordAudit(store, slug, "waiver.added", { ...waiver }, actor, now);
  for (const waiver of removed) await recordAudit(store, slug, "waiver.removed", { ...waiver }, actor, now);
}

/** Revokes a token; an agent token's revocation goes into its client's trail. False when no such active token. */
export async function revokeToken(store: Store, id: string, actor: string, now: Date): Promise<boolean> {
  const token = (await store.tokens.list()).find((t) => t.id === id);
  if (!(await store.tokens.revoke(id, now.toISOString()))) return false;
  if (token?.clientSlug) await recordAudit(store, token.clientSlug, "token.revoked", { tokenId: id, ...(token.label ? { label: token.label } : {}) }, actor, now);
  return true;
}

export interface AuditExport {
  schema: "caveat.audit-export/v1";
  client: Client;
  exportedAt: string;
  verification: ChainCheck;
  /** Acknowledgement documents, newest first, each with its signature when signed. */
  acknowledgements: (Omit<AckDocument, "tokenHash"> & { signature: AckSignature | null })[];
  /** The communications log, oldest first. */
  notes: ClientNote[];
  events: AuditEvent[];
}

export async function verifyClientAudit(store: Store, slug: string, expectedHead?: { seq: number; hash: string }): Promise<ChainCheck> {
  if (!(await store.clients.get(slug))) throw new ServiceError("not_found", `no client "${slug}"`);
  return verifyChain(slug, await store.audit.list(slug), expectedHead);
}

export async function exportClientAudit(store: Store, slug: string, now: Date): Promise<AuditExport> {
  const client = await store.clients.get(slug);
  if (!client) throw new ServiceError("not_found", `no client "${slug}"`);
  const [events, documents, notes] = await Promise.all([store.audit.list(slug), store.acks.list(slug), store.notes.list(slug)]);
  const acknowledgements = await Promise.all(documents.map(async ({ tokenHash: _hidden, ...d }) => ({ ...d, signature: (await store.acks.signature(slug, d.id)) ?? null })));
  return { schema: "caveat.audit-export/v1", client, exportedAt: now.toISOString(), verification: verifyChain(slug, events), acknowledgements, notes, events };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
