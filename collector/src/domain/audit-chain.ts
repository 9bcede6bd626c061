// The audit log's hash chain, as pure functions. Every event of a client carries the SHA-256 of the
// event before it, so editing, deleting or reordering any stored event breaks every hash after it.
// Removing the newest events leaves a shorter valid chain: that is caught by comparing with a head
// recorded earlier (an export, a printed report), which is why verify can take an expected head.
import { createHash } from "node:crypto";

export const GENESIS = "0".repeat(64);

export interface AuditEventInput {
  /** ISO 8601 UTC. */
  at: string;
  /** Who did it: "cli:alice", "token:<id>", "system". */
  actor: string;
  /** What happened: client.created, catalog.changed, waiver.added, token.issued, report.issued... */
  kind: string;
  data: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  clientSlug: string;
  /** 1, 2, 3... per client, without gaps. */
  seq: number;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function eventHash(clientSlug: string, seq: number, prevHash: string, event: AuditEventInput): string {
  const body = canonicalJson({ client: clientSlug, seq, prev: prevHash, at: event.at, actor: event.actor, kind: event.kind, data: event.data });
  return createHash("sha256").update(body).digest("hex");
}

export function chainEvent(clientSlug: string, previous: Pick<AuditEvent, "seq" | "hash"> | undefined, event: AuditEventInput): AuditEvent {
  const seq = (previous?.seq ?? 0) + 1;
  const prevHash = previous?.hash ?? GENESIS;
  const { at, actor, kind, data } = event;
  return { clientSlug, seq, prevHash, hash: eventHash(clientSlug, seq, prevHash, event), at, actor, kind, data };
}

export interface ChainProblem {
  seq: number;
  problem: string;
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  /** The newest event's hash: record it somewhere else to detect a later truncation. */
  head: string;
  problems: ChainProblem[];
}

/** Checks one client's events in seq order; `expectedHead` (seq and hash recorded earlier) must still be in the chain. */
export function verifyChain(clientSlug: string, events: readonly AuditEvent[], expectedHead?: { seq: number; hash: string }): ChainCheck {
  const problems: ChainProblem[] = [];
  let prevHash = GENESIS;
  let expectedSeq = 1;
  for (const e of events) {
    if (e.clientSlug !== clientSlug) problems.push({ seq: e.seq, problem: `belongs to client ${e.clientSlug}` });
    if (e.seq !== expectedSeq) problems.push({ seq: e.seq, problem: e.seq > expectedSeq ? `events ${expectedSeq}..${e.seq - 1} are missing` : `out of order (expected ${expectedSeq})` });
    if (e.prevHash !== prevHash) problems.push({ seq: e.seq, problem: "does not follow the event before it (an event before it was changed, removed or inserted)" });
    if (eventHash(clientSlug, e.seq, e.prevHash, e) !== e.hash) problems.push({ seq: e.seq, problem: "was changed after it was recorded (its hash does not match its content)" });
    prevHash = e.hash;
    expectedSeq = e.seq + 1;
  }
  if (expectedHead) {
    const found = events.find((e) => e.seq === expectedHead.seq);
    if (!found) problems.push({ seq: expectedHead.seq, problem: `the recorded head (event ${expectedHead.seq}) is missing: the newest events were removed` });
    else if (found.hash !== expectedHead.hash) problems.push({ seq: expectedHead.seq, problem: "differs from the recorded head" });
  }
  return { ok: problems.length === 0, events: events.length, head: events.length ? events[events.length - 1]!.hash : GENESIS, problems };
}
