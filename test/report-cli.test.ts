// End to end: `caveat report` as an MSP runs it, from a findings file written by `caveat evaluate` and
// from the collector's SQLite database, printed by the system Chromium and read back with poppler's
// pdftotext and pdfinfo: what the client reads and signs, page by page.
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inventory } from "../schemas/inventory.v1.js";
import { assertFindings, type Findings } from "../schemas/validate.js";
import { WINDOWS_7, FLASH, inventoryOf as inventoryDocument, type ScanSpec } from "../collector/src/evaluate/test-support.js";
import { loadDataset } from "../collector/src/lifecycle/dataset.js";
import { putCatalog } from "../collector/src/service/catalogs.js";
import { createEvaluator } from "../collector/src/service/evaluation.js";
import { ingestInventory } from "../collector/src/service/ingest.js";
import { issueToken } from "../collector/src/service/tokens.js";
import { openStore } from "../collector/src/store/open-store.js";
import { ROOT, runCli } from "./cli.js";

const BRANDING = join(ROOT, "reports/samples/northwind.branding.yaml");
const HOSTILE_SOFTWARE = `<script>alert(1)</script> & "quoted" 'single'`;
const HOSTILE_HOST = "LAB-<b>&amp;</b>";
const CLIENT_NAME = "Harbour Dental <b>&amp;</b> Co";

const WINDOWS_10 = { name: "Microsoft Windows 10 Pro", version: "10.0.19045", build: "19045.6456", edition: "Professional", displayVersion: "22H2" };
const WINDOWS_11 = { name: "Microsoft Windows 11 Pro", version: "10.0.26200", build: "26200.7171", edition: "Professional", displayVersion: "25H2" };

// One active waiver (Windows 7 on reception) and one that ran out on 2026-06-01 (TeamViewer in the lab).
const CATALOG = `schema: caveat.catalog/v1
client: harbour-dental
name: "${CLIENT_NAME}"
software:
  mode: denylist
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
    - { name: "CCleaner*", reason: "Bundles unwanted software" }
    - { name: "*alert(1)*", reason: "Hostile test entry" }
waivers:
  - rule: os.end-of-life
    endpoint: "RECEPTION-*"
    subject: "*Windows 7*"
    justification: "The X-ray software only runs on Windows 7"
    acceptedBy: "J. Doe, Practice Manager"
    accepted: 2026-01-10
    expires: 2027-01-10
    ref: "ACK-2026-001"
  - rule: software.denied
    endpoint: "LAB-*"
    subject: "TeamViewer*"
    justification: "Vendor support for the lab scanner"
    acceptedBy: "R. Roe, Office Manager"
    accepted: 2025-06-01
    expires: 2026-06-01
    ref: "ACK-2025-007"
`;

const inventoryOf = (spec: ScanSpec) => inventoryDocument({ collectedAt: "2026-11-20T09:00:00Z", ...spec });

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const flat = (text: string) => text.replace(/\s+/g, " ");

function pdfPageCount(pdf: string): number {
  const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
  const pages = /^Pages:\s+(\d+)$/m.exec(info);
  if (!pages) throw new Error(`pdfinfo gave no page count for ${pdf}:\n${info}`);
  return Number(pages[1]);
}

/**
 * The text of every page, one pdftotext run per page. layout keeps each table row on its lines (columns
 * side by side); without it, the text of one cell stays together even when it wraps.
 */
function pdfPages(pdf: string, layout = true): string[] {
  return Array.from({ length: pdfPageCount(pdf) }, (_, i) => execFileSync("pdftotext", [...(layout ? ["-layout"] : []), "-f", String(i + 1), "-l", String(i + 1), pdf, "-"], { encoding: "utf8" }));
}

/** The page footer as pdftotext lays it out: document id, client, findings SHA-256, Page X of N. */
const FOOTER = /Document (CVT-\d{8}-[0-9A-F]{10}) · (.+?) · Findings SHA-256 ([0-9a-f]{64})\s+Page (\d+) of (\d+)\s*$/;

function footersOf(pages: string[]) {
  return pages.map((page, i) => {
    const footer = FOOTER.exec(page.trimEnd());
    expect(footer, `page ${i + 1} has no footer:\n${page}`).not.toBeNull();
    const [, documentId, client, digest, x, n] = footer!;
    return { documentId, client, digest, page: Number(x), of: Number(n) };
  });
}

/** Every page carries "Page X of N" (N from pdfinfo), the document id made from the data, and the data's SHA-256. */
function expectFooterOnEveryPage(pdf: string, findingsBytes: Buffer, clientName: string): void {
  const digest = sha256(findingsBytes);
  const asOf = (JSON.parse(findingsBytes.toString("utf8")) as Findings).asOf.replaceAll("-", "");
  const pages = pdfPages(pdf);
  const total = pdfPageCount(pdf);
  expect(pages).toHaveLength(total);
  expect(footersOf(pages)).toEqual(pages.map((_, i) => ({ documentId: `CVT-${asOf}-${digest.slice(0, 10).toUpperCase()}`, client: clientName, digest, page: i + 1, of: total })));
}

/** An HTTP server on a free loopback port that counts every request it gets. */
async function countingServer() {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    response.end("body { color: red }");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let work: string;
/** caveat reads imported lifecycle updates from the user's data directory by default: not in these tests. */
let env: NodeJS.ProcessEnv;
let findingsFile: string;
let findingsBytes: Buffer;
let findings: Findings;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caveat-report-"));
  env = { CAVEAT_LIFECYCLE_DIR: join(work, "no-lifecycle-updates") };
  const fleet = join(work, "fleet");
  await mkdir(fleet);
  const machines: ScanSpec[] = [
    { id: "4c4c4544-0051-3410-8034-b8c04f565231", hostname: "RECEPTION-01", os: WINDOWS_7, endpoint: { serial: "5CG0000R01" }, software: [FLASH] },
    { id: "4c4c4544-0052-3410-8034-b8c04f565232", hostname: HOSTILE_HOST, os: WINDOWS_11, endpoint: { serial: "5CG0000L01" }, software: [{ name: "TeamViewer 15", version: "15.60.3" }, { name: HOSTILE_SOFTWARE, version: "1.0" }] },
    { id: "4c4c4544-0053-3410-8034-b8c04f565233", hostname: "OFFICE-02", os: WINDOWS_10, endpoint: { serial: "5CG0000O02" }, software: [{ name: "CCleaner", version: "6.1" }] },
  ];
  for (const [i, machine] of machines.entries()) await writeFile(join(fleet, `${i}.json`), JSON.stringify(inventoryOf(machine)));
  await writeFile(join(work, "catalog.yaml"), CATALOG);
  findingsFile = join(work, "findings.json");
  const evaluated = await runCli(["evaluate", "--catalog", join(work, "catalog.yaml"), "--as-of", "2026-11-23", "--out", findingsFile, fleet], { env });
  // 1: unwaived high and critical findings, the point of the fleet.
  expect(evaluated.code, evaluated.stderr).toBe(1);
  findingsBytes = await readFile(findingsFile);
  findings = assertFindings(JSON.parse(findingsBytes.toString("utf8")), findingsFile);
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("caveat report --findings: the report the client signs", () => {
  let pdf: string;
  let html: string;
  let run: Awaited<ReturnType<typeof runCli>>;
  let layoutPages: string[];
  let textPages: string[];

  beforeAll(async () => {
    pdf = join(work, "r.pdf");
    html = join(work, "r.html");
    run = await runCli(["report", "--findings", findingsFile, "--out", pdf, "--html", html, "--report-date", "2026-11-23", "--branding", BRANDING], { env });
    expect(run.code, run.stderr).toBe(0);
    layoutPages = pdfPages(pdf);
    textPages = pdfPages(pdf, false).map(flat);
  }, 60_000);

  /** The first page whose text contains needle (-1 when none). */
  const pageWith = (needle: string) => textPages.findIndex((page) => page.includes(needle));
  const whole = () => textPages.join(" ");

  it("names the client and the MSP, and shows every open finding's computer and subject on the same page", () => {
    expect(run.stderr).toMatch(new RegExp(`^report CVT-20261123-[0-9A-F]{10} for ${CLIENT_NAME.replace(/[()]/g, "\\$&")}: 5 open risks, 1 accepted, 3 computers in [\\d.]+ s -> ${pdf}, ${html}$`, "m"));
    expect(textPages[0]).toContain(`Prepared for ${CLIENT_NAME}`);
    expect(textPages[0]).toContain("Northwind IT Services");
    expect(textPages[0]).toContain("Prepared by Northwind IT Services, Sam Carter (Account Manager)");
    const open = findings.findings.filter((f) => !f.waived);
    // 5 decisions (one of them after an expired waiver) and 3 new computers (information only).
    expect(open).toHaveLength(8);
    for (const f of open) {
      const page = textPages.findIndex((text) => text.includes(f.subject) && text.includes(f.endpoint.hostname));
      expect(page, `${f.rule} ${f.endpoint.hostname}: ${f.subject}`).toBeGreaterThan(0);
    }
  });

  it("prints 'Page X of N', the document id and the SHA-256 of the findings file's bytes on every page", () => {
    expect(layoutPages.length).toBeGreaterThanOrEqual(5);
    expectFooterOnEveryPage(pdf, findingsBytes, CLIENT_NAME);
    expect(textPages[0]).toContain(`SHA-256 fingerprint ${sha256(findingsBytes)}`);
  });

  it("asks for decisions first, then records the accepted risks with who accepted them and until when", () => {
    const text = whole();
    const decisions = text.slice(text.indexOf("Risks that need your decision"), text.indexOf("Acceptances that have expired"));
    expect(decisions).toContain("Microsoft Windows 10 Pro");
    // The waived Windows 7 is no decision any more: it is listed, with its acceptance, after them.
    expect(decisions).not.toContain("Windows 7");
    const accepted = text.slice(text.indexOf("Risks you have already accepted"), text.indexOf("Changes since the previous check"));
    expect(accepted).toContain("Operating system past end of life");
    expect(accepted).toContain("Reason given: The X-ray software only runs on Windows 7");
    expect(accepted).toContain("on 10 January 2026");
    // One row: the computer, the risk, who accepted it and when the acceptance expires, side by side.
    const page = layoutPages[pageWith("Risks you have already accepted")]!;
    expect(page.slice(page.indexOf("Risks you have already accepted"))).toMatch(/^\s*RECEPTION-01\s+Microsoft Windows 7 Professional\s+J\. Doe, Practice Manager\s+10 January 2027$/m);
    expect(pageWith("Risks you have already accepted")).toBeGreaterThan(pageWith("Risks that need your decision"));
  });

  it("calls out the expired acceptance: on the finding, in its own list and in the summary", () => {
    const text = whole();
    expect(text).toContain("1 earlier acceptance has expired and needs a new decision.");
    const decisions = text.slice(text.indexOf("Risks that need your decision"), text.indexOf("Acceptances that have expired"));
    expect(decisions).toContain("TeamViewer 15");
    expect(decisions).toContain("Accepted by R. Roe, Office Manager on 1 June 2025; that acceptance expired on 1 June 2026.");
    const expired = text.slice(text.indexOf("Acceptances that have expired"), text.indexOf("Risks you have already accepted"));
    expect(expired).toContain("TeamViewer 15");
    expect(expired).toContain("R. Roe, Office Manager");
    expect(expired).toContain("1 June 2026");
    expect(expired).not.toContain("Windows 7");
  });

  it("ends with the waiver statement, the support policy, signature blocks for both sides and the appendix of computers", () => {
    const statement = pageWith("Acknowledgement of risk and waiver of liability");
    const signatures = pageWith(`For ${CLIENT_NAME}: authorised signer`);
    const appendix = pageWith("Appendix: computers checked");
    expect(statement).toBeGreaterThan(0);
    expect(pageWith("How to reach us, and how we escalate")).toBeGreaterThanOrEqual(statement);
    expect(signatures).toBeGreaterThanOrEqual(statement);
    expect(appendix).toBe(textPages.length - 1);
    expect(appendix).toBeGreaterThanOrEqual(signatures);
    const signing = textPages[signatures]!;
    expect(signing).toContain(`For ${CLIENT_NAME}: authorised signer`);
    expect(signing).toContain("For Northwind IT Services");
    expect(signing).toContain("Sam Carter");
    expect(signing).toContain("Account Manager");
    // Name, Title, Date and Signature lines for each side.
    const lines = layoutPages[signatures]!.split("\n").map((line) => line.trim());
    for (const label of ["Name", "Title", "Date", "Signature"]) expect(lines.filter((line) => line === label || line.endsWith(`  ${label}`)), label).toHaveLength(2);
    for (const host of ["RECEPTION-01", HOSTILE_HOST, "OFFICE-02"]) expect(textPages[appendix]).toContain(host);
    expect(textPages[appendix]).toContain("Microsoft Windows 7 Professional (7601)");
  });

  it("shows hostile software, computer and client names literally in the PDF, and only escaped in the HTML", async () => {
    const text = whole();
    expect(text).toContain(HOSTILE_SOFTWARE);
    expect(text).toContain(HOSTILE_HOST);
    expect(text).toContain(CLIENT_NAME);
    expect(execFileSync("pdfinfo", [pdf], { encoding: "utf8" })).toContain(`Title:           IT Risk Assessment and Acknowledgement: ${CLIENT_NAME}`);
    const page = await readFile(html, "utf8");
    expect(page).not.toContain("<script>alert");
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain("<b>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;");
    expect(page).toContain("LAB-&lt;b&gt;&amp;amp;&lt;/b&gt;");
    expect(page).toContain("Harbour Dental &lt;b&gt;&amp;amp;&lt;/b&gt; Co");
  });
});

describe("caveat report --templates: an MSP's own templates still cannot run scripts or fetch anything", () => {
  /** A copy of the bundled summary partial with extra markup before its end. */
  async function summaryOverride(extra: string): Promise<string> {
    const dir = await mkdtemp(join(work, "templates-"));
    await mkdir(join(dir, "partials"));
    const bundled = await readFile(join(ROOT, "reports/templates/partials/summary.hbs"), "utf8");
    expect(bundled).toContain("</section>");
    await writeFile(join(dir, "partials", "summary.hbs"), bundled.replace("</section>", `${extra}\n</section>`));
    return dir;
  }

  it("prints with JavaScript off: a script in a template never runs", async () => {
    const templates = await summaryOverride(`<p id="js">JS-OFF</p><script>document.getElementById('js').textContent='JS-RAN'</script>`);
    const out = join(templates, "js.pdf");
    const result = await runCli(["report", "--findings", findingsFile, "--templates", templates, "--out", out, "--report-date", "2026-11-23"], { env });
    expect(result.code, result.stderr).toBe(0);
    const text = pdfPages(out).join("\n");
    expect(text).toContain("JS-OFF");
    expect(text).not.toContain("JS-RAN");
    // Without --branding the report names no MSP it was not told about.
    expect(text).toContain("Your managed service provider");
  });

  it("blocks every network request: the server sees none, and caveat report exits 2 naming what was blocked", async () => {
    const server = await countingServer();
    try {
      const templates = await summaryOverride(`<style>@import url(${server.origin}/x.css);</style><img src="${server.origin}/logo.png" alt="">`);
      const out = join(templates, "net.pdf");
      const result = await runCli(["report", "--findings", findingsFile, "--templates", templates, "--out", out, "--report-date", "2026-11-23"], { env });
      expect(server.requests()).toBe(0);
      expect(result.stderr).not.toContain("internal error");
      expect(result.stderr).toMatch(/^caveat: the report page tried to load 2 resource\(s\) \(.*\); they were blocked: fix the templates so they embed everything$/m);
      expect(result.stderr).toContain(`${server.origin}/x.css`);
      expect(result.stderr).toContain(`${server.origin}/logo.png`);
      expect(result.code).toBe(2);
      expect(existsSync(out)).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe("caveat report: a long table across many pages", () => {
  const HOSTS = 100;
  const PER_HOST = 4;
  const hostname = (h: number) => `WS-${String(h).padStart(4, "0")}`;
  // Unique, zero-padded (no subject is a prefix of another). Rows of one to five lines, in no periodic
  // pattern, so that page ends fall at every point of a row; a row of five lines or more is breakable.
  const tail = "Enterprise Remote Administration Suite with Extended Management Console, Background Updater Service and Browser Extensions".split(" ");
  const tool = (n: number) => [`Denied Tool ${String(n).padStart(4, "0")}`, ...tail.slice(0, (n * n * 7 + n) % 17)].join(" ");
  const version = (n: number) => `7.${String(n).padStart(4, "0")}`;
  let pages: string[];
  let big: Findings;

  beforeAll(async () => {
    const dir = await mkdtemp(join(work, "big-"));
    await mkdir(join(dir, "fleet"));
    for (let h = 1; h <= HOSTS; h++) {
      const software = Array.from({ length: PER_HOST }, (_, k) => {
        const n = (h - 1) * PER_HOST + k + 1;
        return { name: tool(n), version: version(n) };
      });
      const id = `00000000-0000-4000-8000-${String(h).padStart(12, "0")}`;
      await writeFile(join(dir, "fleet", `${h}.json`), JSON.stringify(inventoryOf({ id, hostname: hostname(h), os: WINDOWS_11, endpoint: { serial: `SN${h}` }, software })));
    }
    await writeFile(join(dir, "catalog.yaml"), `schema: caveat.catalog/v1\nclient: big-fleet\nname: Big Fleet\nrules:\n  endpoint.new: { enabled: false }\nsoftware:\n  mode: denylist\n  deny:\n    - { name: "Denied Tool *", reason: "Test entry" }\n`);
    const file = join(dir, "big.json");
    const evaluated = await runCli(["evaluate", "--catalog", join(dir, "catalog.yaml"), "--as-of", "2026-11-23", "--fail-on", "none", "--out", file, join(dir, "fleet")], { env });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    big = assertFindings(JSON.parse(await readFile(file, "utf8")), file);
    const out = join(dir, "big.pdf");
    const result = await runCli(["report", "--findings", file, "--out", out, "--report-date", "2026-11-23"], { env });
    expect(result.code, result.stderr).toBe(0);
    pages = pdfPages(out);
  }, 120_000);

  it("keeps each finding's row whole on one page: computer, subject, details and decision boxes together", () => {
    expect(big.findings).toHaveLength(HOSTS * PER_HOST);
    expect(new Set(big.findings.map((f) => f.rule))).toEqual(new Set(["software.denied"]));
    const rowsPerPage = new Map<number, number>();
    for (let n = 1; n <= HOSTS * PER_HOST; n++) {
      const subject = `Denied Tool ${String(n).padStart(4, "0")}`;
      const host = hostname(Math.ceil(n / PER_HOST));
      const on = pages.flatMap((page, i) => (page.includes(subject) ? [i] : []));
      expect(on, subject).toHaveLength(1);
      const page = pages[on[0]!]!;
      // The row's first line holds its computer and its subject; its last detail is on the same page.
      expect(page.split("\n").some((line) => line.includes(host) && line.includes(subject)), `${host} ${subject}`).toBe(true);
      expect(page, subject).toContain(`version ${version(n)}`);
      rowsPerPage.set(on[0]!, (rowsPerPage.get(on[0]!) ?? 0) + 1);
    }
    expect(rowsPerPage.size).toBeGreaterThanOrEqual(10);
    for (const [i, rows] of rowsPerPage) {
      const lines = pages[i]!.split("\n").map((line) => line.trimEnd());
      expect(lines.filter((line) => line.endsWith("Remediate by")), `page ${i + 1}`).toHaveLength(rows);
      expect(lines.filter((line) => line.endsWith("Accept the risk")), `page ${i + 1}`).toHaveLength(rows);
      expect(lines.filter((line) => line.includes("Not allowed: Test entry")), `page ${i + 1}`).toHaveLength(rows);
    }
  });

  it("repeats the table header on every page that holds rows of the table, above the first row", () => {
    const withRows = pages.flatMap((page, i) => (page.includes("Denied Tool ") ? [i] : []));
    expect(withRows.length).toBeGreaterThanOrEqual(10);
    for (const i of withRows) {
      const lines = pages[i]!.split("\n");
      const header = lines.findIndex((line) => /COMPUTER\s+WHAT WE FOUND\s+FIRST SEEN\s+YOUR DECISION/.test(line));
      const firstRow = lines.findIndex((line) => line.includes("Denied Tool "));
      expect(header, `page ${i + 1}`).toBeGreaterThanOrEqual(0);
      expect(header, `page ${i + 1}`).toBeLessThan(firstRow);
      expect(lines.filter((line) => line.includes("WHAT WE FOUND")), `page ${i + 1}`).toHaveLength(1);
    }
  });
});

describe("caveat report from the collector's database", () => {
  let db: string;

  beforeAll(async () => {
    db = join(work, "caveat.db");
    const store = await openStore(db);
    try {
      const evaluator = createEvaluator(store, (await loadDataset(env.CAVEAT_LIFECYCLE_DIR)).index);
      const setUp = new Date("2026-08-01T00:00:00Z");
      const tokens = new Map<string, Awaited<ReturnType<typeof issueToken>>["record"]>();
      for (const [slug, name] of [["harbour-dental", "Harbour Dental"], ["globex", "Globex Corporation"]] as const) {
        await store.clients.create({ slug, name, createdAt: setUp.toISOString() });
        tokens.set(slug, (await issueToken(store, { kind: "agent", clientSlug: slug, now: setUp })).record);
      }
      await putCatalog(store, evaluator, "harbour-dental", "schema: caveat.catalog/v1\nclient: harbour-dental\nsoftware:\n  deny:\n    - { name: \"TeamViewer*\", reason: \"Unmanaged remote access\" }\n", setUp);
      const ingest = async (slug: string, spec: ScanSpec) => {
        const inventory = inventoryOf(spec);
        const result = await ingestInventory(store, evaluator, tokens.get(slug)!, { text: JSON.stringify(inventory) }, new Date("2026-11-20T10:00:00Z"));
        expect(result.status).toBe("created");
      };
      await ingest("harbour-dental", { id: "4c4c4544-0051-3410-8034-b8c04f565231", hostname: "RECEPTION-01", os: WINDOWS_7 });
      await ingest("harbour-dental", { id: "4c4c4544-0053-3410-8034-b8c04f565233", hostname: "OFFICE-02", os: WINDOWS_10, software: [{ name: "TeamViewer 15", version: "15.60.3" }] });
      await ingest("globex", { id: "4c4c4544-0061-3410-8034-b8c04f565261", hostname: "GLOBEX-PC", os: WINDOWS_7, software: [{ name: "Adobe Flash Player 32 NPAPI", version: "32.0.0.465" }] });
      await ingest("globex", { id: "4c4c4544-0062-3410-8034-b8c04f565262", hostname: "GLOBEX-SRV", os: WINDOWS_10 });
    } finally {
      await store.close();
    }
  }, 60_000);

  it("--client: writes the PDF and, beside it, the findings it was made from; their SHA-256 is on every page; no other client's data", async () => {
    const dir = await mkdtemp(join(work, "one-"));
    const out = join(dir, "r.pdf");
    const result = await runCli(["report", "--client", "harbour-dental", "--database", db, "--out", out, "--as-of", "2026-11-23", "--report-date", "2026-11-23", "--branding", BRANDING], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`-> ${out}, ${join(dir, "r.findings.json")}`);
    expect((await readdir(dir)).sort()).toEqual(["r.findings.json", "r.pdf"]);
    const bytes = await readFile(join(dir, "r.findings.json"));
    const data = assertFindings(JSON.parse(bytes.toString("utf8")), "r.findings.json");
    expect(data).toMatchObject({ client: "harbour-dental", clientName: "Harbour Dental", asOf: "2026-11-23" });
    expect(data.findings.map((f) => `${f.rule} ${f.endpoint.hostname}`)).toEqual(expect.arrayContaining(["os.end-of-life RECEPTION-01", "os.end-of-life OFFICE-02", "software.denied OFFICE-02"]));
    expectFooterOnEveryPage(out, bytes, "Harbour Dental");
    const text = pdfPages(out, false).map(flat).join(" ");
    for (const wanted of ["Prepared for Harbour Dental", "RECEPTION-01", "OFFICE-02", "TeamViewer 15", "Microsoft Windows 10 Pro", "Sam Carter"]) expect(text).toContain(wanted);
    expect(text).not.toMatch(/GLOBEX|Globex|Flash Player/);
    expect(bytes.toString("utf8")).not.toMatch(/GLOBEX|Globex|Flash Player/);
    // The advice given is in the client's audit trail: which document, of which data.
    const trail = JSON.parse((await runCli(["audit", "export", "--client", "harbour-dental", "--database", db], { env })).stdout);
    const issued = trail.events.filter((e: { kind: string }) => e.kind === "report.issued").at(-1);
    expect(issued.data).toMatchObject({ findingsSha256: createHash("sha256").update(bytes).digest("hex"), asOf: "2026-11-23", reportDate: "2026-11-23", file: "r.pdf" });
    expect(issued.data.documentId).toMatch(/^CVT-20261123-[0-9A-F]{10}$/);
    expect(trail.verification.ok).toBe(true);
  });

  it("--all-clients: one PDF and findings file per client, named SLUG-DATE, each with its own data, one progress line per client", async () => {
    const outDir = join(work, "all", "reports");
    const result = await runCli(["report", "--all-clients", "--database", db, "--out-dir", outDir, "--report-date", "2026-11-23"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(outDir)).sort()).toEqual(["globex-2026-11-23.findings.json", "globex-2026-11-23.pdf", "harbour-dental-2026-11-23.findings.json", "harbour-dental-2026-11-23.pdf"]);
    const progress = result.stderr.split("\n").filter((line) => line.startsWith("["));
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^\[1\/2\] (globex|harbour-dental)$/);
    expect(progress[1]).toMatch(/^\[2\/2\] (globex|harbour-dental)$/);
    expect(new Set(progress.map((line) => line.split(" ")[1]))).toEqual(new Set(["globex", "harbour-dental"]));
    expect(result.stderr).toMatch(new RegExp(`^2 of 2 reports written to ${outDir} in [\\d.]+ s`, "m"));
    for (const [slug, name, own, other] of [
      ["globex", "Globex Corporation", ["GLOBEX-PC", "GLOBEX-SRV", "Adobe Flash Player"], /RECEPTION-01|OFFICE-02|Harbour|TeamViewer/],
      ["harbour-dental", "Harbour Dental", ["RECEPTION-01", "OFFICE-02", "TeamViewer 15"], /GLOBEX|Globex|Flash Player/],
    ] as const) {
      const pdf = join(outDir, `${slug}-2026-11-23.pdf`);
      const bytes = await readFile(join(outDir, `${slug}-2026-11-23.findings.json`));
      expect(assertFindings(JSON.parse(bytes.toString("utf8")), slug).client).toBe(slug);
      expectFooterOnEveryPage(pdf, bytes, name);
      const text = pdfPages(pdf, false).map(flat).join(" ");
      for (const wanted of own) expect(text, slug).toContain(wanted);
      expect(text, slug).not.toMatch(other);
    }
  });

  it("refuses an unknown --client with exit 2 naming it, and writes nothing", async () => {
    const dir = await mkdtemp(join(work, "unknown-"));
    const result = await runCli(["report", "--client", "nobody", "--database", db, "--out", join(dir, "r.pdf"), "--as-of", "2026-11-23", "--report-date", "2026-11-23"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('caveat: no client "nobody"');
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses an --as-of before scans already stored: the database holds the current state, not the past", async () => {
    const dir = await mkdtemp(join(work, "past-"));
    const result = await runCli(["report", "--client", "harbour-dental", "--database", db, "--out", join(dir, "r.pdf"), "--as-of", "2026-11-01"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--as-of 2026-11-01 is before the latest scan of 2 computers of harbour-dental \(e\.g\. \S+, 2026-11-20\)/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a client without computers, and a batch skips it saying so", async () => {
    const empty = join(work, "empty.db");
    expect((await runCli(["client", "add", "newco", "--name", "New Co", "--database", empty], { env })).code).toBe(0);
    const dir = await mkdtemp(join(work, "empty-"));
    const one = await runCli(["report", "--client", "newco", "--database", empty, "--out", join(dir, "r.pdf")], { env });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('client "newco" has no computers yet: there is nothing to report');
    const all = await runCli(["report", "--all-clients", "--database", empty, "--out-dir", dir], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain("[1/1] newco (no computers yet: skipped)");
    expect(all.stderr).toMatch(/0 of 1 reports written .*; no computers yet: newco/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("stops a batch at the first template problem, which would fail every client, and leaves no findings file behind", async () => {
    const templates = await mkdtemp(join(work, "batch-templates-"));
    await mkdir(join(templates, "partials"));
    await writeFile(join(templates, "partials", "cover.hbs"), '<section><img src="http://127.0.0.1:9/logo.png"></section>');
    const outDir = join(work, "batch-fail");
    const result = await runCli(["report", "--all-clients", "--database", db, "--out-dir", outDir, "--templates", templates], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tried to load 1 resource\(s\) \(http:\/\/127\.0\.0\.1:9\/logo\.png\)/);
    expect(result.stderr).toContain("stopped the batch: this would fail for every client");
    expect(await readdir(outDir)).toEqual([]);
  });
});

describe("caveat report: usage and input errors", () => {
  it("exit 2 with one specific message and write no PDF", async () => {
    const dir = await mkdtemp(join(work, "errors-"));
    const badFindings = join(dir, "bad-findings.json");
    await writeFile(badFindings, '{\n  "schema": "caveat.findings/v1",\n  "client": 42\n}\n');
    const brokenJson = join(dir, "broken.json");
    await writeFile(brokenJson, '{\n  "schema": "caveat.findings/v1",\n  "asOf": 2026-11-23\n}\n');
    const badBranding = join(dir, "bad.branding.yaml");
    await writeFile(badBranding, "schema: caveat.branding/v1\nmsp:\n  name: Northwind IT Services\n  colour: red\n");
    const good = join(dir, "findings.json");
    await copyFile(findingsFile, good);
    const out = join(dir, "r.pdf");
    const install = /Install one \(Debian: apt-get install chromium; Ubuntu: snap install chromium;[\s\S]*or point CHROME_PATH \(or --browser\) at its executable/;
    const cases: { name: string; args: string[]; env?: NodeJS.ProcessEnv; stderr: (RegExp | string)[] }[] = [
      { name: "no source", args: ["--out", out], stderr: ["caveat: say what to report on: exactly one of --findings FILE, --client SLUG or --all-clients"] },
      { name: "--findings and --client", args: ["--findings", good, "--client", "harbour-dental", "--out", out], stderr: ["exactly one of --findings FILE, --client SLUG or --all-clients"] },
      { name: "--all-clients without --out-dir", args: ["--all-clients"], stderr: ["caveat: --all-clients writes one report per client: give --out-dir DIR"] },
      { name: "an invalid findings file", args: ["--findings", badFindings, "--out", out], stderr: [`${badFindings} does not follow caveat.findings/v1`, `${badFindings}:3: /client must be string`] },
      { name: "a report date before the findings' as-of date", args: ["--findings", good, "--out", out, "--report-date", "2026-11-01"], stderr: ["--report-date 2026-11-01 is before the findings' as-of date 2026-11-23"] },
      { name: "a browser that does not start", args: ["--findings", good, "--browser", "/bin/true", "--out", out], stderr: ["the browser /bin/true did not start"] },
      { name: "a findings file that is not JSON", args: ["--findings", brokenJson, "--out", out], stderr: [`${brokenJson}:3: (document) not valid JSON`] },
      { name: "a branding file with an unknown field", args: ["--findings", good, "--branding", badBranding, "--out", out], stderr: [`${badBranding} does not follow caveat.branding/v1 (1 problem)`, `${badBranding}:4: /msp/colour is not a known field here`] },
      { name: "--browser pointing nowhere", args: ["--findings", good, "--browser", "/nonexistent", "--out", out], stderr: ["Looked at: --browser (/nonexistent).", install] },
      { name: "CHROME_PATH pointing nowhere", args: ["--findings", good, "--out", out], env: { CHROME_PATH: "/nonexistent" }, stderr: ["Looked at: $CHROME_PATH (/nonexistent).", install] },
    ];
    const results = await Promise.all(cases.map((c) => runCli(["report", ...c.args, ...(c.args.includes("--report-date") ? [] : ["--report-date", "2026-11-23"])], { env: { ...env, ...c.env } })));
    for (const [i, c] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${c.name}: ${result.stderr}`).toBe(2);
      expect(result.stderr, c.name).not.toContain("internal error");
      for (const expected of c.stderr) {
        if (typeof expected === "string") expect(result.stderr, c.name).toContain(expected);
        else expect(result.stderr, c.name).toMatch(expected);
      }
    }
    expect((await readdir(dir)).sort()).toEqual(["bad-findings.json", "bad.branding.yaml", "broken.json", "findings.json"]);
  });
});
