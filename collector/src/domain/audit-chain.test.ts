import { describe, expect, it } from "vitest";
import { canonicalJson, chainEvent, GENESIS, verifyChain, type AuditEvent } from "./audit-chain.js";

function chain(n: number, client = "acme"): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let i = 0; i < n; i++) events.push(chainEvent(client, events[i - 1], { at: `2026-11-2${i}T10:00:00.000Z`, actor: "cli:sam", kind: "waiver.added", data: { n: i, subject: "Windows 7" } }));
  return events;
}

describe("audit chain", () => {
  it("hashes the same event the same way whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    const a = chainEvent("acme", undefined, { at: "t", actor: "x", kind: "k", data: { a: 1, b: 2 } });
    const b = chainEvent("acme", undefined, { at: "t", actor: "x", kind: "k", data: { b: 2, a: 1 } });
    expect(a.hash).toBe(b.hash);
    expect(a).toMatchObject({ seq: 1, prevHash: GENESIS });
  });

  it("verifies an untouched chain and reports its head", () => {
    const events = chain(5);
    expect(verifyChain("acme", events)).toEqual({ ok: true, events: 5, head: events[4]!.hash, problems: [] });
  });

  it("detects an edited event", () => {
    const events = chain(5);
    events[2] = { ...events[2]!, data: { n: 2, subject: "Windows 10" } };
    expect(verifyChain("acme", events).problems).toEqual([{ seq: 3, problem: "was changed after it was recorded (its hash does not match its content)" }]);
  });

  it("detects an edited event whose hash was recomputed too: the next one no longer follows", () => {
    const events = chain(5);
    events[2] = chainEvent("acme", events[1], { ...events[2]!, actor: "cli:mallory" });
    expect(verifyChain("acme", events).problems).toEqual([{ seq: 4, problem: "does not follow the event before it (an event before it was changed, removed or inserted)" }]);
  });

  it("detects a deleted event", () => {
    const events = chain(5);
    events.splice(1, 1);
    const problems = verifyChain("acme", events).problems;
    expect(problems).toContainEqual({ seq: 3, problem: "events 2..2 are missing" });
    expect(problems).toContainEqual({ seq: 3, problem: "does not follow the event before it (an event before it was changed, removed or inserted)" });
  });

  it("detects removed newest events only against a head recorded earlier", () => {
    const events = chain(5);
    const head = { seq: 5, hash: events[4]!.hash };
    expect(verifyChain("acme", events.slice(0, 3)).ok).toBe(true);
    expect(verifyChain("acme", events.slice(0, 3), head).problems).toEqual([{ seq: 5, problem: "the recorded head (event 5) is missing: the newest events were removed" }]);
    expect(verifyChain("acme", events, head).ok).toBe(true);
  });

  it("binds each event to its client: a chain copied to another client does not verify", () => {
    expect(verifyChain("globex", chain(2, "acme")).ok).toBe(false);
  });
});
