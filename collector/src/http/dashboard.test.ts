// The MSP dashboard over real HTTP on a real SQLite file: sign-in, sessions, CSRF, tenant paths, escaping,
// and the standing it shows. The browser end to end (both databases, screenshots) is test/dashboard-e2e.test.ts.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Findings } from "../../../schemas/findings.v1.js";
import type { Inventory } from "../../../schemas/inventory.v1.js";
import { BUNDLED_PRODUCTS } from "../lifecycle/data/index.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { createClient } from "../service/audit.js";
import { scansSince } from "../service/dashboard.js";
import { createEvaluator } from "../service/evaluation.js";
import { issueToken, hashToken } from "../service/tokens.js";
import { addUser } from "../service/users.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { buildServer, type FastifyInstance } from "./server.js";

const PASSWORD = "a long dashboard passphrase";
const HOSTILE = `<img src=x onerror="alert(1)">`;
let store: Store;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openStore(join(await mkdtemp(join(tmpdir(), "caveat-dash-")), "caveat.db"));
  // No Chromium here: a request that got as far as rendering would fail (the browser e2e renders).
  app = buildServer({ store, evaluator: createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS)), renderer: () => Promise.reject(new Error("Chromium must not start in this test")) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await addUser(store, { email: "sam@msp.example", name: `Sam ${HOSTILE}`, password: PASSWORD }, new Date());
  await createClient(store, { slug: "acme", name: `Acme ${HOSTILE}`, createdAt: "2026-01-01T00:00:00.000Z" }, "test");
  await createClient(store, { slug: "globex", name: "Globex", createdAt: "2026-01-01T00:00:00.000Z" }, "test");
  // One Windows 7 endpoint for acme, through the real ingest API.
  const agent = (await issueToken(store, { kind: "agent", clientSlug: "acme", now: new Date() })).token;
  const inventory = JSON.parse(await readFile(new URL("../../../agent/test/fixtures/legacy/win7-pro-sp1/inventory.json", import.meta.url), "utf8")) as Inventory;
  delete inventory.client;
  inventory.scanId = randomUUID();
  inventory.collectedAt = new Date(Date.now() - 3_600_000).toISOString();
  inventory.endpoint.hostname = `RECEPTION-${HOSTILE}`;
  const ingest = await fetch(`${base}/api/v1/inventories`, { method: "POST", headers: { authorization: `Bearer ${agent}`, "content-type": "application/json" }, body: JSON.stringify(inventory) });
  expect(ingest.status).toBe(201);
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function call(method: string, path: string, options: { cookie?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    redirect: "manual",
    headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.form ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...options.headers },
    body: options.form ? new URLSearchParams(options.form).toString() : undefined,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function signIn(email = "sam@msp.example", password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const answer = await call("POST", "/login", { form: { email, password, next: "/dashboard" } });
  expect(answer.status).toBe(303);
  const cookie = answer.headers.get("set-cookie")!.split(";")[0]!;
  const page = await call("GET", "/dashboard", { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  return { cookie, csrf };
}

describe("sign-in", () => {
  it("sends a visitor without a session to the sign-in page, keeping where they were going", async () => {
    for (const path of ["/dashboard", "/dashboard/clients/acme", "/dashboard/clients/acme/acks/CVT-20261123-0123456789/report.pdf"]) {
      const answer = await call("GET", path);
      expect(answer.status, path).toBe(303);
      expect(answer.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await call("GET", "/")).headers.get("location")).toBe("/dashboard");
    const page = await call("GET", "/login?next=%2Fdashboard%2Fclients%2Facme");
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="next" value="/dashboard/clients/acme"');
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("refuses a wrong password with the same words as an unknown email, keeps the email typed, sets no cookie", async () => {
    const wrong = await call("POST", "/login", { form: { email: "sam@msp.example", password: "not the password" } });
    const unknown = await call("POST", "/login", { form: { email: "nobody@msp.example", password: PASSWORD } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(wrong.text).toContain('value="sam@msp.example"');
    expect(wrong.text).toContain("the email or the password is not right");
    expect(unknown.text).toContain("the email or the password is not right");
  });

  it("signs in with an HttpOnly, SameSite=Strict cookie whose secret is stored only as a hash, and goes only to dashboard paths", async () => {
    const answer = await call("POST", "/login", { form: { email: "SAM@msp.example", password: PASSWORD, next: "/dashboard/clients/acme" } });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/dashboard/clients/acme");
    const cookie = answer.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^caveat_session=cvt_session_[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const secret = cookie.split(";")[0]!.split("=")[1]!;
    expect(await store.sessions.get(secret)).toBeUndefined();
    expect(await store.sessions.get(hashToken(secret))).toMatchObject({ ip: "127.0.0.1" });
    for (const next of ["//evil.example/x", "https://evil.example/", "/dashboard\\@evil.example", "/api/v1/clients", "javascript:alert(1)"]) {
      const elsewhere = await call("POST", "/login", { form: { email: "sam@msp.example", password: PASSWORD, next } });
      expect(elsewhere.headers.get("location"), next).toBe("/dashboard");
    }
  });

  it("refuses a sign-in form posted from another site", async () => {
    const answer = await call("POST", "/login", { form: { email: "sam@msp.example", password: PASSWORD }, headers: { origin: "https://evil.example" } });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("set-cookie")).toBeNull();
  });

  it("makes an address wait after ten failed sign-ins", async () => {
    const headers = { "x-forwarded-for": "203.0.113.50" }; // ignored without trustProxy: all from 127.0.0.1 here
    const local = buildServer({ store, evaluator: createEvaluator(store, new LifecycleIndex(BUNDLED_PRODUCTS)) });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const answer = await local.inject({ method: "POST", url: "/login", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, payload: `email=sam%40msp.example&password=wrong${i}` });
      statuses.push(answer.statusCode);
      if (i === 10) {
        expect(answer.headers["retry-after"]).toMatch(/^\d+$/);
        expect(answer.body).toContain("Too many failed sign-ins");
      }
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    // The right password waits too: the throttle answers before the password is checked.
    const right = await local.inject({ method: "POST", url: "/login", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: `email=sam%40msp.example&password=${encodeURIComponent(PASSWORD)}` });
    expect(right.statusCode).toBe(429);
    await local.close();
  });
});

describe("pages", () => {
  it("shows every client with its standing, and every string as text", async () => {
    const { cookie } = await signIn();
    const page = await call("GET", "/dashboard", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.text).toContain('href="/dashboard/clients/acme"');
    expect(page.text).toContain('href="/dashboard/clients/globex"');
    expect(page.text).toContain("Acme &lt;img src&#x3D;x onerror&#x3D;&quot;alert(1)&quot;&gt;");
    expect(page.text).not.toContain(HOSTILE);
    expect(page.text).not.toMatch(/<script/i);
  });

  it("shows one client's endpoints and findings, and answers an unknown client with a page", async () => {
    const { cookie } = await signIn();
    const page = await call("GET", "/dashboard/clients/acme", { cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain("RECEPTION-&lt;img");
    expect(page.text).toContain("Microsoft Windows 7 Professional");
    expect(page.text).toContain("Operating system past end of life");
    expect(page.text).not.toContain(HOSTILE);
    for (const path of ["/dashboard/clients/nobody", "/dashboard/clients/..%2Fadmin", "/dashboard/clients/acme/acks/CVT-20261123-0123456789/report.pdf", "/dashboard/clients/acme/acks/..%2F..%2Fx/signed.pdf"]) {
      const missing = await call("GET", path, { cookie });
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get("content-type")).toContain("text/html");
    }
  });

  it("scores a client who left advice unanswered past the answer period", async () => {
    const findings = (await store.findings.current("acme")).filter((f) => !f.waived && f.severity !== "info");
    expect(findings.length).toBeGreaterThan(0);
    const snapshot: Findings = { schema: "caveat.findings/v1", asOf: "2026-01-01", client: "acme", summary: { endpoints: 1, scans: 1, findings: findings.length, waived: 0, bySeverity: {}, byRule: {} }, findings, endpoints: [] } as unknown as Findings;
    const createdAt = new Date(Date.now() - 45 * 86_400_000).toISOString();
    await store.acks.create({ id: "CVT-20260101-0123456789", clientSlug: "acme", kind: "periodic", createdAt, createdBy: "test", asOf: createdAt.slice(0, 10), expiresAt: new Date(Date.parse(createdAt) + 14 * 86_400_000).toISOString(), tokenHash: "t".repeat(64), acceptDays: 365, findings: JSON.stringify(snapshot), view: "{}", findingsSha256: "f".repeat(64), pdf: new Uint8Array([0x25, 0x50, 0x44, 0x46]), pdfSha256: "p".repeat(64) });
    const { cookie } = await signIn();
    const page = await call("GET", "/dashboard/clients/acme", { cookie });
    expect(page.text).toMatch(/<span class="n">0<\/span><span>\/ 100<\/span>/);
    expect(page.text).toContain("At risk");
    expect(page.text).toMatch(new RegExp(`<div class="value">${findings.length}</div><div class="label">Ignored</div>`));
    expect(page.text).toContain("Link lapsed unsigned");
    const pdf = await call("GET", "/dashboard/clients/acme/acks/CVT-20260101-0123456789/report.pdf", { cookie });
    expect([pdf.status, pdf.headers.get("content-type"), pdf.text]).toEqual([200, "application/pdf", "%PDF"]);
    // The same document id under another client's path is not reachable.
    expect((await call("GET", "/dashboard/clients/globex/acks/CVT-20260101-0123456789/report.pdf", { cookie })).status).toBe(404);
    const overview = await call("GET", "/dashboard", { cookie });
    expect(overview.text).toContain("1 lapsed unsigned");
  });
});

describe("trend data", () => {
  it("reads every scan of the window however many there are, a page at a time", async () => {
    await createClient(store, { slug: "paged", name: "Paged", createdAt: "2026-01-01T00:00:00.000Z" }, "test");
    const scan = (i: number, at: string) => ({ scanId: randomUUID(), clientSlug: "paged", collectedAt: at, receivedAt: at, inventory: { text: "{}" }, endpoint: { id: `e${i}`, hostname: `PC-${i}`, os: "Windows 11", type: "desktop" }, softwareCount: 0, findings: [], summary: { findings: i, waived: 0, bySeverity: { high: i } } });
    // Seven scans, three of them at one moment: pages of two overlap at their boundaries.
    const moments = ["2026-10-01T00:00:00.000Z", "2026-10-02T00:00:00.000Z", "2026-10-02T00:00:00.000Z", "2026-10-02T00:00:00.000Z", "2026-10-03T00:00:00.000Z", "2026-10-04T00:00:00.000Z", "2026-10-05T00:00:00.000Z"];
    for (const [i, at] of moments.entries()) await store.scans.add(scan(i, at));
    expect((await scansSince(store, "paged", "2026-09-01T00:00:00.000Z", 2)).map((s) => s.summary.findings).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await scansSince(store, "paged", "2026-10-03T00:00:00.000Z", 2)).map((s) => s.summary.findings).sort()).toEqual([4, 5, 6]);
  });
});

describe("forms", () => {
  const note = { date: "2026-11-20", channel: "phone", who: "Dana <b>Scully</b>", summary: "Advised replacing the reception PC" };

  it("adds a note only with the session's CSRF token and from this origin", async () => {
    const { cookie, csrf } = await signIn();
    const before = (await store.notes.list("acme")).length;
    expect((await call("POST", "/dashboard/clients/acme/notes", { cookie, form: note })).status).toBe(403);
    expect((await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, _csrf: `${csrf}x` } })).status).toBe(403);
    const other = await signIn();
    expect((await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, _csrf: other.csrf } })).status).toBe(403);
    expect((await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, _csrf: csrf }, headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, _csrf: csrf }, headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    expect((await call("POST", "/dashboard/clients/acme/notes", { form: { ...note, _csrf: csrf } })).status).toBe(401);
    expect(await store.notes.list("acme")).toHaveLength(before);

    const added = await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, _csrf: csrf }, headers: { origin: base } });
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe("/dashboard/clients/acme#notes");
    expect((await store.notes.list("acme")).at(-1)).toMatchObject({ ...note, recordedBy: "user:sam@msp.example" });
    expect((await store.audit.list("acme")).at(-1)).toMatchObject({ kind: "note.added", actor: "user:sam@msp.example" });
    expect((await call("GET", "/dashboard/clients/acme", { cookie })).text).toContain("Dana &lt;b&gt;Scully&lt;/b&gt;");
  });

  it("keeps what was typed and says what is wrong when a note is incomplete", async () => {
    const { cookie, csrf } = await signIn();
    const answer = await call("POST", "/dashboard/clients/acme/notes", { cookie, form: { ...note, summary: " ", who: "Dana", _csrf: csrf } });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/class="error" role="alert">[^<]*summary/);
    expect(answer.text).toContain('value="Dana"');
  });

  it("keeps what was typed and says what is wrong when a signature request is not valid, before starting Chromium", async () => {
    const { cookie, csrf } = await signIn();
    const before = (await store.acks.list("acme")).length;
    for (const [field, value, words] of [["expiresDays", "two weeks", "lifetime: expected a whole number of days"], ["expiresDays", "120", "expires: expected 1 to 90 days"], ["acceptDays", "0", "accept period: expected 1 to 1095 days"], ["signerEmail", "dana at acme", "expected an address like name@example.com"]] as const) {
      const answer = await call("POST", "/dashboard/clients/acme/acks", { cookie, form: { _csrf: csrf, signerEmail: "dana@acme.example", [field]: value } });
      expect(answer.status, `${field}=${value}`).toBe(400);
      expect(answer.text).toContain(words);
      expect(answer.text).toContain(`value="${field === "signerEmail" ? value : "dana@acme.example"}"`);
    }
    expect(await store.acks.list("acme")).toHaveLength(before);
  });

  it("refuses a form body anywhere in the API and a JSON body at sign-in", async () => {
    expect((await call("POST", "/api/v1/clients", { form: { slug: "x" } })).status).toBe(401);
    const json = await fetch(`${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(json.status).toBe(415);
  });

  it("signs out: the cookie stops working at once", async () => {
    const { cookie, csrf } = await signIn();
    expect((await call("POST", "/logout", { cookie, form: {} })).status).toBe(403);
    const out = await call("POST", "/logout", { cookie, form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await call("GET", "/dashboard", { cookie })).status).toBe(303);
  });

  it("asks for the password again after the user is disabled", async () => {
    await addUser(store, { email: "temp@msp.example", name: "Temp", password: PASSWORD }, new Date());
    const { cookie } = await signIn("temp@msp.example");
    const user = await store.users.byEmail("temp@msp.example");
    await store.users.disable(user!.id, new Date().toISOString());
    expect((await call("GET", "/dashboard", { cookie })).status).toBe(303);
    expect((await call("POST", "/login", { form: { email: "temp@msp.example", password: PASSWORD } })).status).toBe(401);
  });
});
