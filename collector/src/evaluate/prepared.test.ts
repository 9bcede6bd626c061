import { describe, expect, it } from "vitest";
import { digestScan, evaluateEndpoint, findingsFromDigests, type ScanDigest } from "./evaluate.js";
import { assembleFindings, prepareEndpoint } from "./prepared.js";
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
    const expected = JSON.stringify(findingsFromDigests(digests, options));
    const byEndpoint = new Map<string, ScanDigest[]>();
    for (const d of digests) byEndpoint.set(d.endpoint.id, [...(byEndpoint.get(d.endpoint.id) ?? []), d]);
    const prepared = [...byEndpoint.values()].map((history) => prepareEndpoint(evaluateEndpoint(history, options)));
    const assembled = assembleFindings(prepared, digests.length, options);
    expect(assembled.text).toBe(expected);
    expect(assembleFindings([...prepared].reverse(), digests.length, options).text).toBe(expected);
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
    expect(assembleFindings([], 0, options).text).toBe(JSON.stringify(findingsFromDigests([], options)));
  });
});
