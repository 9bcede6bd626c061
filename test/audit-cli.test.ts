// caveat audit verify / export as an MSP runs them, on a real SQLite database changed behind caveat's
// back the way someone covering their tracks would: an edited row, a deleted row, the newest rows removed.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "./cli.js";

let work: string;
const setUp = async (name: string) => {
  const db = join(work, `${name}.db`);
  for (const args of [
    ["client", "add", "acme-dental", "--name", "Acme Dental"],
    ["client", "add", "globex", "--name", "Globex"],
    ["catalog", "push", join(ROOT, "collector/samples/acme-dental.catalog.yaml"), "--client", "acme-dental"],
    ["token", "create", "--client", "acme-dental", "--label", "front desk"],
  ]) {
    const result = await runCli([...args, "--database", db]);
    expect(result.code, result.stderr).toBe(0);
  }
  return db;
};
const tamper = (db: string, sql: string) => {
  const handle = new Database(db);
  handle.prepare(sql).run();
  handle.close();
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caveat-audit-cli-"));
});

describe("caveat audit", () => {
  it("verifies an untouched trail and prints each client's head", async () => {
    const db = await setUp("clean");
    const result = await runCli(["audit", "verify", "--database", db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^acme-dental: (\d+) events, chain intact; head \1:[0-9a-f]{64}$/m);
    expect(result.stderr).toMatch(/^globex: 1 event, chain intact; head 1:[0-9a-f]{64}$/m);
  });

  it("exports the evidence pack: every event, who did it, and the verification", async () => {
    const db = await setUp("export");
    const out = join(work, "acme-audit.json");
    const result = await runCli(["audit", "export", "--client", "acme-dental", "--out", out, "--database", db]);
    expect(result.code, result.stderr).toBe(0);
    const pack = JSON.parse(await readFile(out, "utf8"));
    expect(pack.schema).toBe("caveat.audit-export/v1");
    expect(pack.verification.ok).toBe(true);
    expect(pack.events.map((e: { kind: string }) => e.kind)).toEqual(["client.created", "catalog.changed", "waiver.added", "waiver.added", "procurement.changed", "token.issued"]);
    expect(pack.events.every((e: { actor: string }) => /^cli:\S+$/.test(e.actor))).toBe(true);
    expect(pack.events[2].data).toMatchObject({ rule: "os.end-of-life", endpoint: "RECEPTION-*", acceptedBy: "J. Doe, Practice Manager" });
    expect(JSON.stringify(pack)).not.toContain("globex");
  });

  it("records notes and exports the evidence pack as a PDF: verdict, head, notes, every event; a tampered trail says so", async () => {
    const db = await setUp("pdf");
    const note = await runCli(["note", "add", "--client", "acme-dental", "--channel", "phone", "--who", "Sam (MSP), Dana <Acme>", "--summary", "Dana declined the Windows 7 upgrade again", "--date", "2026-11-02", "--database", db]);
    expect(note.code, note.stderr).toBe(0);
    const badNote = await runCli(["note", "add", "--client", "acme-dental", "--channel", "fax", "--who", "x", "--summary", "y", "--database", db]);
    expect(badNote.code).toBe(2);
    expect(badNote.stderr).toContain('channel "fax": expected one of phone, email');
    const listed = await runCli(["note", "list", "--client", "acme-dental", "--database", db]);
    expect(listed.stdout).toMatch(/^2026-11-02\s+phone\s+Sam \(MSP\), Dana <Acme>\s+Dana declined the Windows 7 upgrade again/m);
    expect((await runCli(["audit", "export", "--client", "acme-dental", "--format", "pdf", "--database", db])).stderr).toContain("--format pdf writes a file");

    const pdfText = async (name: string) => {
      const out = join(work, name);
      const result = await runCli(["audit", "export", "--client", "acme-dental", "--format", "pdf", "--out", out, "--branding", join(ROOT, "reports/samples/northwind.branding.yaml"), "--database", db]);
      expect(result.code, result.stderr).toBe(0);
      return execFileSync("pdftotext", ["-layout", out, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    };
    const clean = await pdfText("pack.pdf");
    expect(clean).toContain("Evidence pack");
    expect(clean).toContain("Acme Dental");
    expect(clean).toContain("The audit trail is intact");
    expect(clean).toContain("Dana declined the Windows 7 upgrade again");
    expect(clean).toContain("Sam (MSP), Dana <Acme>");
    for (const kind of ["client.created", "catalog.changed", "waiver.added", "procurement.changed", "token.issued", "note.added"]) expect(clean).toContain(kind);
    expect(clean).toMatch(/Chain head 7:[0-9a-f]{64}/);
    tamper(db, `UPDATE audit_events SET actor = 'cli:someone-else' WHERE client_slug = 'acme-dental' AND seq = 2`);
    const tampered = await pdfText("pack-tampered.pdf");
    expect(tampered).toContain("The audit trail does NOT verify");
    expect(tampered).toContain("Event 2: was changed after it was recorded");
  });

  it("detects an edited event: exit 1, naming the client and the event", async () => {
    const db = await setUp("edited");
    tamper(db, `UPDATE audit_events SET data = replace(data, 'J. Doe, Practice Manager', 'Nobody') WHERE client_slug = 'acme-dental' AND seq = 3`);
    const result = await runCli(["audit", "verify", "--database", db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("acme-dental: event 3 was changed after it was recorded");
    expect(result.stderr).toContain("the audit trail of acme-dental was tampered with");
    expect(result.stderr).toMatch(/^globex: 1 event, chain intact/m);
  });

  it("detects a deleted event, and removed newest events against a head printed earlier", async () => {
    const db = await setUp("deleted");
    const before = await runCli(["audit", "verify", "--client", "acme-dental", "--database", db]);
    const head = /head (\d+:[0-9a-f]{64})/.exec(before.stderr)![1]!;
    tamper(db, `DELETE FROM audit_events WHERE client_slug = 'acme-dental' AND seq = (SELECT MAX(seq) FROM audit_events WHERE client_slug = 'acme-dental')`);
    expect((await runCli(["audit", "verify", "--client", "acme-dental", "--database", db])).code).toBe(0);
    const truncated = await runCli(["audit", "verify", "--client", "acme-dental", "--head", head, "--database", db]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain("the newest events were removed");
    tamper(db, `DELETE FROM audit_events WHERE client_slug = 'acme-dental' AND seq = 2`);
    const gap = await runCli(["audit", "verify", "--client", "acme-dental", "--database", db]);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toContain("acme-dental: event 3 events 2..2 are missing");
  });

  it("refuses an unknown client and a malformed head with exit 2", async () => {
    const db = await setUp("usage");
    const unknown = await runCli(["audit", "export", "--client", "nobody", "--database", db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no client "nobody"');
    const head = await runCli(["audit", "verify", "--client", "acme-dental", "--head", "12", "--database", db]);
    expect(head.code).toBe(2);
    expect(head.stderr).toContain("expected SEQ:SHA256");
  });
});
