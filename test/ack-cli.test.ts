// caveat cert create and caveat ack request / list / get / import / verify as an MSP runs them, against
// a real SQLite file holding the sample Acme Dental fleet: the signing identity on disk, the one-time
// link on stdout, the PDFs read back with poppler, a paper copy recorded, a document signed through the
// signing service and checked by `ack verify` (and broken in the ways a forger would); serve refusing a
// key it cannot open.
import { execFileSync, spawn } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../collector/src/lifecycle/dataset.js";
import { decidable, openAcknowledgement, signAcknowledgement, type SignedAck } from "../collector/src/service/acks.js";
import { createEvaluator } from "../collector/src/service/evaluation.js";
import { ingestInventory } from "../collector/src/service/ingest.js";
import { issueToken } from "../collector/src/service/tokens.js";
import { openStore } from "../collector/src/store/open-store.js";
import { loadSigningIdentity } from "../reports/src/pdf-signature.js";
import { createReportRenderer } from "../reports/src/report.js";
import { CAVEAT, ROOT, runCli, type CliResult } from "./cli.js";

const FLEET = join(ROOT, "collector/samples/acme-dental/fleet");
const CATALOG = join(ROOT, "collector/samples/acme-dental.catalog.yaml");
const UNSIGNED_PDF = join(ROOT, "docs/sample-report.pdf");
const PASSPHRASE = "correct horse battery staple";
const URL_BASE = "https://caveat.example.com";
const LINK = /^https:\/\/caveat\.example\.com\/sign\/(cvt_sign_[A-Za-z0-9_-]{43})\n$/;
const DOCUMENT_ID = /^document (CVT-\d{8}-[0-9A-F]{10}) \((periodic|baseline)\) for acme-dental; link valid until (\S+); PDF -> (.+)$/m;
const DAY = 86_400_000;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const pdfText = (file: string) => execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
const utcToday = () => new Date().toISOString().slice(0, 10);

interface ListedDocument {
  id: string;
  kind: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  acceptDays: number;
  pdfSha256: string;
  signedAt?: string;
}

let work: string;
let db: string;
/** No imported lifecycle updates, no passphrase, public URL or database from the environment running the tests. */
let env: NodeJS.ProcessEnv;
let p12: string;
let created: CliResult;
let fingerprint: string;
/** Three requested documents: A is signed on the signing page, B (baseline) and C are recorded as paper copies. */
let requestA: CliResult;
let requestB: CliResult;
let requestC: CliResult;
let idA: string;
let idB: string;
let idC: string;
let pdfA: string;
let pdfB: string;

const caveat = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extra } });
const ack = (args: string[], extra: NodeJS.ProcessEnv = {}) => caveat(["ack", ...args, "--database", db], extra);
const listJson = async () => {
  const listed = await ack(["list", "--client", "acme-dental", "--format", "json"]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as { client: string; documents: ListedDocument[] };
};
const documentOf = (result: CliResult) => {
  const match = DOCUMENT_ID.exec(result.stderr);
  expect(match, result.stderr).not.toBeNull();
  return match![1]!;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caveat-ack-cli-"));
  db = join(work, "caveat.db");
  env = { CAVEAT_LIFECYCLE_DIR: join(work, "no-lifecycle-updates"), CAVEAT_SIGNING_PASSPHRASE: undefined, CAVEAT_PUBLIC_URL: undefined, CAVEAT_DATABASE: undefined };
  const first = await caveat(["client", "add", "acme-dental", "--name", "Acme Dental Practice", "--database", db]);
  expect(first.code, first.stderr).toBe(0);
  for (const result of await Promise.all([caveat(["client", "add", "globex", "--name", "Globex", "--database", db]), caveat(["catalog", "push", CATALOG, "--client", "acme-dental", "--database", db])])) {
    expect(result.code, result.stderr).toBe(0);
  }
  // Scans arrive through the ingest service, as the server would store them.
  const store = await openStore(db);
  try {
    const evaluator = createEvaluator(store, (await loadDataset(env.CAVEAT_LIFECYCLE_DIR)).index);
    const { record } = await issueToken(store, { kind: "agent", clientSlug: "acme-dental", now: new Date() });
    for (const file of (await readdir(FLEET)).sort()) {
      const text = await readFile(join(FLEET, file), "utf8");
      const collectedAt = Date.parse((JSON.parse(text) as { collectedAt: string }).collectedAt);
      const result = await ingestInventory(store, evaluator, record, { text }, new Date(Math.max(Date.now(), collectedAt + 3_600_000)));
      expect(result.status, file).toBe("created");
    }
  } finally {
    await store.close();
  }

  p12 = join(work, "msp.p12");
  pdfA = join(work, "req.pdf");
  pdfB = join(work, "baseline.pdf");
  [created, requestA, requestB, requestC] = await Promise.all([
    caveat(["cert", "create", "--out", p12, "--name", "Northwind IT", "--org", "Northwind IT Ltd"], { CAVEAT_SIGNING_PASSPHRASE: PASSPHRASE }),
    ack(["request", "--client", "acme-dental", "--url", URL_BASE, "--out", pdfA]),
    ack(["request", "--client", "acme-dental", "--url", URL_BASE, "--out", pdfB, "--baseline", "--expires", "30d", "--accept-for", "730d"]),
    ack(["request", "--client", "acme-dental", "--url", `${URL_BASE}/`, "--out", join(work, "c.pdf"), "--expires", "1d"]),
  ]);
  for (const r of [created, requestA, requestB, requestC]) expect(r.code, r.stderr).toBe(0);
  fingerprint = /^SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/m.exec(created.stderr)?.[1] ?? "";
  [idA, idB, idC] = [documentOf(requestA), documentOf(requestB), documentOf(requestC)];
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("caveat cert create: the MSP's signing identity", () => {
  it("writes the PKCS#12 readable by its owner only, the certificate beside it, and prints the certificate's SHA-256 fingerprint", async () => {
    expect(created.stdout).toBe("");
    expect((await stat(p12)).mode & 0o777).toBe(0o600);
    const pem = await readFile(join(work, "msp.crt.pem"), "utf8");
    const certificate = new X509Certificate(pem);
    expect(fingerprint).toBe(certificate.fingerprint256);
    expect(certificate.subject).toContain("CN=Northwind IT");
    expect(certificate.subject).toContain("O=Northwind IT Ltd");
    // The passphrase from the environment is the one protecting the key.
    const identity = loadSigningIdentity(await readFile(p12), PASSPHRASE, p12);
    expect(identity.fingerprintSha256).toBe(fingerprint);
    const key = await readFile(p12);
    expect(() => loadSigningIdentity(key, "not the passphrase", p12)).toThrow("the passphrase is wrong");
  });

  it("refuses to replace an existing key without --force, and leaves it as it was", async () => {
    const before = await readFile(p12);
    const again = await caveat(["cert", "create", "--out", p12, "--name", "Someone Else"], { CAVEAT_SIGNING_PASSPHRASE: PASSPHRASE });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`caveat: ${p12} exists already; pass --force to replace it`);
    expect((await readFile(p12)).equals(before)).toBe(true);
  });

  it("refuses a passphrase shorter than 12 characters, and a missing one naming both ways to give it; writes nothing", async () => {
    const short = join(work, "short.p12");
    const [tooShort, none] = await Promise.all([
      caveat(["cert", "create", "--out", short, "--name", "Northwind IT"], { CAVEAT_SIGNING_PASSPHRASE: "eleven char" }),
      caveat(["cert", "create", "--out", short, "--name", "Northwind IT"]),
    ]);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toContain("the passphrase is shorter than 12 characters");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--passphrase-file");
    expect(none.stderr).toContain("CAVEAT_SIGNING_PASSPHRASE");
    expect(existsSync(short)).toBe(false);
    expect(existsSync(join(work, "short.crt.pem"))).toBe(false);
  });

  it("takes the passphrase from the first line of --passphrase-file", async () => {
    const file = join(work, "passphrase.txt");
    await writeFile(file, "a different long passphrase\nsecond line is ignored\n");
    const out = join(work, "other.p12");
    const made = await caveat(["cert", "create", "--out", out, "--name", "Other MSP", "--passphrase-file", file]);
    expect(made.code, made.stderr).toBe(0);
    const identity = loadSigningIdentity(await readFile(out), "a different long passphrase", out);
    expect(identity.subject.commonName).toBe("Other MSP");
    expect(made.stderr).toContain(`SHA-256 fingerprint: ${identity.fingerprintSha256}`);
    expect(identity.fingerprintSha256).not.toBe(fingerprint);
  });
});

describe("caveat ack request: a document to sign and its one-time link", () => {
  it("prints the whole link, and only the link, on stdout; names the document on stderr; writes the PDF carrying its id", () => {
    expect(requestA.stdout).toMatch(LINK);
    expect(requestA.stdout.split("\n")).toHaveLength(2);
    expect(requestC.stdout).toMatch(LINK);
    expect(new Set([requestA.stdout, requestB.stdout, requestC.stdout]).size).toBe(3);
    expect(new Set([idA, idB, idC]).size).toBe(3);
    expect(DOCUMENT_ID.exec(requestA.stderr)![4]).toBe(pdfA);
    const text = pdfText(pdfA);
    expect(text).toContain(`Document ${idA}`);
    expect(text).toContain("Prepared for Acme Dental Practice");
    expect(text).not.toContain("Onboarding IT Risk Acknowledgement");
  });

  it("--baseline makes the onboarding acknowledgement", () => {
    expect(DOCUMENT_ID.exec(requestB.stderr)![2]).toBe("baseline");
    const text = pdfText(pdfB);
    expect(text).toContain("Onboarding IT Risk Acknowledgement");
    expect(text).toContain(`Document ${idB}`);
  });

  it("refuses bad periods, a non-HTTP address and an unknown client with exit 2, storing and writing nothing", async () => {
    const out = join(work, "refused.pdf");
    const cases: [string, string[], string][] = [
      ["--expires 0d", ["--client", "acme-dental", "--expires", "0d"], 'caveat: --expires "0d": expected days like 14d (1d to 90d)'],
      ["--expires 2w", ["--client", "acme-dental", "--expires", "2w"], 'caveat: --expires "2w": expected days like 14d (1d to 90d)'],
      ["--accept-for 5000d", ["--client", "acme-dental", "--accept-for", "5000d"], 'caveat: --accept-for "5000d": expected days like 14d (1d to 1095d)'],
      ["--url ftp://x", ["--client", "acme-dental", "--url", "ftp://x"], 'caveat: --url "ftp://x": expected the collector\'s public address, like https://caveat.example.com'],
      ["unknown client", ["--client", "nobody"], 'caveat: no client "nobody"'],
    ];
    const results = await Promise.all(cases.map(([, args]) => ack(["request", ...args, "--out", out])));
    for (const [i, [name, , message]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trim(), name).toBe(message);
      expect(result.stdout, name).toBe("");
    }
    expect(existsSync(out)).toBe(false);
    expect((await listJson()).documents.map((d) => d.id).sort()).toEqual([idA, idB, idC].sort());
  });
});

describe("caveat ack list", () => {
  it("shows every document pending, in a table and as JSON, with the periods asked for and never the token's hash", async () => {
    const [table, listed] = await Promise.all([ack(["list", "--client", "acme-dental"]), ack(["list", "--client", "acme-dental", "--format", "json"])]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^DOCUMENT\s+KIND\s+STATUS\s+REQUESTED\s+LINK EXPIRES\s+SIGNED$/);
    expect(lines).toHaveLength(4);
    for (const [id, kind] of [[idA, "periodic"], [idB, "baseline"], [idC, "periodic"]]) {
      expect(lines.some((line) => new RegExp(`^${id}\\s+${kind}\\s+pending\\s+\\S+\\s+\\S+\\s+-$`).test(line)), `${id}\n${table.stdout}`).toBe(true);
    }

    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toMatch(/tokenHash/i);
    for (const r of [requestA, requestB, requestC]) expect(listed.stdout).not.toContain(LINK.exec(r.stdout)![1]);
    const { client, documents } = JSON.parse(listed.stdout) as { client: string; documents: ListedDocument[] };
    expect(client).toBe("acme-dental");
    expect(documents.map((d) => d.id).sort()).toEqual([idA, idB, idC].sort());
    expect(documents.every((d) => d.status === "pending")).toBe(true);
    const byId = new Map(documents.map((d) => [d.id, d]));
    const linkDays = (d: ListedDocument) => (Date.parse(d.expiresAt) - Date.parse(d.createdAt)) / DAY;
    expect(byId.get(idA)).toMatchObject({ kind: "periodic", acceptDays: 365 });
    expect(linkDays(byId.get(idA)!)).toBe(14);
    expect(byId.get(idB)).toMatchObject({ kind: "baseline", acceptDays: 730 });
    expect(linkDays(byId.get(idB)!)).toBe(30);
    expect(linkDays(byId.get(idC)!)).toBe(1);
  });
});

describe("caveat ack get", () => {
  it("writes the report sent for signature, byte for byte what was stored", async () => {
    const out = join(work, "get-a.pdf");
    const [got, listed] = await Promise.all([ack(["get", "--client", "acme-dental", "--document", idA, "--out", out]), listJson()]);
    expect(got.code, got.stderr).toBe(0);
    const bytes = await readFile(out);
    const stored = listed.documents.find((d) => d.id === idA)!;
    expect(sha256(bytes)).toBe(stored.pdfSha256);
    expect(bytes.equals(await readFile(pdfA))).toBe(true);
  });

  it("refuses the signed copy before signing, and another client's document, with exit 2 and no file", async () => {
    const out = join(work, "get-refused.pdf");
    const [unsigned, other] = await Promise.all([
      ack(["get", "--client", "acme-dental", "--document", idA, "--signed", "--out", out]),
      ack(["get", "--client", "globex", "--document", idA, "--out", out]),
    ]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr.trim()).toBe(`caveat: document ${idA} is not signed yet (status pending)`);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`client "globex" has no acknowledgement document ${idA}`);
    expect(existsSync(out)).toBe(false);
  });
});

describe("caveat ack import: a paper copy signed in ink", () => {
  const scanBytes = Buffer.from("%PDF-1.7\n% a wet-ink scan of the baseline acknowledgement\n%%EOF\n");

  // The import that follows finds the document still pending.
  it("refuses a file that is not a PDF, PNG or JPEG, and a date after today", async () => {
    const text = join(work, "scan.txt");
    await writeFile(text, "not a scan\n");
    const scan = join(work, "scan.pdf");
    await writeFile(scan, scanBytes);
    const [notScan, future] = await Promise.all([
      ack(["import", text, "--client", "acme-dental", "--document", idB, "--signer", "Hank", "--title", "CEO", "--signed-on", utcToday()]),
      ack(["import", scan, "--client", "acme-dental", "--document", idB, "--signer", "Hank", "--title", "CEO", "--signed-on", "2099-01-01"]),
    ]);
    expect(notScan.code).toBe(2);
    expect(notScan.stderr).toContain("the scan is not a PDF, PNG or JPEG file");
    expect(future.code).toBe(2);
    expect(future.stderr).toContain("signed on 2099-01-01: expected a date between the request");
  });

  it("records it: the document is wet-signed, a second import is refused, and ack get --signed returns the scan", async () => {
    const scan = join(work, "scan.pdf");
    await writeFile(scan, scanBytes);
    const today = utcToday();
    const imported = await ack(["import", scan, "--client", "acme-dental", "--document", idB, "--signer", "Hank", "--title", "CEO", "--signed-on", today]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain(`recorded the wet-ink signature of Hank (CEO) on ${today} against ${idB}; scan SHA-256 ${sha256(scanBytes)}`);

    const out = join(work, "wet.pdf");
    const [table, again, got] = await Promise.all([
      ack(["list", "--client", "acme-dental"]),
      ack(["import", scan, "--client", "acme-dental", "--document", idB, "--signer", "Hank", "--title", "CEO", "--signed-on", today]),
      ack(["get", "--client", "acme-dental", "--document", idB, "--signed", "--out", out]),
    ]);
    expect(table.stdout).toMatch(new RegExp(`^${idB}\\s+baseline\\s+wet-signed\\s+.*${today}T00:00$`, "m"));
    expect(table.stdout).toMatch(new RegExp(`^${idA}\\s+periodic\\s+pending\\s`, "m"));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`document ${idB} was recorded as signed on paper`);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stderr).toContain("the wet-ink scan");
    expect((await readFile(out)).equals(scanBytes)).toBe(true);
  });

  it("without --signed-on records today's date even where the local date is not the UTC date", async () => {
    // A zone whose date differs from UTC's right now: UTC+14 from 10:00 UTC, UTC-12 before 12:00 UTC.
    const zone = new Date().getUTCHours() >= 12 ? "Etc/GMT-14" : "Etc/GMT+12";
    const scan = join(work, "scan-c.png");
    await writeFile(scan, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    const imported = await ack(["import", scan, "--client", "acme-dental", "--document", idC, "--signer", "Hank", "--title", "CEO"], { TZ: zone });
    expect(imported.code, `TZ=${zone}: ${imported.stderr}`).toBe(0);
    expect(imported.stderr).toContain(`recorded the wet-ink signature of Hank (CEO) on ${utcToday()} against ${idC}`);
  });
});

describe("caveat ack verify: a signed acknowledgement, checked from the file alone", () => {
  let signed: SignedAck;
  let signedPdf: string;
  let accepted: number;

  beforeAll(async () => {
    // Signed through the signing service, as the signing page does, with the key cert create made.
    const token = LINK.exec(requestA.stdout)![1]!;
    const store = await openStore(db);
    const renderer = await createReportRenderer({ launchNow: true });
    try {
      const identity = loadSigningIdentity(await readFile(p12), PASSPHRASE, p12);
      const now = new Date();
      const open = await openAcknowledgement(store, token, now);
      const toDecide = decidable(open.findings);
      expect(toDecide.length).toBeGreaterThan(2);
      const form: Record<string, string> = { name: "Dana Whitfield", title: "Practice Manager", email: "dana@acme-dental.example", consent: "yes" };
      const by = new Date(now.getTime() + 30 * DAY).toISOString().slice(0, 10);
      for (const [i, f] of toDecide.entries()) {
        if (i < 2) Object.assign(form, { [`decision.${f.id}`]: "remediate", [`by.${f.id}`]: by });
        else form[`decision.${f.id}`] = "accept";
      }
      accepted = toDecide.length - 2;
      const result = await signAcknowledgement({ store, renderer, identity }, token, form, { ip: "203.0.113.7" }, now);
      if ("fields" in result) throw new Error(`the form was refused: ${JSON.stringify(result.fields)}`);
      signed = result;
    } finally {
      await renderer.close();
      await store.close();
    }
    signedPdf = join(work, "signed.pdf");
    await writeFile(signedPdf, signed.pdf);
  }, 180_000);

  const verify = (file: string, extra: string[] = []) => caveat(["ack", "verify", file, ...extra]);

  it("the signed document is listed as signed, and ack get --signed returns the signed PDF", async () => {
    const out = join(work, "get-signed.pdf");
    const [listed, got] = await Promise.all([listJson(), ack(["get", "--client", "acme-dental", "--document", idA, "--signed", "--out", out])]);
    expect(listed.documents.find((d) => d.id === idA)).toMatchObject({ status: "signed", signedAt: signed.signature.signedAt });
    expect(got.code, got.stderr).toBe(0);
    expect((await readFile(out)).equals(Buffer.from(signed.pdf))).toBe(true);
  });

  it("says VALID and who sealed it, who signed it and what they decided", async () => {
    const result = await verify(signedPdf);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`${signedPdf}: VALID`);
    expect(result.stdout).toContain("  sealed by: Northwind IT, Northwind IT Ltd (self-signed)");
    expect(result.stdout).toContain(`  certificate SHA-256: ${fingerprint}`);
    expect(result.stdout).toContain(`  document: ${idA} (periodic) for Acme Dental Practice`);
    expect(result.stdout).toContain(`  signed by: Dana Whitfield, Practice Manager <dana@acme-dental.example> at ${signed.signature.signedAt} from 203.0.113.7`);
    expect(result.stdout).toContain(`  decisions: ${accepted} accepted, 2 to remediate`);
    expect(lines.filter((line) => line.startsWith("    accepted until "))).toHaveLength(accepted);
    expect(lines.filter((line) => line.startsWith("    remediate by "))).toHaveLength(2);
    expect(result.stdout).not.toContain("problem:");
    // poppler, an independent reader, agrees that the signature is intact.
    expect(execFileSync("pdfsig", [signedPdf], { encoding: "utf8" })).toContain("Signature Validation: Signature is Valid.");
  });

  it("--fingerprint: passes with the certificate cert create printed, fails naming both with another", async () => {
    const other = `${fingerprint.startsWith("00") ? "11" : "00"}${fingerprint.slice(2)}`;
    const [exact, wrong] = await Promise.all([verify(signedPdf, ["--fingerprint", fingerprint]), verify(signedPdf, ["--fingerprint", other])]);
    expect(exact.code, exact.stdout).toBe(0);
    expect(exact.stdout.split("\n")[0]).toBe(`${signedPdf}: VALID`);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`${signedPdf}: NOT VALID`);
    expect(wrong.stdout).toContain(`problem: it was signed with certificate ${fingerprint}, not the expected ${other}`);
  });

  it("catches one changed byte inside the signed range and bytes added after signing", async () => {
    const bytes = await readFile(signedPdf);
    const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)/.exec(bytes.toString("latin1"));
    expect(range).not.toBeNull();
    // The middle of the first signed range: outside the signature's own /Contents.
    const at = Math.floor(Number(range![2]) / 2);
    expect(at).toBeGreaterThan(bytes.length / 4);
    const flipped = Buffer.from(bytes);
    flipped[at] = flipped[at]! ^ 0x01;
    const changed = join(work, "changed.pdf");
    await writeFile(changed, flipped);
    const appended = join(work, "appended.pdf");
    await writeFile(appended, Buffer.concat([bytes, Buffer.from("\n% added later\n")]));
    const [tampered, added] = await Promise.all([verify(changed), verify(appended)]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout.split("\n")[0]).toBe(`${changed}: NOT VALID`);
    expect(tampered.stdout).toContain("it was changed after signing");
    expect(tampered.stderr).toContain(`caveat: ${changed} does not verify`);

    expect(added.code).toBe(1);
    expect(added.stdout).toContain(`${appended}: NOT VALID`);
    expect(added.stdout).toContain("bytes were added after signing");
  });

  it("fails an unsigned PDF with exit 1 and a missing file with exit 2", async () => {
    const missing = join(work, "missing.pdf");
    const [unsigned, absent] = await Promise.all([verify(UNSIGNED_PDF), verify(missing)]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain(`${UNSIGNED_PDF}: NOT VALID`);
    expect(unsigned.stdout).toContain("the PDF is not signed");
    expect(absent.code).toBe(2);
    expect(absent.stderr.trim()).toBe(`caveat: cannot read ${missing}: ENOENT`);
    expect(absent.stdout).toBe("");
  });

  it("--format json: the same verdict as data", async () => {
    const extended = join(work, "extended.pdf");
    await writeFile(extended, Buffer.concat([await readFile(signedPdf), Buffer.from("%%EOF\n")]));
    const [good, bad] = await Promise.all([verify(signedPdf, ["--format", "json"]), verify(extended, ["--format", "json"])]);
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout) as { file: string; valid: boolean; problems: string[]; signer: { fingerprintSha256: string }; attachment: { document: { id: string } } };
    expect(report).toMatchObject({ file: signedPdf, valid: true, problems: [], signer: { fingerprintSha256: fingerprint }, attachment: { document: { id: idA } } });
    expect(bad.code).toBe(1);
    const broken = JSON.parse(bad.stdout) as { valid: boolean; problems: string[] };
    expect(broken.valid).toBe(false);
    expect(broken.problems.join("\n")).toContain("bytes were added after signing");
  });
});

describe("caveat serve --signing-key", () => {
  it("exits 2 before listening when the passphrase does not open the key, naming the file", async () => {
    const child = spawn(process.execPath, [CAVEAT, "serve", "--database", join(work, "serve.db"), "--port", "0", "--signing-key", p12], {
      cwd: ROOT,
      env: { ...process.env, ...env, CAVEAT_SIGNING_PASSPHRASE: "not the right passphrase" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A server that did start would never exit by itself: stop it after a while and fail.
    const timer = setTimeout(() => child.kill("SIGTERM"), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("exit", (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(2);
    expect(stderr).not.toContain("listening");
    expect(stderr.trim()).toBe(`caveat: cannot use the signing identity ${p12}: the passphrase is wrong`);
  });
});
