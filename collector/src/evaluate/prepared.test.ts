import { describe, expect, it } from "vitest";
import { digestScan, evaluateEndpoint, findingsFromDigests, type ScanDigest } from "./evaluate.js";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { assembleFindings, Chunks, prepareEndpoint, TextSink } from "./prepared.js";
import { FLASH, MINIMAL_CATALOG, optionsFor, scanOf, WINDOWS_7 } from "./test-support.js";

// Hostnames the collator orders unlike code units (case, digits as numbers, accents), history with drift,
// a waiver that holds and one that expired, a denied title installed twice, a client name and a generator.
const CATALOG = `${MINIMAL_CATALOG}name: "Acme Dental \\"North\\" <Ltd>"
software:
  mode: allowlist
  allow: [ { name: "Google Chrome" } ]
  deny: [ { name: "AnyDesk", reason: "Unmanaged remote access" } ]
waivers:
  - { rule: os.end-of-life, endpoint: "reception-*", subject: "*", justification: "X-ray software", acceptedBy: "J. Doe", accepted: 2026-01-10, expires: 2027-01-10 }
  - { rule: software.end-of-life, endpoint: "*", subject: "Adobe Flash Player", justification: "Old kiosk", acceptedBy: "J. Doe", accepted: 2025-01-10, expires: 2026-01-10 }
`;

function fleet(): ScanDigest[] {
  const options = optionsFor(CATALOG);
  const scans = [
    scanOf({ id: "a0000000-0000-4000-8000-000000000001", hostname: "PC-10", software: [{ name: "Google Chrome" }, { name: "AnyDesk" }, { name: "AnyDesk", scope: "user", user: "bob" }] }),
    scanOf({ id: "a0000000-0000-4000-8000-000000000002", hostname: "pc-2", os: WINDOWS_7, software: [FLASH, { name: "Zoom \u00e9dition \u{1F600}" }] }),
    scanOf({ id: "a0000000-0000-4000-8000-000000000003", hostname: "Reception-1", os: WINDOWS_7, collectedAt: "2026-11-01T09:00:00Z", software: [{ name: "Google Chrome" }, { name: "7-Zip 9.20", version: "9.20" }] }),
    scanOf({ id: "a0000000-0000-4000-8000-000000000003", hostname: "Reception-1", os: WINDOWS_7, collectedAt: "2026-11-08T09:00:00Z", software: [{ name: "Google Chrome" }, { name: "AnyDesk" }], endpoint: { serial: "NEWBOARD1" } }),
    scanOf({ id: "a0000000-0000-4000-8000-000000000003", hostname: "Reception-1", os: WINDOWS_7, collectedAt: "2026-10-01T09:00:00Z", software: [{ name: "Notepad++" }] }),
    scanOf({ id: "a0000000-0000-4000-8000-000000000004", hostname: "\u00c9COLE-PC", collectedAt: "2026-09-01T09:00:00Z", endpoint: { serial: "To Be Filled By O.E.M." } }),
  ];
  return scans.map((scan) => digestScan(scan, options));
}

describe("findings assembled from prepared parts", () => {
  it("is byte for byte the serialised findings document, whatever order the endpoints come in", () => {
    const options = { ...optionsFor(CATALOG), generator: "caveat test" };
    const digests = fleet();
    const expected = `${JSON.stringify(findingsFromDigests(digests, options))}\n`;
    const byEndpoint = new Map<string, ScanDigest[]>();
    for (const d of digests) byEndpoint.set(d.endpoint.id, [...(byEndpoint.get(d.endpoint.id) ?? []), d]);
    // Two sinks, as two threads would fill them; each endpoint's text goes to one of them.
    const sinks = [new TextSink(0), new TextSink(7)];
    const prepared = [...byEndpoint.values()].map((history, i) => prepareEndpoint(evaluateEndpoint(history, options), sinks[i % 2]!));
    const chunks = new Chunks();
    for (const sink of sinks) chunks.add(sink.id, sink.take(true));
    const assembled = assembleFindings(prepared, chunks, digests.length, options);
    expect(assembled.bytes.toString("utf8")).toBe(expected);
    expect(assembleFindings([...prepared].reverse(), chunks, digests.length, options).bytes.toString("utf8")).toBe(expected);
    // The scenario exercises what the text must carry: drift, a waiver that holds, one that expired.
    const parsed = JSON.parse(expected);
    expect(parsed.findings.map((f: { rule: string }) => f.rule)).toEqual(expect.arrayContaining(["software.new", "software.removed", "hardware.changed", "software.denied", "software.unapproved", "hardware.unidentified", "endpoint.stale"]));
    expect(parsed.findings.some((f: { waived: boolean }) => f.waived)).toBe(true);
    expect(parsed.findings.some((f: { waiverExpired?: unknown }) => f.waiverExpired)).toBe(true);
    expect(parsed.clientName).toBe('Acme Dental "North" <Ltd>');
    expect(assembled.findings.map((f) => f.id)).toEqual(parsed.findings.map((f: { id: string }) => f.id));
    expect(assembled.summary).toEqual(parsed.summary);
  });

  it("assembles an empty fleet as the serialiser would", () => {
    const options = optionsFor(MINIMAL_CATALOG);
    expect(assembleFindings([], new Chunks(), 0, options).bytes.toString("utf8")).toBe(`${JSON.stringify(findingsFromDigests([], options))}\n`);
  });
});

describe("TextSink", () => {
  it("keeps text as UTF-8 across chunks and hands filled chunks over as they fill, the last one at the end", () => {
    const sink = new TextSink(3);
    const big = "x".repeat(1_500_000); // three of these do not fit one 4 MiB chunk at 3 bytes per unit
    const texts = [big, `\u00e9\u{1F600}${big}`, "short", big, "\u2122 end"];
    const spans = texts.map((t) => sink.put(t));
    expect(new Set(spans.map((s) => s.chunk)).size).toBeGreaterThan(1);
    const { port1, port2 } = new MessageChannel();
    // What a worker does: filled chunks while it runs, then the rest; transferred, so the sender loses them.
    for (const all of [false, true]) {
      const handed = sink.take(all);
      port1.postMessage(handed, handed);
      expect(handed.every((b) => b.byteLength === 0)).toBe(true);
    }
    const chunks = new Chunks();
    for (let m = receiveMessageOnPort(port2); m; m = receiveMessageOnPort(port2)) chunks.add(3, m.message as ArrayBuffer[]);
    port1.close();
    expect(spans.map((s) => chunks.chunk(s).toString("utf8", s.start, s.end))).toEqual(texts);
    expect(sink.take(true)).toEqual([]);
  });

  it("says so when text points into a chunk that was never handed over", () => {
    const sink = new TextSink(1);
    const span = sink.put("lost");
    expect(() => new Chunks().chunk(span)).toThrow(/sink 1, chunk 0 was not handed over/);
  });
});
