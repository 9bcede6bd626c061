// Signing the risk-acknowledgement PDF and checking it, on real files: one RSA identity for the whole file,
// small PDFs made with pdf-lib and the Chromium-printed docs/sample-report.pdf. poppler's pdfsig (NSS) is the
// independent second opinion on what caveat's own verifier accepts and rejects.
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACKNOWLEDGEMENT_ATTACHMENT,
  type SelfSignedIdentity,
  type SignPdfInput,
  type SigningIdentity,
  SigningIdentityError,
  createSelfSignedIdentity,
  loadSigningIdentity,
  readAttachment,
  signPdf,
  verifySignedPdf,
} from "./pdf-signature.js";

const PASSPHRASE = "correct horse battery staple";
const P12_PATH = "/etc/caveat/signing.p12";
const VALID_DAYS = 365;
// Whole seconds: the signed signingTime attribute (UTCTime) has no fraction.
const SIGNING_TIME = new Date(Math.floor(Date.now() / 1000) * 1000);
const ACKNOWLEDGEMENT = {
  client: "Zahnarztpraxis Müller & Söhne",
  acceptedBy: "Zoë Ångström",
  note: 'risk accepted </script><script>alert("x")</script> — “quoted”, 日本語, emoji 🦷',
  findings: [{ rule: "os.end-of-life", endpoint: "RECEPTION-PC", expires: "2026-06-30" }],
};

let dir: string;
let created: SelfSignedIdentity;
let identity: SigningIdentity;
let report: Uint8Array;
let certificatePage: Uint8Array;
let signed: Buffer;

const hasPdfsig = spawnSync("pdfsig", ["-v"]).error === undefined;
const hasOpenssl = spawnSync("openssl", ["version"]).error === undefined;

/** A PDF with one page per text, each page a different width so that order can be checked. */
async function makePdf(texts: string[], firstWidth: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  texts.forEach((text, i) => doc.addPage([firstWidth + i * 10, 600]).drawText(text, { x: 40, y: 500, size: 14, font }));
  return doc.save();
}

function signInput(overrides: Partial<SignPdfInput> = {}): SignPdfInput {
  return {
    pdf: report,
    appendPdf: certificatePage,
    attachment: { name: ACKNOWLEDGEMENT_ATTACHMENT, json: ACKNOWLEDGEMENT, description: "Risk acknowledgement (caveat)" },
    identity,
    reason: "Risk acknowledged",
    location: "Hamburg",
    contactInfo: "security@northwind.example",
    signingTime: SIGNING_TIME,
    title: "Risk acknowledgement — Zahnarztpraxis Müller",
    ...overrides,
  };
}

/** pdfsig's report on a file, or undefined when poppler-utils is not installed (it is in CI). */
async function pdfsig(bytes: Uint8Array, name: string): Promise<string | undefined> {
  if (!hasPdfsig) return undefined;
  const path = join(dir, name);
  await writeFile(path, bytes);
  // pdfsig exits 0 even for a broken signature; its verdict is in the text.
  const run = spawnSync("pdfsig", [path], { encoding: "utf8" });
  return run.stdout + run.stderr;
}

function skipWithoutPdfsig(skip: (note?: string) => void): void {
  if (!hasPdfsig) skip("pdfsig (poppler-utils) is not installed: the independent check was not run");
}

/** A copy of the file with one bit flipped, `skip` bytes into the data of the stream object `objectNumber`. */
function flipInStream(file: Buffer, objectNumber: number, skip = 20): Buffer {
  const object = file.indexOf(`\n${objectNumber} 0 obj`);
  const keyword = file.indexOf("stream", object);
  expect(object).toBeGreaterThan(0);
  const offset = keyword + "stream".length + (file[keyword + 6] === 0x0d ? 2 : 1) + skip;
  const copy = Buffer.from(file);
  copy[offset]! ^= 0x01;
  return copy;
}

const lastRef = (value: unknown): PDFRef => {
  const ref = value instanceof PDFArray ? value.get(value.size() - 1) : value;
  if (!(ref instanceof PDFRef)) throw new Error("expected an indirect reference");
  return ref;
};

/** A well-formed incremental update that gives the document a new title, as an editing tool would append it. */
function appendIncrementalUpdate(file: Buffer, title: string): Buffer {
  const text = file.toString("latin1");
  const prev = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1];
  const size = Number([...text.matchAll(/\/Size (\d+)/g)].pop()?.[1]);
  const root = [...text.matchAll(/\/Root (\d+ \d+ R)/g)].pop()?.[1];
  const body = `\n${size} 0 obj\n<< /Title (${title}) >>\nendobj\n`;
  const xref = `xref\n${size} 1\n${String(file.length + 1).padStart(10, "0")} 00000 n \n`;
  const trailer = `trailer\n<< /Size ${size + 1} /Root ${root} /Info ${size} 0 R /Prev ${prev} >>\nstartxref\n${file.length + body.length}\n%%EOF\n`;
  return Buffer.concat([file, Buffer.from(body + xref + trailer, "latin1")]);
}

/** The signature dictionary of the document's last signature field. */
async function signatureDictionary(file: Uint8Array): Promise<PDFDict> {
  const doc = await PDFDocument.load(file, { updateMetadata: false });
  const fields = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict).lookup(PDFName.of("Fields"), PDFArray);
  return fields.lookup(fields.size() - 1, PDFDict).lookup(PDFName.of("V"), PDFDict);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caveat-signature-"));
  created = createSelfSignedIdentity({
    commonName: "Łukasz Müller",
    organization: "Northwind IT (Süd) GmbH",
    email: "security@northwind.example",
    validDays: VALID_DAYS,
    passphrase: PASSPHRASE,
  });
  identity = loadSigningIdentity(created.p12, PASSPHRASE, P12_PATH);
  report = await makePdf(["Finding 1: RECEPTION-PC runs Windows 10", "Finding 2: XRAY-PC runs Windows 7"], 400);
  certificatePage = await makePdf(["Signature certificate"], 500);
  signed = await signPdf(signInput());
}, 30_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("createSelfSignedIdentity", () => {
  it("makes a self-signed signing certificate (not a CA) whose fingerprint matches OpenSSL's", () => {
    const x509 = new X509Certificate(created.certificatePem);
    expect(created.fingerprintSha256).toBe(x509.fingerprint256);
    expect(created.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(x509.ca).toBe(false);
    expect(x509.subject).toBe(x509.issuer);
    expect(x509.subject).toContain("CN=Łukasz Müller");
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // 16 random bytes, positive.
    expect(x509.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(Date.parse(x509.validTo) - Date.parse(x509.validFrom)).toBe(VALID_DAYS * 86_400_000);

    const cert = forge.pki.certificateFromPem(created.certificatePem);
    expect(cert.getExtension("keyUsage")).toMatchObject({ critical: true, digitalSignature: true, nonRepudiation: true, keyCertSign: false });
    expect(cert.getExtension("basicConstraints")).toMatchObject({ cA: false });
  });
});

describe("loadSigningIdentity", () => {
  it("reads the subject, fingerprint and validity of the certificate that goes with the key", () => {
    expect(identity.subject).toEqual({ commonName: "Łukasz Müller", organization: "Northwind IT (Süd) GmbH" });
    expect(identity.fingerprintSha256).toBe(created.fingerprintSha256);
    expect(identity.source).toBe(P12_PATH);
    expect(identity.notAfter.getTime() - identity.notBefore.getTime()).toBe(VALID_DAYS * 86_400_000);
    expect(identity.notBefore.getTime()).toBeLessThan(Date.now());
  });

  const rejects = (p12: Buffer, passphrase: string, message: RegExp, now?: Date) => {
    let error: unknown;
    try {
      loadSigningIdentity(p12, passphrase, P12_PATH, now);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SigningIdentityError);
    expect((error as Error).message).toContain(P12_PATH);
    expect((error as Error).message).toMatch(message);
  };

  it("rejects a wrong passphrase", () => rejects(created.p12, "wrong", /passphrase is wrong/));

  it("rejects a file that is not PKCS#12, and says so when it is PEM", () => {
    rejects(Buffer.from(report), PASSPHRASE, /is not a PKCS#12/);
    rejects(Buffer.from("not a certificate at all\n"), PASSPHRASE, /is not a PKCS#12/);
    rejects(Buffer.from(created.certificatePem), PASSPHRASE, /PEM text, not a PKCS#12.*openssl pkcs12 -export/);
  });

  it("rejects a certificate that has expired or is not valid yet", () => {
    rejects(created.p12, PASSPHRASE, /certificate expired on/, new Date(identity.notAfter.getTime() + 86_400_000));
    rejects(created.p12, PASSPHRASE, /not valid before/, new Date(identity.notBefore.getTime() - 60_000));
  });

  it("rejects a PKCS#12 without a private key, with an unencrypted key, or whose certificate belongs to another key", () => {
    const cert = forge.pki.certificateFromPem(created.certificatePem);
    const der = (p12: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary");
    rejects(der(forge.pkcs12.toPkcs12Asn1(null, [cert], PASSPHRASE, { algorithm: "aes256" })), PASSPHRASE, /holds no private key/);

    const other = forge.pki.privateKeyFromPem(generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString());
    rejects(der(forge.pkcs12.toPkcs12Asn1(other, [cert], null, { useMac: false })), "", /stored without encryption/);
    rejects(der(forge.pkcs12.toPkcs12Asn1(other, [cert], PASSPHRASE, { algorithm: "aes256" })), PASSPHRASE, /no certificate for its private key/);
  });

  it.skipIf(!hasOpenssl)("loads a PKCS#12 exported by OpenSSL (PBES2, AES-256, SHA-256 MAC) and signs with it", async () => {
    const key = join(dir, "openssl.key");
    const pem = join(dir, "openssl.pem");
    const p12 = join(dir, "openssl.p12");
    // A UTF-8 issuer name from another tool: the case node-forge alone would sign wrongly.
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem, "-days", "30", "-utf8", "-subj", "/CN=Zoë IT/O=Zoë Ångström IT", "-addext", "keyUsage=critical,digitalSignature,nonRepudiation"], { stdio: "pipe" });
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", key, "-in", pem, "-out", p12, "-passout", "pass:openssl-pass"], { stdio: "pipe" });

    const fromOpenssl = loadSigningIdentity(await readFile(p12), "openssl-pass", p12);
    expect(fromOpenssl.subject).toEqual({ commonName: "Zoë IT", organization: "Zoë Ångström IT" });
    expect(fromOpenssl.fingerprintSha256).toBe(new X509Certificate(await readFile(pem)).fingerprint256);

    // Not SIGNING_TIME: OpenSSL's certificate is valid from the moment it was made, not an hour earlier.
    const file = await signPdf(signInput({ identity: fromOpenssl, signingTime: new Date(Math.floor(Date.now() / 1000) * 1000) }));
    const verification = await verifySignedPdf(file);
    expect(verification.problems).toEqual([]);
    expect(verification.signer?.fingerprintSha256).toBe(fromOpenssl.fingerprintSha256);
    const poppler = await pdfsig(file, "openssl-signed.pdf");
    if (poppler !== undefined) expect(poppler).toContain("Signature is Valid.");
  });
});

describe("signPdf and verifySignedPdf", () => {
  it("signs the report with the certificate page after it, and the signature verifies", async () => {
    const verification = await verifySignedPdf(signed);
    expect(verification).toMatchObject({
      valid: true,
      problems: [],
      coversWholeFile: true,
      signingTime: SIGNING_TIME.toISOString(),
      signer: {
        commonName: "Łukasz Müller",
        organization: "Northwind IT (Süd) GmbH",
        fingerprintSha256: created.fingerprintSha256,
        selfSigned: true,
        notBefore: identity.notBefore.toISOString(),
        notAfter: identity.notAfter.toISOString(),
      },
    });

    const doc = await PDFDocument.load(signed, { updateMetadata: false });
    expect(doc.getPages().map((page) => page.getWidth())).toEqual([400, 410, 500]);
    expect(doc.getTitle()).toBe("Risk acknowledgement — Zahnarztpraxis Müller");
    expect(doc.getAuthor()).toBe("Northwind IT (Süd) GmbH");
    expect(doc.getCreator()).toBe("caveat");
    expect(doc.getCreationDate()).toEqual(SIGNING_TIME);
  });

  it("carries the acknowledgement JSON as an embedded file, byte for byte, markup and non-ASCII text included", async () => {
    const verification = await verifySignedPdf(signed);
    expect(verification.attachment).toEqual(ACKNOWLEDGEMENT);
    const raw = await readAttachment(signed, ACKNOWLEDGEMENT_ATTACHMENT);
    expect(new TextDecoder().decode(raw)).toBe(JSON.stringify(ACKNOWLEDGEMENT, null, 2));
    expect(await readAttachment(signed, "other.json")).toBeUndefined();
    expect(await readAttachment(report, ACKNOWLEDGEMENT_ATTACHMENT)).toBeUndefined();
  });

  it("writes reason, location and signer name intact, even with parentheses, backslashes and non-Latin letters", async () => {
    const reason = "Risk (accepted) :) \\ until 2026-06-30";
    const location = "Łódź, Żółć (PL)";
    const file = await signPdf(signInput({ reason, location, contactInfo: "tel. (040) 123" }));
    expect((await verifySignedPdf(file)).valid).toBe(true);
    const sig = await signatureDictionary(file);
    const text = (key: string) => sig.lookup(PDFName.of(key), PDFString).decodeText();
    expect([text("Reason"), text("Location"), text("ContactInfo"), text("Name")]).toEqual([reason, location, "tel. (040) 123", "Łukasz Müller"]);
    expect(sig.get(PDFName.of("SubFilter"))).toBe(PDFName.of("adbe.pkcs7.detached"));
  });

  it("signs the Chromium-printed sample report and keeps its language and tagged structure", async () => {
    const sample = await readFile("docs/sample-report.pdf");
    const file = await signPdf(signInput({ pdf: sample }));
    const verification = await verifySignedPdf(file);
    expect(verification.problems).toEqual([]);
    expect(verification.attachment).toEqual(ACKNOWLEDGEMENT);

    const before = await PDFDocument.load(sample, { updateMetadata: false });
    const after = await PDFDocument.load(file, { updateMetadata: false });
    expect(after.getPageCount()).toBe(before.getPageCount() + 1);
    expect(after.catalog.get(PDFName.of("Lang"))).toEqual(before.catalog.get(PDFName.of("Lang")));
    expect(after.catalog.has(PDFName.of("StructTreeRoot"))).toBe(true);

    const poppler = await pdfsig(file, "sample-signed.pdf");
    if (poppler !== undefined) expect(poppler).toContain("Signature is Valid.");
  });

  it("poppler's pdfsig finds the signature valid, covering the whole document, signer named", async ({ skip }) => {
    skipWithoutPdfsig(skip);
    const poppler = await pdfsig(signed, "signed.pdf");
    expect(poppler).toContain("Signature is Valid.");
    expect(poppler).toContain("Total document signed");
    expect(poppler).toContain("Signer Certificate Common Name: Łukasz Müller");
    expect(poppler).toContain("Signature Type: adbe.pkcs7.detached");
  });

  it("a byte changed in a page's content stream breaks the signature (digest mismatch), for caveat and for pdfsig", async () => {
    const doc = await PDFDocument.load(signed, { updateMetadata: false });
    const contents = lastRef(doc.getPage(1).node.get(PDFName.of("Contents")));
    const tampered = flipInStream(signed, contents.objectNumber);

    const verification = await verifySignedPdf(tampered);
    expect(verification.valid).toBe(false);
    expect(verification.coversWholeFile).toBe(true);
    expect(verification.problems).toEqual([expect.stringMatching(/digest mismatch.*changed after signing/)]);
    const poppler = await pdfsig(tampered, "tampered-page.pdf");
    if (poppler !== undefined) expect(poppler).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it("a byte changed in the embedded acknowledgement breaks the signature, for caveat and for pdfsig", async () => {
    const doc = await PDFDocument.load(signed, { updateMetadata: false });
    const embeddedFiles = doc.catalog.lookup(PDFName.of("Names"), PDFDict).lookup(PDFName.of("EmbeddedFiles"), PDFDict);
    const fileSpec = embeddedFiles.lookup(PDFName.of("Names"), PDFArray).lookup(1, PDFDict);
    const stream = lastRef(fileSpec.lookup(PDFName.of("EF"), PDFDict).get(PDFName.of("F")));
    const tampered = flipInStream(signed, stream.objectNumber);

    const verification = await verifySignedPdf(tampered);
    expect(verification.valid).toBe(false);
    expect(verification.problems).toContainEqual(expect.stringMatching(/digest mismatch/));
    const poppler = await pdfsig(tampered, "tampered-attachment.pdf");
    if (poppler !== undefined) expect(poppler).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it("bytes appended after signing make it invalid: the signature no longer covers the whole file", async () => {
    for (const appended of [Buffer.concat([signed, Buffer.from("\n% extra\n")]), appendIncrementalUpdate(signed, "Paid in full")]) {
      const verification = await verifySignedPdf(appended);
      expect(verification.valid).toBe(false);
      expect(verification.coversWholeFile).toBe(false);
      // The signed part is intact: only the coverage check catches this.
      expect(verification.problems).toEqual([expect.stringMatching(/does not cover the whole file: \d+ bytes were added after signing/)]);
    }
  });

  it("an incremental update changes what a reader shows while pdfsig still calls the signature valid: why coverage matters", async () => {
    const updated = appendIncrementalUpdate(signed, "Paid in full");
    expect((await PDFDocument.load(updated, { updateMetadata: false })).getTitle()).toBe("Paid in full");
    const poppler = await pdfsig(updated, "incremental.pdf");
    if (poppler !== undefined) {
      expect(poppler).toContain("Not total document signed");
      expect(poppler).toContain("Signature is Valid.");
    }
    expect((await verifySignedPdf(updated)).valid).toBe(false);
  });

  it("a /ByteRange whose gap is not exactly the /Contents string is a problem", async () => {
    const text = signed.toString("latin1");
    const at = text.lastIndexOf("/ByteRange [");
    const [whole, first, gapEnd, rest] = /\/ByteRange \[0 (\d+) (\d+) (\d+)\]/.exec(text.slice(at)) ?? [];
    expect(whole).toBeDefined();
    const moved = `/ByteRange [0 ${Number(first) - 1} ${gapEnd} ${rest}]`.padEnd(whole!.length, " ");
    const shifted = Buffer.concat([signed.subarray(0, at), Buffer.from(moved, "latin1"), signed.subarray(at + whole!.length)]);
    const verification = await verifySignedPdf(shifted);
    expect(verification.valid).toBe(false);
    expect(verification.problems).toContain("the signature's /Contents does not exactly fill the gap between the signed byte ranges");
  });

  it("a changed signature value, or junk in place of the PKCS#7, fails without throwing", async () => {
    const text = signed.toString("latin1");
    const [, first] = /\/ByteRange \[0 (\d+) /.exec(text.slice(text.lastIndexOf("/ByteRange ["))) ?? [];
    const contents = Number(first) + 1;
    // The DER's last byte is the last byte of the RSA signature value: 30 82 <length> then the content.
    const derLength = 4 + Number.parseInt(text.slice(contents + 4, contents + 8), 16);
    const lastHexDigit = contents + 2 * derLength - 1;
    const badSignature = Buffer.from(signed);
    badSignature[lastHexDigit] = text[lastHexDigit] === "0" ? 0x31 : 0x30;
    const verification = await verifySignedPdf(badSignature);
    // forge either answers false or throws on the broken padding: both are this problem.
    expect(verification.problems).toEqual([expect.stringMatching(/^the signature does not verify with the signer certificate's public key/)]);
    const poppler = await pdfsig(badSignature, "bad-signature.pdf");
    if (poppler !== undefined) expect(poppler).toContain("Signature is Invalid.");

    const junk = Buffer.from(signed);
    junk.write("3082ffff0102deadbeef", contents, "latin1");
    const junkVerification = await verifySignedPdf(junk);
    expect(junkVerification.valid).toBe(false);
    expect(junkVerification.problems).toEqual([expect.stringMatching(/^the signature could not be read/)]);
  });

  it("signs reproducibly: the same input, identity and signing time give the same bytes", async () => {
    const small = signInput({ pdf: certificatePage, appendPdf: undefined });
    expect((await signPdf(small)).equals(await signPdf(small))).toBe(true);
  });

  it("a signing time outside the certificate's validity is a problem", async () => {
    const late = new Date(identity.notAfter.getTime() + 86_400_000);
    const verification = await verifySignedPdf(await signPdf(signInput({ signingTime: late })));
    expect(verification.valid).toBe(false);
    expect(verification.problems).toEqual([expect.stringMatching(/was not valid at the signing time/)]);
  });

  it("reports an unsigned PDF, garbage and an empty file as not signed, without throwing", async () => {
    const unsigned = await verifySignedPdf(report);
    expect(unsigned).toEqual({ valid: false, problems: ["the PDF is not signed (it has no signature /ByteRange)"], coversWholeFile: false });

    for (const junk of [forge.random.getBytesSync(4096), "", "%PDF-1.7\n/ByteRange [0 10 20 5] <00> garbage"]) {
      const verification = await verifySignedPdf(Buffer.from(junk, "binary"));
      expect(verification.valid).toBe(false);
      expect(verification.problems.length).toBeGreaterThan(0);
    }
  });
});
