// The signing flow end to end in a real browser (puppeteer, system Chromium), over real HTTP, on SQLite
// and PostgreSQL: the MSP requests an acknowledgement through the API, the client opens the link, makes
// mistakes (kept, marked), decides, signs; the signed PDF verifies and a changed byte does not; a used or
// expired link is refused; another client's documents are out of reach; hostile strings stay text; the
// audit chain verifies and catches a tampered row. With CAVEAT_SCREENSHOTS=1 it also writes the pages'
// screenshots into docs/ (npm run docs:screenshots).
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../collector/src/domain/audit-chain.js";
import { WINDOWS_7, FLASH, TEST_LIFECYCLE, type ScanSpec } from "../collector/src/evaluate/test-support.js";
import { buildServer, type FastifyInstance } from "../collector/src/http/server.js";
import { putCatalog } from "../collector/src/service/catalogs.js";
import { createEvaluator, type Evaluator } from "../collector/src/service/evaluation.js";
import { ingestSpec } from "./ingest.js";
import { issueToken } from "../collector/src/service/tokens.js";
import { openStore } from "../collector/src/store/open-store.js";
import type { Store, TokenRecord } from "../collector/src/store/types.js";
import { findBrowser } from "../reports/src/find-browser.js";
import { createSelfSignedIdentity, loadSigningIdentity, verifySignedPdf, type SigningIdentity } from "../reports/src/pdf-signature.js";
import { createReportRenderer, type ReportRenderer } from "../reports/src/report.js";
import { bothDatabases } from "./postgres.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SCREENSHOTS = process.env.CAVEAT_SCREENSHOTS === "1";
const HOSTILE = `<img src=x onerror="document.title='pwned'">`;
const databases = bothDatabases("ack-e2e");

const START = new Date("2026-11-23T12:00:00Z");
const CATALOG = `schema: caveat.catalog/v1
client: acme
software:
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
`;

let browser: Browser;
let renderer: ReportRenderer;
let identity: SigningIdentity;

beforeAll(async () => {
  browser = await puppeteer.launch({ executablePath: findBrowser(), headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  renderer = await createReportRenderer({ branding: join(ROOT, "reports/samples/northwind.branding.yaml") });
  const made = createSelfSignedIdentity({ commonName: "Northwind IT", organization: "Northwind IT Ltd", passphrase: "e2e passphrase", notBefore: new Date("2026-01-01T00:00:00Z") });
  identity = loadSigningIdentity(made.p12, "e2e passphrase", "e2e.p12", START);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await renderer?.close();
});

describe.each(databases)("signing an acknowledgement in a browser: %s", (name, start) => {
  let db: { url: string; stop: () => Promise<void> };
  let store: Store;
  let evaluator: Evaluator;
  let app: FastifyInstance;
  let base: string;
  let admin: string;
  let clock = START;
  let context: BrowserContext;
  const agents = new Map<string, TokenRecord>();

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = response.headers.get("content-type") ?? "";
    return { status: response.status, json: type.includes("json") ? ((await response.json()) as any) : undefined, bytes: type.includes("pdf") ? Buffer.from(await response.arrayBuffer()) : undefined };
  };
  const ingest = (slug: string, spec: ScanSpec) => ingestSpec(store, evaluator, agents.get(slug)!, spec, START);
  const newPage = async (width = 1200, height = 900) => {
    const page = await context.newPage();
    await page.setViewport({ width, height });
    return page;
  };
  // Browser-side code as strings: the project's TypeScript has no DOM types.
  const text = (page: Page) => page.evaluate("document.body.innerText") as Promise<string>;

  beforeAll(async () => {
    context = await browser.createBrowserContext();
    db = await start();
    store = await openStore(db.url);
    evaluator = createEvaluator(store, TEST_LIFECYCLE);
    for (const [slug, clientName] of [["acme", `Acme Dental & Co ${HOSTILE}`], ["globex", "Globex"]] as const) {
      await store.clients.create({ slug, name: clientName, createdAt: "2026-08-01T00:00:00.000Z" });
      agents.set(slug, (await issueToken(store, { kind: "agent", clientSlug: slug, now: START })).record);
    }
    await putCatalog(store, evaluator, "acme", CATALOG, START);
    await ingest("acme", { id: "4c4c4544-0051-3410-8034-b8c04f565231", hostname: "RECEPTION-01", collectedAt: "2026-11-22T08:00:00Z", os: WINDOWS_7, software: [{ name: `TeamViewer 15 ${HOSTILE}`, version: "15.60.3", publisher: "TeamViewer" }] });
    await ingest("acme", { id: "4c4c4544-0052-3410-8034-b8c04f565232", hostname: "OFFICE-02", collectedAt: "2026-11-22T08:00:00Z", software: [FLASH] });
    await ingest("globex", { id: "4c4c4544-0053-3410-8034-b8c04f565233", hostname: "GLOBEX-PC", collectedAt: "2026-11-22T08:00:00Z", os: WINDOWS_7 });
    admin = (await issueToken(store, { kind: "admin", label: "e2e", now: START })).token;
    app = buildServer({ store, evaluator, identity, renderer: async () => renderer, now: () => clock, publicUrl: "https://caveat.example.com/" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }, 120_000);

  afterAll(async () => {
    // The context's own network stack goes with it: Chromium's spare (preconnected) sockets would
    // otherwise hold the server's close for its 60 s header timeout.
    await context?.close();
    await app?.close();
    await store?.close();
    await db?.stop();
  }, 60_000);

  let path: string;
  let documentId: string;

  it("requests an acknowledgement through the API and hands out the link once", async () => {
    const bad = await api("POST", "/api/v1/clients/acme/acks", { kind: "yearly" });
    expect(bad.status).toBe(400);
    const { status, json } = await api("POST", "/api/v1/clients/acme/acks", { signerEmail: "dana@acme.example", expiresDays: 7 });
    expect(status).toBe(201);
    expect(json.link).toMatch(/^https:\/\/caveat\.example\.com\/sign\/cvt_sign_[A-Za-z0-9_-]{43}$/);
    expect(json.document).not.toHaveProperty("tokenHash");
    path = new URL(json.link).pathname;
    documentId = json.document.id;
    const listed = await api("GET", "/api/v1/clients/acme/acks");
    expect(listed.json.documents.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([[documentId, "pending"]]);
    expect(JSON.stringify(listed.json)).not.toContain(path.split("/").pop());
  });

  it("shows the client the risks in plain language, on a phone, with hostile strings as text and no script", async () => {
    const page = await newPage(390, 844);
    const response = await page.goto(`${base}${path}`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(response!.headers()["cache-control"]).toBe("no-store");
    const body = await text(page);
    expect(body).toContain(`Acme Dental & Co ${HOSTILE}`);
    expect(body).toContain(`TeamViewer 15 ${HOSTILE}`);
    expect(body).toContain("Why this is a risk:");
    expect(body).toContain("Acknowledgement of risk and waiver of liability");
    expect(await page.evaluate(`[document.querySelectorAll("script").length, document.querySelectorAll("img[onerror]").length, document.title === "pwned"]`)).toEqual([0, 0, false]);
    // Fits the phone's width: nothing scrolls sideways.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(await page.$$eval('input[type=radio][value="accept"]', (inputs) => inputs.length)).toBe(3);
    await page.close();
    const views = (await store.audit.list("acme")).filter((e) => e.kind === "ack.viewed");
    expect(views.at(-1)?.data).toMatchObject({ document: documentId, ip: "127.0.0.1" });
  });

  it("keeps what was typed and marks each problem when the form is incomplete", async () => {
    const page = await newPage();
    await page.goto(`${base}${path}`);
    await page.type("#name", "Dana Scully");
    const radios = await page.$$('input[type=radio][value="accept"]');
    await radios[0]!.click();
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    const body = await text(page);
    expect(body).toContain("Some answers need your attention (4)");
    expect(body).toContain("Enter your job title.");
    expect(body).toContain("Tick the box to confirm");
    expect(body.match(/Choose remediate or accept\./g)).toHaveLength(2);
    expect(await page.$eval("#name", (input) => (input as unknown as { value: string }).value)).toBe("Dana Scully");
    expect(await page.$$eval('input[type=radio][value="accept"]', (inputs) => inputs.map((i) => (i as unknown as { checked: boolean }).checked))).toEqual([true, false, false]);
    expect(await store.acks.get("acme", documentId)).toMatchObject({ status: "pending" });
    await page.close();
  });

  let signedPdf: Buffer;

  it("signs: decisions, typed name, consent; the thank-you page and the signed copy", async () => {
    clock = new Date(START.getTime() + 86_400_000);
    const page = await newPage(1000, 900);
    await page.goto(`${base}${path}`);
    const findings = await page.$$eval(".finding", (rows) => rows.map((r) => r.id.slice(2)));
    expect(findings).toHaveLength(3);
    // First: accept with a comment; the others: fix by a date.
    await page.click(`input[name="decision.${findings[0]}"][value="accept"]`);
    await page.type(`textarea[name="comment.${findings[0]}"]`, `Needed for the X-ray PC ${HOSTILE}`);
    for (const id of findings.slice(1)) {
      await page.click(`input[name="decision.${id}"][value="remediate"]`);
      await page.$eval(`input[name="by.${id}"]`, (input) => ((input as unknown as { value: string }).value = "2026-12-20"));
    }
    await page.type("#name", `Dana ${HOSTILE}`);
    await page.type("#title", "Practice Manager");
    await page.click("#consent");
    const [response] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(response!.status()).toBe(200);
    const body = await text(page);
    expect(body).toContain("Thank you: the acknowledgement is signed");
    expect(body).toContain(`Dana ${HOSTILE}, Practice Manager`);
    expect(await page.evaluate(`document.querySelectorAll("img[onerror]").length`)).toBe(0);
    // The signed copy, as the thank-you page links it.
    const href = await page.$eval("a.button", (a) => (a as unknown as { href: string }).href);
    const download = await fetch(href);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    signedPdf = Buffer.from(await download.arrayBuffer());
    await page.close();

    const verification = await verifySignedPdf(signedPdf);
    expect(verification.problems).toEqual([]);
    expect(verification.signer).toMatchObject({ commonName: "Northwind IT", fingerprintSha256: identity.fingerprintSha256 });
    expect(verification.attachment).toMatchObject({ document: { id: documentId }, signature: { name: `Dana ${HOSTILE}`, title: "Practice Manager", email: "dana@acme.example", ip: "127.0.0.1" } });
    const record = verification.attachment as { decisions: { decision: string; until: string; comment?: string }[] };
    expect(record.decisions.map((d) => [d.decision, d.until])).toEqual([["accept", "2027-11-24"], ["remediate", "2026-12-20"], ["remediate", "2026-12-20"]]);
    expect(record.decisions[0]!.comment).toBe(`Needed for the X-ray PC ${HOSTILE}`);
    // The MSP gets the same bytes through the API.
    expect((await api("GET", `/api/v1/clients/acme/acks/${documentId}/signed.pdf`)).bytes).toEqual(signedPdf);
    const details = await api("GET", `/api/v1/clients/acme/acks/${documentId}`);
    expect(details.json.signature).toMatchObject({ method: "electronic", signerName: `Dana ${HOSTILE}`, ip: "127.0.0.1" });
    expect(details.json.decisions).toHaveLength(3);
  });

  it("detects any changed byte in the signed PDF", async () => {
    for (const at of [200, Math.floor(signedPdf.length / 2), signedPdf.length - 100]) {
      const changed = Buffer.from(signedPdf);
      changed[at] = changed[at]! ^ 0x01;
      expect((await verifySignedPdf(changed)).valid, `byte ${at}`).toBe(false);
    }
  });

  it("refuses the used link, in a page that says why", async () => {
    const page = await newPage();
    const response = await page.goto(`${base}${path}`);
    expect(response!.status()).toBe(410);
    expect(await text(page)).toContain("cannot be signed again");
    const post = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "name=Mallory&title=x&consent=yes" });
    expect(post.status).toBe(410);
    expect(await store.acks.signature("acme", documentId)).toMatchObject({ signerName: `Dana ${HOSTILE}` });
    await page.close();
  });

  it("refuses an expired link, and the signed copy's download after an hour", async () => {
    const issued = await api("POST", "/api/v1/clients/globex/acks", { expiresDays: 1 });
    expect(issued.status).toBe(201);
    clock = new Date(clock.getTime() + 2 * 86_400_000);
    const page = await newPage();
    const response = await page.goto(`${base}${new URL(issued.json.link).pathname}`);
    expect(response!.status()).toBe(410);
    expect(await text(page)).toContain("This link has expired");
    const late = await fetch(`${base}${path}/signed.pdf`);
    expect(late.status).toBe(410);
    await page.close();
    const events = (await store.audit.list("globex")).map((e) => [e.kind, e.data.reason]);
    expect(events).toContainEqual(["ack.link-refused", "expired"]);
  });

  it("never reaches another client's documents, and unknown links get a plain 404 page", async () => {
    expect((await api("GET", `/api/v1/clients/globex/acks/${documentId}`)).status).toBe(404);
    expect((await api("GET", `/api/v1/clients/globex/acks/${documentId}/signed.pdf`)).status).toBe(404);
    expect((await api("GET", "/api/v1/clients/globex/acks")).json.documents.map((d: { id: string }) => d.id)).not.toContain(documentId);
    const unknown = await fetch(`${base}/sign/cvt_sign_${"x".repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("This signing link is not valid");
    // No admin token, or an agent's: no document.
    expect((await fetch(`${base}/api/v1/clients/acme/acks/${documentId}/signed.pdf`)).status).toBe(401);
  });

  it("keeps an audit chain of request, views, signature and waiver that verifies, and detects a tampered row", async () => {
    const events = await store.audit.list("acme");
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["ack.requested", "ack.viewed", "ack.signed", "waiver.added", "remediation.promised", "ack.link-refused"]));
    expect(verifyChain("acme", events).ok).toBe(true);
    const signed = events.find((e) => e.kind === "ack.signed")!;
    const forged = JSON.stringify({ ...signed.data, signer: "Someone Else" });
    if (store.kind === "sqlite") {
      const raw = new Database(db.url);
      raw.prepare("UPDATE audit_events SET data = ? WHERE client_slug = 'acme' AND seq = ?").run(forged, signed.seq);
      raw.close();
    } else {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query("UPDATE audit_events SET data = $1 WHERE client_slug = 'acme' AND seq = $2", [forged, signed.seq]);
      await client.end();
    }
    const check = verifyChain("acme", await store.audit.list("acme"));
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatchObject({ seq: signed.seq });
  });

  // npm run docs:screenshots: the pages as a client sees them, with a realistic client (no test strings).
  it.runIf(SCREENSHOTS && name === "sqlite")("takes the screenshots in docs/", async () => {
    clock = START;
    await store.clients.create({ slug: "riverside", name: "Riverside Family Dental", createdAt: "2026-08-01T00:00:00.000Z" });
    agents.set("riverside", (await issueToken(store, { kind: "agent", clientSlug: "riverside", now: START })).record);
    await putCatalog(store, evaluator, "riverside", CATALOG.replace("client: acme", "client: riverside"), START);
    await ingest("riverside", { id: "4c4c4544-0061-3410-8034-b8c04f565241", hostname: "RECEPTION-PC", collectedAt: "2026-11-22T08:00:00Z", os: WINDOWS_7, software: [{ name: "TeamViewer 15", version: "15.60.3", publisher: "TeamViewer" }] });
    await ingest("riverside", { id: "4c4c4544-0062-3410-8034-b8c04f565242", hostname: "SURGERY-2", collectedAt: "2026-11-22T08:00:00Z", software: [FLASH] });
    const { json } = await api("POST", "/api/v1/clients/riverside/acks", { signerEmail: "office@riverside.example" });
    const link = `${base}${new URL(json.link).pathname}`;
    const phone = await newPage(390, 844);
    await phone.goto(link);
    await phone.screenshot({ path: join(ROOT, "docs/signing-page-phone.png") });
    await phone.close();
    const page = await newPage(1000, 900);
    await page.goto(link);
    const ids = await page.$$eval(".finding", (rows) => rows.map((r) => r.id.slice(2)));
    await page.click(`input[name="decision.${ids[0]}"][value="accept"]`);
    await page.type(`textarea[name="comment.${ids[0]}"]`, "The X-ray imaging software only runs on Windows 7; the PC is off the internet.");
    for (const id of ids.slice(1)) await page.click(`input[name="decision.${id}"][value="remediate"]`);
    await page.type("#name", "Maria Lopez");
    await page.type("#title", "Practice Manager");
    await page.click("#consent");
    await page.screenshot({ path: join(ROOT, "docs/signing-page.png"), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    await page.screenshot({ path: join(ROOT, "docs/signing-done.png") });
    const signed = Buffer.from(await (await fetch(await page.$eval("a.button", (a) => (a as unknown as { href: string }).href))).arrayBuffer());
    await page.close();
    await writeFile(join(ROOT, "docs/sample-signed.pdf"), signed);
    // The certificate's first page follows the report's pages.
    const report = join(await mkdtemp(join(tmpdir(), "caveat-shots-")), "report.pdf");
    await writeFile(report, (await api("GET", `/api/v1/clients/riverside/acks/${json.document.id}/report.pdf`)).bytes!);
    const first = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [report], { encoding: "utf8" }))![1]) + 1;
    execFileSync("pdftoppm", ["-png", "-r", "70", "-singlefile", "-f", String(first), "-l", String(first), join(ROOT, "docs/sample-signed.pdf"), join(ROOT, "docs/signature-certificate")]);
    expect((await verifySignedPdf(signed)).valid).toBe(true);
  });
});
