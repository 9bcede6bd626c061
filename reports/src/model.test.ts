import { describe, expect, it } from "vitest";
import { evaluateScans } from "../../collector/src/evaluate/evaluate.js";
import { optionsFor, scanOf } from "../../collector/src/evaluate/test-support.js";
import type { Findings } from "../../schemas/findings.v1.js";
import { DEFAULT_BRANDING } from "./branding.js";
import { buildReportModel, detailsOf, documentId, formatDate, plural, type ReportInput } from "./model.js";

const SHA = "d12dec71fa370763423e53340d9c4f5cc430bd9d7eaa52ff59ad766fb16a9aaa";

const CATALOG = `schema: caveat.catalog/v1
client: acme-dental
name: Acme Dental Practice
staleDays: 30
software:
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
procurement:
  - { serial: "REG-1", model: "OptiPlex 7010" }
waivers:
  - { rule: os.end-of-life, endpoint: "RECEPTION-*", subject: "*", justification: "X-ray software needs Windows 7", acceptedBy: "J. Doe, Practice Manager", accepted: 2026-01-10, expires: 2027-01-10, ref: ACK-1 }
  - { rule: software.end-of-life, endpoint: "*", subject: "Microsoft Office 2010", justification: "Old invoices", acceptedBy: "J. Doe", accepted: 2025-01-10, expires: 2026-01-10 }
`;

const W7 = { name: "Microsoft Windows 7 Professional", version: "6.1.7601", build: "7601", edition: "Professional", servicePack: "Service Pack 1" };
const W10 = { name: "Microsoft Windows 10 Pro", version: "10.0.19045", build: "19045.6456", edition: "Professional", displayVersion: "22H2" };

/** A small practice: a waived Windows 7, two Windows 10 past end of life, an expired Office waiver, a denied tool, unregistered hardware, a new install. */
function practice(): Findings {
  const id = (n: number) => `${n}1111111-1111-4111-8111-111111111111`;
  return evaluateScans(
    [
      scanOf({ id: id(1), hostname: "RECEPTION-PC", os: W7, endpoint: { serial: "REG-1" } }),
      scanOf({ id: id(2), hostname: "DR-SMITH-PC", os: W10, endpoint: { serial: "5CG-NOT-REGISTERED", manufacturer: "HP", model: "HP EliteBook 840 G8" }, software: [{ name: "Microsoft Office Professional Plus 2010", version: "14.0.7015.1000" }] }),
      scanOf({ id: id(3), hostname: "PC-10", os: W10, endpoint: { serial: "REG-1" }, collectedAt: "2026-11-01T09:00:00Z" }),
      scanOf({ id: id(3), hostname: "PC-10", os: W10, endpoint: { serial: "REG-1" }, software: [{ name: "TeamViewer 15", version: "15.60.3", publisher: "TeamViewer" }] }),
      scanOf({ id: id(4), hostname: "PC-2", os: { ...W10, build: "26200.7171", version: "10.0.26200", name: "Microsoft Windows 11 Pro" }, endpoint: { serial: "REG-1" } }),
    ],
    optionsFor(CATALOG),
  );
}

function input(findings: Findings, extra: Partial<ReportInput> = {}): ReportInput {
  return { findings, findingsSha256: SHA, branding: DEFAULT_BRANDING, reportDate: "2026-11-23", ...extra };
}

describe("report view model", () => {
  const findings = practice();
  const model = buildReportModel(input(findings));

  it("groups open findings into one section per rule, worst severity first", () => {
    const order = model.sections.map((s) => `${s.severity}:${s.rule}`);
    expect(order).toEqual(["critical:os.end-of-life", "high:software.end-of-life", "high:software.denied", "medium:hardware.unregistered"]);
    const severities = model.sections.map((s) => ["critical", "high", "medium", "low"].indexOf(s.severity));
    expect(severities).toEqual([...severities].sort((a, b) => a - b));
  });

  it("orders rows by subject then hostname the way people read (PC-2 before PC-10)", () => {
    const eol = model.sections.find((s) => s.rule === "os.end-of-life")!;
    expect(eol.rows.map((r) => r.hostname)).toEqual(["DR-SMITH-PC", "PC-10"]);
    expect(eol.scope).toBe("2 computers");
    expect(model.endpoints.map((e) => e.hostname)).toEqual(["DR-SMITH-PC", "PC-2", "PC-10", "RECEPTION-PC"]);
  });

  it("keeps waived findings out of the decisions and lists them with who accepted them and until when", () => {
    expect(model.sections.flatMap((s) => s.rows).some((r) => r.hostname === "RECEPTION-PC" && r.subject.includes("Windows 7"))).toBe(false);
    expect(model.waivers.active).toEqual([
      expect.objectContaining({ hostname: "RECEPTION-PC", acceptedBy: "J. Doe, Practice Manager", accepted: "10 January 2026", expires: "10 January 2027", ref: "ACK-1", title: "Operating system past end of life" }),
    ]);
  });

  it("asks again for a decision when a waiver has expired, and says so on the row and in the expired list", () => {
    const office = model.sections.find((s) => s.rule === "software.end-of-life")!.rows[0]!;
    expect(office.expiredWaiver).toBe("Accepted by J. Doe on 10 January 2025; that acceptance expired on 10 January 2026.");
    expect(model.waivers.expired).toEqual([expect.objectContaining({ hostname: "DR-SMITH-PC", subject: "Microsoft Office 2010", expires: "10 January 2026" })]);
    expect(model.summary.expiredWaivers).toBe(1);
  });

  it("lists information-only findings as changes, without a decision", () => {
    expect(model.changes.map((c) => `${c.kind}: ${c.hostname} ${c.subject}`)).toEqual(
      expect.arrayContaining(["Software installed since the previous scan: PC-10 TeamViewer 15", "New computer: DR-SMITH-PC DR-SMITH-PC"]),
    );
    expect(model.sections.some((s) => s.severity === "info")).toBe(false);
  });

  it("does not list every computer as new on a first check, and says it is one", () => {
    expect(model.firstCheck).toBe(false);
    const first = buildReportModel(input(evaluateScans([scanOf({ hostname: "A-PC" }), scanOf({ id: "21111111-1111-4111-8111-111111111111", hostname: "B-PC" })], optionsFor(CATALOG))));
    expect(first.firstCheck).toBe(true);
    expect(first.changes.filter((c) => c.kind === "New computer")).toEqual([]);
    expect(first.endpoints.map((e) => e.hostname)).toEqual(["A-PC", "B-PC"]);
  });

  it("counts open risks by severity for the summary and the chart, scaled to the largest", () => {
    expect(model.summary.severities.map((s) => [s.severity, s.count])).toEqual([["critical", 2], ["high", 2], ["medium", 1], ["low", 0]]);
    const bars = model.summary.chart.bars;
    expect(bars.map((b) => b.width)).toEqual([300, 300, 150, 0]);
    expect(bars[2]!.countX).toBe(model.summary.chart.labelWidth + 150 + 8);
    expect(model.summary.open).toBe(5);
    expect(model.summary.waived).toBe(1);
  });

  it("writes the headline in plain words with the urgent counts", () => {
    expect(model.summary.headline).toBe(
      "We checked 4 computers and found 5 risks that need your decision, on 2 computers; 2 critical and 2 high. 1 risk was accepted earlier and is listed for the record. 1 earlier acceptance has expired and needs a new decision.",
    );
    const clean = buildReportModel(input({ ...findings, findings: [] }));
    expect(clean.summary.headline).toBe("We checked 4 computers and found no open risks that need your decision.");
    expect(clean.sections).toEqual([]);
  });

  it("recommends per section, worst first, with what happens if nothing is done", () => {
    expect(model.summary.priorities[0]).toMatchObject({ title: "Operating system past end of life", severityLabel: "Critical", scope: "2 computers" });
    expect(model.summary.priorities[0]!.consequence).toMatch(/no longer releases security fixes/);
    expect(model.summary.priorities.map((p) => p.anchor)).toEqual(model.sections.map((s) => s.anchor));
  });

  it("lays unregistered hardware out as equipment: model and serial", () => {
    const equipment = model.sections.find((s) => s.rule === "hardware.unregistered")!;
    expect(equipment.equipment).toBe(true);
    expect(equipment.title).toBe("Equipment not purchased through your MSP");
    expect(equipment.rows[0]).toMatchObject({ hostname: "DR-SMITH-PC", model: "HP EliteBook 840 G8", serial: "5CG-NOT-REGISTERED" });
  });

  it("names computers that could not be checked, in the headline and the appendix", () => {
    const partial = buildReportModel(input(findings, { omitted: [{ hostname: "Z-PC", reason: "stored scan unreadable" }, { hostname: "A-PC", reason: "bad gzip" }] }));
    expect(partial.omitted.map((o) => o.hostname)).toEqual(["A-PC", "Z-PC"]);
    expect(partial.summary.headline).toMatch(/2 further computers could not be checked this time; see the appendix\.$/);
    expect(model.omitted).toEqual([]);
  });

  it("never writes an accent colour into the page's style unless it is a plain #rrggbb", () => {
    const colour = (accentColor: string) => buildReportModel(input(findings, { branding: { ...DEFAULT_BRANDING, report: { accentColor } } })).accentColor;
    expect(colour("#12ABef")).toBe("#12ABef");
    expect(colour("red; } body { display: none")).toBe("#1f4e79");
    expect(colour("#1f4e79\n")).toBe("#1f4e79");
  });

  it("gives a document id derived from the findings data: same data, same id", () => {
    expect(model.documentId).toBe("CVT-20261123-D12DEC71FA");
    expect(documentId("2026-11-23", SHA)).toBe(model.documentId);
    expect(buildReportModel(input(findings, { findingsSha256: "ab".repeat(32) })).documentId).toBe("CVT-20261123-ABABABABAB");
  });

  it("uses the branding's name, contacts, paper and the decision deadline", () => {
    const branded = buildReportModel(
      input(findings, {
        branding: { schema: "caveat.branding/v1", msp: { name: "Northwind IT", phone: "+1 555 0100", email: "help@example.test", representative: { name: "Sam Carter" } }, report: { paper: "Letter", decisionDays: 30 } },
        logo: "data:image/png;base64,AAAA",
      }),
    );
    expect(branded.msp).toEqual({ name: "Northwind IT", logo: "data:image/png;base64,AAAA", address: null, contacts: ["+1 555 0100", "help@example.test"], representative: { name: "Sam Carter", title: null } });
    expect(branded.paper).toBe("Letter");
    expect(branded.decisionDue).toBe("23 December 2026");
    expect(model.decisionDue).toBe("7 December 2026");
    expect(model.client).toEqual({ slug: "acme-dental", name: "Acme Dental Practice" });
  });
});

describe("finding details", () => {
  const findings = practice().findings;
  const of = (rule: string) => detailsOf(findings.find((f) => f.rule === rule)!, "2026-11-23");

  it("shows the OS version, build, release and edition, and when security updates ended", () => {
    expect(of("os.end-of-life")).toEqual(["version 10.0.19045, build 19045.6456, 22H2, edition Professional", "Windows 10 22H2: security updates ended on 14 October 2025"]);
  });

  it("shows each installed release of end-of-life software", () => {
    expect(of("software.end-of-life")).toEqual(["Microsoft Office Professional Plus 2010, version 14.0.7015.1000", "Microsoft Office 2010: security updates ended on 13 October 2020"]);
  });

  it("shows the version, publisher and the catalog's reason for denied software", () => {
    expect(of("software.denied")).toEqual(["version 15.60.3, from TeamViewer", "Not allowed: Unmanaged remote access"]);
  });

  it("shows model and serial for hardware", () => {
    expect(of("hardware.unregistered")).toEqual(["HP EliteBook 840 G8, serial 5CG-NOT-REGISTERED"]);
  });

  it("says how long a stale computer has been silent", () => {
    const stale = evaluateScans([scanOf({ hostname: "OLD-PC", collectedAt: "2026-09-01T09:00:00Z" })], optionsFor(CATALOG)).findings.find((f) => f.rule === "endpoint.stale")!;
    expect(detailsOf(stale, "2026-11-23")).toEqual(["Last report 1 September 2026: silent for 83 days as of 23 November 2026"]);
  });
});

describe("wording helpers", () => {
  it("formats dates as people write them, in UTC", () => {
    expect(formatDate("2026-01-05")).toBe("5 January 2026");
    expect(formatDate("2026-11-23T23:30:00-05:00")).toBe("24 November 2026");
    expect(formatDate("not a date")).toBe("not a date");
    expect(formatDate("2026-13-01")).toBe("2026-13-01");
    expect(formatDate("2026-11-20T09:00:00Z", true)).toBe("20 Nov 2026");
  });

  it("pluralizes the nouns the report uses", () => {
    expect(plural(1, "computer")).toBe("1 computer");
    expect(plural(2, "risk")).toBe("2 risks");
    expect(plural(83, "day")).toBe("83 days");
    expect(plural(2, "policy")).toBe("2 policies");
    expect(plural(1200, "finding")).toBe("1,200 findings");
  });
});
