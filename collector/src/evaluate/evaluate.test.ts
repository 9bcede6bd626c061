import { describe, expect, it } from "vitest";
import { checkFindings } from "../../../schemas/validate.js";
import { evaluateScans, findingId, type ScanFacts } from "./evaluate.js";
import { MINIMAL_CATALOG, optionsFor, scanOf } from "./test-support.js";

function run(scans: ScanFacts[], catalogYaml = MINIMAL_CATALOG, asOf = "2026-11-23") {
  const findings = evaluateScans(scans, optionsFor(catalogYaml, asOf));
  expect(checkFindings(findings)).toEqual([]);
  return findings;
}

const rules = (scans: ScanFacts[], catalogYaml?: string, asOf?: string) =>
  run(scans, catalogYaml, asOf).findings.filter((f) => f.rule !== "endpoint.new").map((f) => `${f.rule} ${f.subject}`);

describe("operating system rules", () => {
  it("reports Windows 7 as os.end-of-life with its lifecycle and source", () => {
    const findings = run([scanOf({ os: { name: "Microsoft Windows 7 Professional ", version: "6.1.7601", build: "7601", edition: "Professional" } })]);
    const f = findings.findings.find((x) => x.rule === "os.end-of-life")!;
    expect(f).toMatchObject({ severity: "critical", subject: "Microsoft Windows 7 Professional", lifecycle: { product: "windows", cycle: "7", eol: "2020-01-14", source: "https://example.test/w7" } });
    expect(f.message).toContain("security updates ended on 2020-01-14");
    expect(f.evidence).toMatchObject({ version: "6.1.7601", edition: "Professional" });
  });

  it("tells LTSC 2019 (supported to 2029) from a Pro install of the same build family", () => {
    expect(rules([scanOf({ os: { name: "Microsoft Windows 10 Enterprise LTSC 2019", version: "10.0.17763", edition: "EnterpriseS" } })])).toEqual([]);
    // 17763 Professional is not in the test data at all: unknown, not silently fine.
    expect(rules([scanOf({ os: { name: "Microsoft Windows 10 Pro", version: "10.0.17763", edition: "Professional" } })])).toEqual(["os.unknown Microsoft Windows 10 Pro"]);
  });

  it("counts the end-of-life date itself as ended and warns within warnDays before it", () => {
    const w10 = scanOf({ os: { name: "Microsoft Windows 10 Pro", version: "10.0.19045", edition: "Professional" } });
    expect(rules([w10], MINIMAL_CATALOG, "2025-10-14")).toEqual(["os.end-of-life Microsoft Windows 10 Pro"]);
    expect(rules([w10], MINIMAL_CATALOG, "2025-10-13")).toEqual(["os.nearing-end-of-life Microsoft Windows 10 Pro"]);
    // 180 days before 2025-10-14 (the default warnDays) is 2025-04-17.
    expect(rules([w10], MINIMAL_CATALOG, "2025-04-17")).toEqual(["os.nearing-end-of-life Microsoft Windows 10 Pro"]);
    expect(rules([w10], MINIMAL_CATALOG, "2025-04-16")).toEqual([]);
    expect(rules([w10], `${MINIMAL_CATALOG}warnDays: 365\n`, "2025-04-16")).toEqual(["os.nearing-end-of-life Microsoft Windows 10 Pro"]);
  });

  it("says os.unknown when no lifecycle product covers the OS", () => {
    const f = run([scanOf({ os: { platform: "linux", name: "Gentoo Linux", version: "2.17", distro: "gentoo" } })]).findings.find((x) => x.rule === "os.unknown")!;
    expect(f.message).toMatch(/no lifecycle data covers Gentoo Linux/);
    expect(f.severity).toBe("low");
  });

  it("reports os.unapproved against the allow list, with edition names as people write them", () => {
    const catalog = `${MINIMAL_CATALOG}os:\n  allow:\n    - { platform: windows, name: "*Windows 11*", editions: [Pro, Enterprise] }\n`;
    expect(rules([scanOf()], catalog)).toEqual([]);
    expect(rules([scanOf({ os: { edition: "EnterpriseN", name: "Microsoft Windows 11 Enterprise N" } })], catalog).filter((r) => r.startsWith("os.unapproved"))).toEqual([]);
    expect(rules([scanOf({ os: { edition: "Core", name: "Microsoft Windows 11 Home" } })], catalog)).toEqual(["os.unapproved Microsoft Windows 11 Home"]);
    expect(rules([scanOf({ os: { platform: "linux", name: "Ubuntu 22.04.4 LTS", version: "22.04", distro: "ubuntu", edition: undefined } })], catalog)).toEqual([
      "os.unapproved Ubuntu 22.04.4 LTS",
      "os.unknown Ubuntu 22.04.4 LTS",
    ]);
  });
});

describe("software rules", () => {
  const office2010 = { name: "Microsoft Office Professional Plus 2010", version: "14.0.7015.1000", publisher: "Microsoft Corporation" };

  it("reports end-of-life software once per release, listing every installed entry as evidence", () => {
    const findings = run([scanOf({ software: [office2010, { name: "Microsoft Office Proofing Tools 2010 - English", version: "14.0.7015.1000" }, { name: "Google Chrome", version: "131.0" }] })]);
    const eol = findings.findings.filter((f) => f.rule === "software.end-of-life");
    expect(eol).toHaveLength(1);
    expect(eol[0]).toMatchObject({ subject: "Microsoft Office 2010", severity: "high", lifecycle: { cycle: "2010", eol: "2020-10-13" } });
    expect((eol[0]!.evidence as { installed: unknown[] }).installed).toHaveLength(2);
  });

  it("handles end-of-life without a published date (eol: true) and estimated dates", () => {
    const f = run([scanOf({ software: [{ name: "Adobe Flash Player 32 NPAPI", version: "32.0.0.465" }, { name: "Microsoft Office Professional Plus 2021", version: "16.0" }] })]).findings;
    expect(f.find((x) => x.subject === "Adobe Flash Player")!.message).toContain("the vendor published no date");
    const office = f.find((x) => x.subject === "Microsoft Office 2021")!;
    expect(office.message).toContain("(expected date)");
    expect(office.lifecycle?.estimate).toBe(true);
  });

  it("reports software.nearing-end-of-life inside the warning window", () => {
    expect(rules([scanOf({ software: [{ name: "Microsoft Office Home and Business 2016" }] })], MINIMAL_CATALOG, "2025-06-01")).toEqual(["software.nearing-end-of-life Microsoft Office 2016"]);
  });

  it("reports denied software with the reason, one finding per title even when several users installed it", () => {
    const catalog = `${MINIMAL_CATALOG}software:\n  deny:\n    - { name: "TeamViewer*", reason: "Unmanaged remote access" }\n`;
    const findings = run([
      scanOf({ software: [{ name: "TeamViewer 15", version: "15.60", scope: "user", user: "alice" }, { name: "TeamViewer 15", version: "15.60", scope: "user", user: "bob" }, { name: "teamviewer host" }] }),
    ], catalog).findings.filter((f) => f.rule === "software.denied");
    expect(findings.map((f) => f.subject)).toEqual(["TeamViewer 15", "teamviewer host"]);
    expect(findings[0]!.message).toBe("TeamViewer 15 15.60 is prohibited: Unmanaged remote access.");
    expect(findings[0]!.evidence).toMatchObject({ reason: "Unmanaged remote access", deniedBy: "TeamViewer*" });
  });

  it("lets an explicit deny win over allow and ignore, and scopes rules by platform, publisher and version", () => {
    const catalog = `${MINIMAL_CATALOG}software:
  allow: [ { name: "AnyDesk" } ]
  ignore: [ { name: "AnyDesk" } ]
  deny:
    - { name: "AnyDesk" }
    - { name: "7-Zip*", version: "9.*", reason: "CVE-2016-2334" }
    - { name: "Notepad++*", publisher: "Evil*" }
    - { name: "wireshark", platform: linux }
`;
    expect(
      rules([scanOf({ software: [{ name: "AnyDesk" }, { name: "7-Zip 9.20", version: "9.20" }, { name: "7-Zip 23.01 (x64)", version: "23.01" }, { name: "Notepad++ (64-bit x64)", publisher: "Notepad++ Team" }, { name: "Wireshark" }] })], catalog),
    ).toEqual(["software.denied 7-Zip 9.20", "software.denied AnyDesk"]);
  });

  it("in allowlist mode reports software matching neither allow nor ignore as unapproved", () => {
    const catalog = `${MINIMAL_CATALOG}software:
  mode: allowlist
  allow: [ { name: "Google Chrome" }, { name: "Microsoft 365 Apps*", publisher: "Microsoft Corporation" } ]
  ignore: [ { name: "Microsoft Visual C++ *" } ]
`;
    expect(
      rules(
        [
          scanOf({
            software: [
              { name: "Google Chrome" },
              { name: "google chrome" },
              { name: "Microsoft 365 Apps for business - en-us", publisher: "Microsoft Corporation" },
              { name: "Microsoft 365 Apps for business - fr-fr", publisher: "Someone Else" },
              { name: "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135" },
              { name: "Dropbox" },
            ],
          }),
        ],
        catalog,
      ),
    ).toEqual(["software.unapproved Dropbox", "software.unapproved Microsoft 365 Apps for business - fr-fr"]);
  });
});

describe("hardware rules", () => {
  const register = `${MINIMAL_CATALOG}procurement:\n  - { serial: " 5cg1234xyz ", model: "OptiPlex 7010", purchased: 2025-03-01, ref: "PO-1042" }\n`;

  it("reports a serial missing from the register as hardware.unregistered; serials compare trimmed and case-insensitively", () => {
    expect(rules([scanOf()], register)).toEqual([]);
    const f = run([scanOf({ endpoint: { serial: "8Q4JVR1", model: "Latitude 5440", manufacturer: "Dell Inc." } })], register).findings.find((x) => x.rule === "hardware.unregistered")!;
    expect(f).toMatchObject({ subject: "8Q4JVR1", severity: "medium", message: "Dell Inc. Latitude 5440 with serial 8Q4JVR1 is not in the procurement register." });
  });

  it("says nothing about registration when the catalog has no register", () => {
    expect(rules([scanOf({ endpoint: { serial: "8Q4JVR1" } })])).toEqual([]);
  });

  it("reports missing and placeholder serials as hardware.unidentified, not as unregistered", () => {
    for (const serial of [undefined, "To Be Filled By O.E.M.", "Default string", "System Serial Number", "0123456789", "  "]) {
      const f = run([scanOf({ endpoint: { serial, manufacturer: "ASUS", model: "System Product Name" } })], register).findings.filter((x) => x.rule.startsWith("hardware."));
      expect(f.map((x) => x.rule), String(serial)).toEqual(["hardware.unidentified"]);
    }
  });

  it("skips purchase and model rules for virtual machines", () => {
    const catalog = `${register}hardware:\n  allow: [ { manufacturer: "Dell*", model: "OptiPlex*" } ]\n`;
    expect(rules([scanOf({ endpoint: { type: "virtual", serial: "VMware-56 4d 1a", manufacturer: "VMware, Inc.", model: "VMware Virtual Platform" } })], catalog)).toEqual([]);
  });

  it("reports models outside the hardware allow list", () => {
    const catalog = `${MINIMAL_CATALOG}hardware:\n  allow: [ { manufacturer: "Dell*", model: "Latitude*" }, { manufacturer: "Dell*", model: "OptiPlex*" } ]\n`;
    expect(rules([scanOf()], catalog)).toEqual([]);
    expect(rules([scanOf({ endpoint: { manufacturer: "HP", model: "EliteBook 840 G8" } })], catalog)).toEqual(["hardware.unapproved HP EliteBook 840 G8"]);
  });
});

describe("endpoint rules and drift", () => {
  const first = scanOf({ collectedAt: "2026-09-01T09:00:00Z", software: [{ name: "Google Chrome" }, { name: "Skype" }] });
  const second = scanOf({ collectedAt: "2026-10-01T09:00:00Z", software: [{ name: "Google Chrome" }, { name: "Skype" }, { name: "Zoom" }] });
  const third = scanOf({ collectedAt: "2026-11-20T09:00:00Z", endpoint: { serial: "NEWBOARD1" }, software: [{ name: "Google Chrome" }, { name: "Zoom" }, { name: "Dropbox" }] });

  it("reports changes between the two latest of three scans, whatever order the files come in", () => {
    const findings = run([third, first, second]).findings;
    expect(findings.map((f) => `${f.rule} ${f.subject}`).sort()).toEqual(["hardware.changed serial 5CG1234XYZ -> NEWBOARD1", "software.new Dropbox", "software.removed Skype"]);
    expect(findings.find((f) => f.rule === "software.removed")!.evidence).toMatchObject({ previousCollectedAt: "2026-10-01T09:00:00Z", collectedAt: "2026-11-20T09:00:00Z" });
    // A change is first seen by the scan that saw it, not by the scan before it.
    expect(findings.map((f) => f.firstSeen)).toEqual(["2026-11-20T09:00:00Z", "2026-11-20T09:00:00Z", "2026-11-20T09:00:00Z"]);
    expect(run([first, second], MINIMAL_CATALOG, "2026-10-02").findings.map((f) => `${f.rule} ${f.subject}`)).toEqual(["software.new Zoom"]);
  });

  it("uses the history for firstSeen and the endpoint summary", () => {
    const catalog = `${MINIMAL_CATALOG}software:\n  deny: [ { name: "Zoom" } ]\n`;
    const findings = run([first, second, third], catalog);
    expect(findings.findings.find((f) => f.rule === "software.denied")!.firstSeen).toBe("2026-10-01T09:00:00Z");
    expect(findings.endpoints).toEqual([
      expect.objectContaining({ hostname: "RECEPTION-PC", firstSeen: "2026-09-01T09:00:00Z", lastSeen: "2026-11-20T09:00:00Z", scans: 3, software: 3, serial: "NEWBOARD1" }),
    ]);
    expect(findings.summary).toMatchObject({ endpoints: 1, scans: 3 });
  });

  it("reports endpoint.new for an endpoint seen once, and counts the same scan given twice once", () => {
    const findings = run([first, { ...first }], MINIMAL_CATALOG, "2026-09-02");
    expect(findings.findings.map((f) => f.rule)).toEqual(["endpoint.new"]);
    expect(findings.findings[0]!.severity).toBe("info");
    expect(findings.summary.scans).toBe(1);
  });

  it("reports endpoint.stale after staleDays without a scan", () => {
    expect(rules([first], MINIMAL_CATALOG, "2026-10-01")).toEqual([]);
    expect(rules([first], MINIMAL_CATALOG, "2026-10-02")).toEqual(["endpoint.stale RECEPTION-PC"]);
    expect(rules([first], `${MINIMAL_CATALOG}staleDays: 90\n`, "2026-10-02")).toEqual([]);
  });
});

describe("waivers", () => {
  const win7 = (hostname: string, id: string) => scanOf({ hostname, id, os: { name: "Microsoft Windows 7 Professional ", version: "6.1.7601", edition: "Professional" } });
  const waiver = (fields: string) => `${MINIMAL_CATALOG}waivers:\n  - { rule: os.end-of-life, justification: "X-ray software needs Windows 7", acceptedBy: "J. Doe, Office Manager", accepted: 2026-01-10, ${fields} }\n`;
  const eol = (findings: ReturnType<typeof run>) => findings.findings.filter((f) => f.rule === "os.end-of-life");

  it("marks a finding covered by an active waiver as waived and keeps reporting it", () => {
    const findings = run([win7("RECEPTION-1", "11111111-0000-4000-8000-000000000001"), win7("OFFICE-1", "11111111-0000-4000-8000-000000000002")], waiver('endpoint: "reception-*", subject: "*", expires: 2027-01-10'));
    const [office, reception] = eol(findings);
    expect(reception).toMatchObject({ waived: true, waiver: { acceptedBy: "J. Doe, Office Manager", expires: "2027-01-10", endpoint: "reception-*" } });
    expect(office).toMatchObject({ waived: false });
    expect(findings.summary).toMatchObject({ waived: 1, bySeverity: { critical: 1 } });
  });

  it("no longer suppresses once expired, and says so", () => {
    const [f] = eol(run([win7("RECEPTION-1", "11111111-0000-4000-8000-000000000001")], waiver("expires: 2026-11-23")));
    expect(f).toMatchObject({ waived: false, waiverExpired: { expires: "2026-11-23" } });
    expect(f!.message).toContain("(J. Doe, Office Manager, 2026-01-10) expired on 2026-11-23");
  });

  it("scopes by endpoint id and subject glob; ignores waivers accepted after the as-of date", () => {
    const id = "11111111-0000-4000-8000-000000000009";
    expect(eol(run([win7("PC-9", id)], waiver(`endpoint: "${id}", subject: "*windows 7*", expires: 2027-01-10`)))[0]!.waived).toBe(true);
    expect(eol(run([win7("PC-9", id)], waiver(`subject: "*Windows 8*", expires: 2027-01-10`)))[0]!.waived).toBe(false);
    expect(eol(run([win7("PC-9", id)], waiver("expires: 2027-01-10"), "2026-01-09"))[0]!.waived).toBe(false);
  });

  it("uses the waiver that runs longest when several match", () => {
    const catalog = `${waiver("expires: 2026-12-01")}  - { rule: os.end-of-life, justification: "renewed", acceptedBy: "J. Doe", accepted: 2026-06-01, expires: 2027-06-01 }\n`;
    expect(eol(run([win7("PC-1", "11111111-0000-4000-8000-000000000001")], catalog))[0]!.waiver).toMatchObject({ justification: "renewed" });
  });
});

describe("catalog rule overrides and output", () => {
  it("applies per-client severities and disabled rules", () => {
    const catalog = `${MINIMAL_CATALOG}rules:\n  endpoint.new: { enabled: false }\n  software.denied: { severity: critical }\nsoftware:\n  deny: [ { name: "Skype" } ]\n`;
    const findings = run([scanOf({ software: [{ name: "Skype" }] })], catalog).findings;
    expect(findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(["software.denied critical"]);
  });

  it("gives findings stable ids from rule, endpoint and subject, and sorts worst first", () => {
    const scan = scanOf({ os: { name: "Microsoft Windows 7 Professional", version: "6.1.7601" }, software: [{ name: "Microsoft Office Standard 2010" }] });
    const a = run([scan]);
    const b = run([scanOf({ ...scan, scanId: undefined, os: scan.os, software: [{ name: "Microsoft Office Standard 2010" }] })]);
    expect(a.findings.map((f) => f.id)).toEqual(b.findings.map((f) => f.id));
    expect(a.findings[0]!.id).toBe(findingId("os.end-of-life", scan.endpoint.id, "Microsoft Windows 7 Professional"));
    expect(a.findings.map((f) => f.severity)).toEqual(["critical", "high", "info"]);
  });
});
