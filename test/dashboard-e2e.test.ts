// The MSP dashboard end to end in a real browser (puppeteer, system Chromium), over real HTTP, on SQLite and
// PostgreSQL, with thirteen weeks of history made by the real services: scans ingested week by week, an
// acknowledgement requested and signed (accept, promise, promise broken), another left unanswered, a
// purchase behind the MSP's back. The MSP signs in, reads the clients' standing and its history, adds a
// note, requests a signature from the page; a forged cross-site form changes nothing; sign-out ends the
// session. With CAVEAT_SCREENSHOTS=1 it writes docs/dashboard.png and docs/dashboard-client.png.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLASH, TEST_LIFECYCLE, WINDOWS_7, type ScanSpec } from "../collector/src/evaluate/test-support.js";
import { buildServer, type FastifyInstance } from "../collector/src/http/server.js";
import { decidable, requestAcknowledgement, signAcknowledgement } from "../collector/src/service/acks.js";
import { putCatalog } from "../collector/src/service/catalogs.js";
import { createEvaluator, type Evaluator } from "../collector/src/service/evaluation.js";
import { ingestSpec } from "./ingest.js";
import { issueToken } from "../collector/src/service/tokens.js";
import { addUser } from "../collector/src/service/users.js";
import { openStore } from "../collector/src/store/open-store.js";
import type { Store, TokenRecord } from "../collector/src/store/types.js";
import { findBrowser } from "../reports/src/find-browser.js";
import { createSelfSignedIdentity, loadSigningIdentity, type SigningIdentity } from "../reports/src/pdf-signature.js";
import { createReportRenderer, type ReportRenderer } from "../reports/src/report.js";
import { bothDatabases } from "./postgres.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SCREENSHOTS = process.env.CAVEAT_SCREENSHOTS === "1";
const HOSTILE = `<img src=x onerror="document.title='pwned'">`;
const PASSWORD = "harbour lights at dawn";
const databases = bothDatabases("dashboard-e2e");

const NOW = new Date("2026-11-23T12:00:00Z");
const week = (w: number) => new Date(NOW.getTime() - w * 7 * 86_400_000);
const day = (w: number) => week(w).toISOString().slice(0, 10);
const catalog = (slug: string) => `schema: caveat.catalog/v1
client: ${slug}
software:
  deny:
    - { name: "TeamViewer*", reason: "Unmanaged remote access" }
procurement:
  - { serial: "5CG1234XYZ", model: "OptiPlex 7010", purchased: 2025-03-01, ref: "PO-1042" }
`;

let browser: Browser;
let renderer: ReportRenderer;
let identity: SigningIdentity;

beforeAll(async () => {
  browser = await puppeteer.launch({ executablePath: findBrowser(), headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  renderer = await createReportRenderer();
  const made = createSelfSignedIdentity({ commonName: "Northwind IT", organization: "Northwind IT Ltd", passphrase: "e2e passphrase", notBefore: new Date("2026-01-01T00:00:00Z") });
  identity = loadSigningIdentity(made.p12, "e2e passphrase", "e2e.p12", NOW);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await renderer?.close();
});

describe.each(databases)("the MSP dashboard in a browser: %s", (name, start) => {
  let db: { url: string; stop: () => Promise<void> };
  let store: Store;
  let evaluator: Evaluator;
  let app: FastifyInstance;
  let base: string;
  let context: BrowserContext;
  let attacker: Server;
  const agents = new Map<string, TokenRecord>();

  const ingest = (slug: string, at: Date, spec: ScanSpec) => ingestSpec(store, evaluator, agents.get(slug)!, { ...spec, collectedAt: at.toISOString() }, at);
  const text = (page: Page) => page.evaluate("document.body.innerText") as Promise<string>;
  const newPage = async (width = 1280, height = 900) => {
    const page = await context.newPage();
    await page.setViewport({ width, height });
    return page;
  };

  beforeAll(async () => {
    context = await browser.createBrowserContext();
    db = await start();
    store = await openStore(db.url);
    evaluator = createEvaluator(store, TEST_LIFECYCLE);
    for (const [slug, clientName] of [["riverside", "Riverside Family Dental"], ["harbor", "Harbor Accounting & Tax"], ["northwind-legal", "Northwind Legal"]] as const) {
      await store.clients.create({ slug, name: clientName, createdAt: "2026-08-01T00:00:00.000Z" });
      agents.set(slug, (await issueToken(store, { kind: "agent", clientSlug: slug, now: week(13) })).record);
      await putCatalog(store, evaluator, slug, catalog(slug), week(13));
    }
    await addUser(store, { email: "sam@northwind-it.example", name: "Sam Ortega", password: PASSWORD }, week(13));

    // Thirteen weeks, oldest first; acknowledgements are requested and signed when they happened.
    for (let w = 12; w >= 0; w--) {
      const at = new Date(week(w).getTime() - 4 * 3_600_000);
      await ingest("riverside", at, { id: "4c4c4544-0061-3410-8034-b8c04f565241", hostname: "RECEPTION-PC", os: WINDOWS_7, software: [{ name: "TeamViewer 15", version: "15.60.3", publisher: "TeamViewer" }] });
      await ingest("riverside", at, { id: "4c4c4544-0062-3410-8034-b8c04f565242", hostname: "SURGERY-2", software: w >= 8 ? [FLASH] : [] });
      if (w <= 3) await ingest("riverside", at, { id: "4c4c4544-0063-3410-8034-b8c04f565243", hostname: "LAPTOP-DR-PATEL", endpoint: { type: "laptop", manufacturer: "LENOVO", model: "ThinkPad X1 Carbon Gen 12", serial: "PF3XK9Q2" } });
      await ingest("harbor", at, { id: "4c4c4544-0071-3410-8034-b8c04f565251", hostname: "FRONT-DESK", os: WINDOWS_7, software: [FLASH] });
      await ingest("northwind-legal", at, { id: "4c4c4544-0081-3410-8034-b8c04f565261", hostname: "PARTNER-01" });
      if (w === 10) {
        const issued = await requestAcknowledgement(store, evaluator, renderer, "riverside", { kind: "baseline", signerEmail: "office@riverside.example", expiresDays: 14, acceptDays: 365, actor: "user:sam@northwind-it.example", now: week(10) });
        const ids = Object.fromEntries(decidable(JSON.parse((await store.acks.findings("riverside", issued.document.id))!)).map((f) => [f.subject.split(" ")[0], f.id]));
        const signed = await signAcknowledgement(
          { store, renderer, identity },
          issued.token,
          {
            name: "Maria Lopez",
            title: "Practice Manager",
            consent: "yes",
            [`decision.${ids.Microsoft}`]: "accept",
            [`comment.${ids.Microsoft}`]: "The X-ray software only runs on Windows 7.",
            [`decision.${ids.Adobe}`]: "remediate",
            [`by.${ids.Adobe}`]: day(6),
            [`decision.${ids.TeamViewer}`]: "remediate",
            [`by.${ids.TeamViewer}`]: day(2),
          },
          { ip: "198.51.100.20", userAgent: "Mozilla/5.0" },
          new Date(week(10).getTime() + 2 * 86_400_000),
        );
        expect(signed).toHaveProperty("signature");
      }
      if (w === 8) await requestAcknowledgement(store, evaluator, renderer, "harbor", { kind: "periodic", expiresDays: 14, actor: "user:sam@northwind-it.example", now: week(8) });
    }
    app = buildServer({ store, evaluator, identity, renderer: async () => renderer, now: () => NOW, publicUrl: "https://caveat.example.com" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // Another site (localhost is another site than 127.0.0.1) whose page posts a form to the dashboard.
    attacker = createServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(`<form method="post" action="${base}/dashboard/clients/riverside/notes"><input name="channel" value="other"><input name="who" value="Mallory"><input name="summary" value="forged"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, resolve)); // every address, IPv4 and IPv6: localhost may be either
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await app?.close();
    await store?.close();
    await db?.stop();
  }, 60_000);

  it("sends the MSP to sign in, refuses a wrong password keeping the email, then opens the page asked for", async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard/clients/riverside`);
    expect(page.url()).toBe(`${base}/login?next=%2Fdashboard%2Fclients%2Friverside`);
    await page.type("#email", "sam@northwind-it.example");
    await page.type("#password", "wrong password!");
    const [refused] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(refused!.status()).toBe(401);
    expect(await text(page)).toContain("the email or the password is not right");
    expect(await page.$eval("#email", (input) => (input as unknown as { value: string }).value)).toBe("sam@northwind-it.example");
    expect(await page.$eval("#password", (input) => (input as unknown as { value: string }).value)).toBe("");
    await page.type("#password", PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(page.url()).toBe(`${base}/dashboard/clients/riverside`);
    // HttpOnly: the page's own script (if any could run) cannot read the session.
    expect(await page.evaluate("document.cookie")).toBe("");
    const [cookie] = await context.cookies();
    // Behind https (publicUrl): a __Host- cookie, Secure, pinned to this host (Chromium keeps Secure cookies on loopback).
    expect(cookie).toMatchObject({ name: "__Host-caveat_session", httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    await page.close();
  });

  it("lists the clients worst standing first, with findings, answers, purchases, signatures and trends", async () => {
    const page = await newPage();
    const response = await page.goto(`${base}/dashboard`);
    expect(response!.headers()["content-security-policy"]).toContain("default-src 'none'");
    const rows = (await page.$$eval("tbody tr", (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText.replace(/\s+/g, " ")))) as string[];
    expect(rows.map((r) => r.split(" harbor")[0]!.split(" riverside")[0]!.split(" northwind-legal")[0])).toEqual(["Harbor Accounting & Tax", "Riverside Family Dental", "Northwind Legal"]);
    expect(rows[0]).toMatch(/ 0 At risk /);
    expect(rows[0]).toContain("2 ignored");
    expect(rows[0]).toContain("1 lapsed unsigned");
    expect(rows[0]).toContain("Never signed");
    expect(rows[1]).toMatch(/ 42 Poor /);
    expect(rows[1]).toContain("1 overdue");
    expect(rows[1]).toContain(`Signed ${new Date(week(10).getTime() + 2 * 86_400_000).getUTCDate()}`);
    expect(rows[2]).toContain("Not scored yet");
    // The combined chart and one sparkline per client with open findings: bars drawn by the server, no script.
    expect(await page.$$eval("svg", (svgs) => svgs.length)).toBe(3);
    expect(rows[2]).toContain("nothing open");
    expect(await page.$$eval("svg.chart rect", (rects) => rects.length)).toBeGreaterThan(13);
    expect(await page.evaluate(`document.querySelectorAll("script").length`)).toBe(0);
    await page.close();
  });

  it("shows one client's standing, its history, the advice and answers, and each document", async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard/clients/riverside`);
    const body = await text(page);
    const tile = async (label: string) => page.$$eval(".tile", (tiles, wanted) => tiles.map((t) => (t as unknown as { innerText: string }).innerText).find((s) => s.split("\n")[1] === wanted)?.split("\n")[0], label);
    expect(await tile("Risks advised")).toBe("3");
    expect(await tile("Accepted in writing")).toBe("1");
    expect(await tile("Remediated")).toBe("1");
    expect(await tile("Overdue")).toBe("1");
    expect(await tile("Ignored")).toBe("0");
    expect(await tile("Unapproved purchases")).toBe("1");
    expect(body).toContain("42\n/ 100");
    // Thirteen weekly points. Nothing is scored until the first answer (the document of week 10 is awaiting
    // at the end of its week); then accept 2 + promises 2.25 + 2.25 of 10 = 65; Flash gone = 73; the
    // unregistered laptop adds weight 2 with no credit = 60; the TeamViewer promise (due week 2) broken = 42.
    const dots = (await page.$$eval("circle.dot title", (titles) => titles.map((t) => t.textContent))) as string[];
    expect(dots).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((w, i) => `${day(w)}: ${[65, 65, 73, 73, 73, 73, 60, 60, 42, 42][i]}`));
    expect(body).toContain(`Overdue\tHigh\tProhibited software installed\tRECEPTION-PC\tTeamViewer 15\t14 Sep 2026\t9 Nov 2026`);
    expect(body).toContain("Accepted in writing\tCritical\tOperating system past end of life\tRECEPTION-PC\tMicrosoft Windows 7 Professional\t14 Sep 2026\t16 Sep 2027");
    expect(body).toContain("Remediated\tHigh\tSoftware past end of life\tSURGERY-2\tAdobe Flash Player");
    expect(body).toContain("Signed by Maria Lopez (Practice Manager)");
    // First seen thirteen weeks ago, in the first scan (not the scan before the latest).
    expect(body).toContain("Critical\tOperating system past end of life\tRECEPTION-PC\tMicrosoft Windows 7 Professional\t31 Aug 2026\tAccepted");
    expect(body).toContain("ThinkPad X1 Carbon Gen 12");
    const signedHref = await page.$eval('a[href$="signed.pdf"]', (a) => (a as unknown as { href: string }).href);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const pdf = await fetch(signedHref, { headers: { cookie } });
    expect([pdf.status, pdf.headers.get("content-type")]).toEqual([200, "application/pdf"]);
    expect((await fetch(signedHref, { redirect: "manual" })).status).toBe(303);
    await page.close();
  });

  it("adds a note through the form, shown as text", async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard/clients/harbor`);
    await page.select("#note-channel", "meeting");
    await page.type("#note-who", "Sam (Northwind IT), Lee Chan (owner)");
    await page.type("#note-summary", `Explained the unsigned acknowledgement ${HOSTILE}`);
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/notes"] button')]);
    expect(page.url()).toBe(`${base}/dashboard/clients/harbor#notes`);
    expect(await text(page)).toContain(`Explained the unsigned acknowledgement ${HOSTILE}`);
    expect(await page.evaluate(`[document.querySelectorAll("img[onerror]").length, document.title === "pwned"]`)).toEqual([0, false]);
    expect((await store.notes.list("harbor")).at(-1)).toMatchObject({ channel: "meeting", recordedBy: "user:sam@northwind-it.example" });
    await page.close();
  });

  it("changes nothing for a form another site makes the signed-in browser post", async () => {
    const before = (await store.notes.list("riverside")).length;
    const page = await newPage();
    const evil = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
    const [response] = await Promise.all([page.waitForNavigation(), page.goto(evil)]);
    expect([401, 403]).toContain(response!.status());
    expect(await store.notes.list("riverside")).toHaveLength(before);
    await page.close();
  });

  it("requests a signature from the client's page and shows the link once; the link opens the signing page", async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard/clients/harbor`);
    await page.type("#signerEmail", "lee@harbor.example");
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action$="/acks"] button')]);
    expect(response!.status()).toBe(201);
    const link = await page.$eval("#signing-link", (p) => p.textContent);
    expect(link).toMatch(/^https:\/\/caveat\.example\.com\/sign\/cvt_sign_[\w-]{43}$/);
    expect(await text(page)).toMatch(/Awaiting signature until/);
    await page.goto(`${base}/dashboard/clients/harbor`);
    expect(await page.$("#signing-link")).toBeNull();
    const client = await browser.createBrowserContext();
    const signing = await client.newPage();
    const opened = await signing.goto(`${base}${new URL(link!).pathname}`);
    expect(opened!.status()).toBe(200);
    expect(await signing.evaluate("document.body.innerText")).toContain("Harbor Accounting & Tax");
    await client.close();
    expect((await store.audit.list("harbor")).filter((e) => e.kind === "ack.requested").at(-1)).toMatchObject({ actor: "user:sam@northwind-it.example", data: expect.objectContaining({ signerEmail: "lee@harbor.example" }) });
    await page.close();
  });

  // npm run docs:screenshots
  it.runIf(SCREENSHOTS && name === "sqlite")("takes the dashboard screenshots in docs/", async () => {
    const page = await newPage(1280, 900);
    await page.goto(`${base}/dashboard`);
    await page.screenshot({ path: join(ROOT, "docs/dashboard.png"), fullPage: true });
    await page.goto(`${base}/dashboard/clients/riverside`);
    await page.screenshot({ path: join(ROOT, "docs/dashboard-client.png"), fullPage: true });
    await page.close();
  });

  it("signs out: the session ends and the pages ask for a sign-in again", async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
    expect(page.url()).toBe(`${base}/login`);
    await page.goto(`${base}/dashboard`);
    expect(page.url()).toBe(`${base}/login?next=%2Fdashboard`);
    await page.close();
  });
});
