// caveat reminders run / list as an MSP runs them (from cron, say): a SQLite database, a catalog with a
// waiver that expires soon, and a webhook receiver on loopback.
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";

let work: string;
let db: string;
const posts: { path: string; event: string | undefined; body: string }[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8").on("data", (d: string) => (body += d));
  req.on("end", () => {
    posts.push({ path: req.url ?? "", event: req.headers["x-caveat-event"] as string | undefined, body });
    res.statusCode = 204;
    res.end();
  });
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caveat-reminders-cli-"));
  db = join(work, "caveat.db");
  const catalog = join(work, "acme.catalog.yaml");
  await writeFile(
    catalog,
    `schema: caveat.catalog/v1
client: acme-dental
waivers:
  - rule: os.end-of-life
    endpoint: "RECEPTION-*"
    subject: "*Windows 7*"
    justification: "The X-ray software only runs on Windows 7"
    acceptedBy: "J. Doe, Practice Manager"
    accepted: 2026-01-10
    expires: ${inDays(10)}
    ref: "ACK-2026-001"
  - rule: software.end-of-life
    subject: "Microsoft Office 2010"
    justification: "Macros"
    acceptedBy: "J. Doe, Practice Manager"
    accepted: 2026-01-10
    expires: ${inDays(200)}
`,
  );
  for (const args of [
    ["client", "add", "acme-dental", "--name", "Acme Dental"],
    ["catalog", "push", catalog, "--client", "acme-dental"],
  ]) {
    const result = await runCli([...args, "--database", db]);
    expect(result.code, result.stderr).toBe(0);
  }
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});

afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe("caveat reminders", () => {
  it("refuses a webhook address that is not http(s), and email options without a mail server, with exit 2", async () => {
    const ftp = await runCli(["reminders", "run", "--webhook", "ftp://x", "--database", db]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain('--webhook "ftp://x": expected an http:// or https:// address');
    const noFrom = await runCli(["reminders", "run", "--smtp", "smtp://127.0.0.1:25", "--mail-to", "sam@msp.example", "--database", db]);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain("--smtp needs --mail-from");
    const badTo = await runCli(["reminders", "run", "--smtp", "smtp://127.0.0.1:25", "--mail-from", "caveat@msp.example", "--mail-to", "sam@msp.example,nobody", "--database", db]);
    expect(badTo.code).toBe(2);
    expect(badTo.stderr).toContain('--mail-to "nobody": expected email addresses');
    expect(posts).toHaveLength(0);
  });

  it("queues the soon-expiring waiver's reminder, posts it once, and lists it as delivered", async () => {
    const { port } = receiver.address() as AddressInfo;
    const run = await runCli(["reminders", "run", "--webhook", `http://127.0.0.1:${port}/hook`, "--database", db]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("queued 1 expiring and 0 expired reminders (2 waivers of 1 client checked, 30 days ahead)");
    expect(run.stderr).toContain("1 delivered, 0 to retry, 0 given up");
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ path: "/hook", event: "waiver.expiring" });
    expect(JSON.parse(posts[0]!.body)).toMatchObject({ kind: "waiver.expiring", client: "acme-dental", payload: { waiver: { ref: "ACK-2026-001", expires: inDays(10), source: "catalog" }, daysLeft: 10 } });

    // Run again (the next cron tick): nothing new is queued or sent.
    const again = await runCli(["reminders", "run", "--webhook", `http://127.0.0.1:${port}/hook`, "--database", db]);
    expect(again.code, again.stderr).toBe(0);
    expect(posts).toHaveLength(1);

    const list = await runCli(["reminders", "list", "--client", "acme-dental", "--database", db]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^\\S+\\s+waiver\\.expiring\\s+ACK-2026-001\\s+${inDays(10)}\\s+delivered\\s+1\\s*$`, "m"));
    const audit = await runCli(["audit", "export", "--client", "acme-dental", "--database", db]);
    expect(JSON.parse(audit.stdout).events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(["reminder.queued", "reminder.sent"]));
  });
});
