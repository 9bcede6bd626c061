// Digital signatures for the signed risk-acknowledgement PDF. The MSP signs with a self-signed identity
// (PKCS#12), so trust comes from comparing the signer's SHA-256 fingerprint with the one the MSP published;
// the signature proves that the bytes have not changed since that key signed them. Signing goes through
// @signpdf (adbe.pkcs7.detached, the form Acrobat and poppler read); @signpdf cannot verify, so the verifier
// here is caveat's own, written against the PDF and CMS structures directly.
import { X509Certificate, createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import { P12Signer } from "@signpdf/signer-p12";
import { SignPdf } from "@signpdf/signpdf";
import forge from "node-forge";
import { AFRelationship, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString, decodePDFRawStream } from "pdf-lib";

/** The name under which the acknowledgement travels inside the signed PDF. */
export const ACKNOWLEDGEMENT_ATTACHMENT = "caveat-acknowledgement.json";

/** Bytes reserved for the PKCS#7 blob: a 4096-bit key with a chain of a few certificates fits with room. */
const SIGNATURE_LENGTH = 16_384;
const DAY_MS = 86_400_000;
/** A new certificate's validity starts an hour back, so a server whose clock runs a little behind accepts it. */
const CLOCK_SKEW_MS = 3_600_000;

const { asn1, pki } = forge;
const OID = {
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  signedData: "1.2.840.113549.1.7.2",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
};
// asn1.fromDer's options object, which @types/node-forge leaves out.
const fromDerPrefix = asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: { strict: boolean; parseAllBytes: boolean }) => forge.asn1.Asn1;

export class SigningIdentityError extends Error {
  constructor(
    readonly source: string,
    reason: string,
    options?: { cause: unknown },
  ) {
    super(`cannot use the signing identity ${source}: ${reason}`, options);
    this.name = "SigningIdentityError";
  }
}

export interface SelfSignedIdentityOptions {
  commonName: string;
  organization?: string;
  email?: string;
  /** Days of validity from notBefore; default three years. */
  validDays?: number;
  passphrase: string;
  /** Default: an hour ago. */
  notBefore?: Date;
}

export interface SelfSignedIdentity {
  /** PKCS#12 (AES-256) holding the key and the certificate, protected by the passphrase. */
  p12: Buffer;
  certificatePem: string;
  /** Uppercase hex pairs joined by colons, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
}

export interface CertificateSubject {
  commonName: string;
  organization?: string;
}

/** A PKCS#12 that has been checked to be usable for signing now. */
export interface SigningIdentity {
  p12: Buffer;
  passphrase: string;
  /** Where the PKCS#12 came from (a file path), for messages. */
  source: string;
  subject: CertificateSubject;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface SignPdfInput {
  /** The report, whose pages come first. */
  pdf: Uint8Array;
  /** Pages appended after the report (the signature certificate page). */
  appendPdf?: Uint8Array;
  attachment: { name: string; json: unknown; description: string };
  identity: SigningIdentity;
  reason: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
  title?: string;
}

export interface SignerCertificate extends CertificateSubject {
  fingerprintSha256: string;
  selfSigned: boolean;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
}

export interface SignatureVerification {
  /** True only with no problems: signed, nothing changed or added since, signature verifies. */
  valid: boolean;
  /** Plain-English reasons the document cannot be trusted as signed; empty when valid. */
  problems: string[];
  signer?: SignerCertificate;
  /** ISO 8601, from the signed attributes. */
  signingTime?: string;
  /** The signature covers every byte of the file except its own /Contents. */
  coversWholeFile: boolean;
  /** The parsed caveat-acknowledgement.json, when the PDF carries one; vouched for by the signature only when valid. */
  attachment?: unknown;
}

export function createSelfSignedIdentity(options: SelfSignedIdentityOptions): SelfSignedIdentity {
  const { commonName, organization, email, validDays = 1095, passphrase } = options;
  // node:crypto makes the key in milliseconds; forge's pure-JS generator takes seconds.
  const { privateKey: keyPem } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const key = pki.privateKeyFromPem(keyPem);
  const cert = pki.createCertificate();
  cert.publicKey = pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = positiveSerial();
  const notBefore = options.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + validDays * DAY_MS);
  // UTF8String, so that "Müller IT" keeps its name (@types/node-forge types the string tag as a tag class).
  const tag = (type: forge.asn1.Type) => type as unknown as forge.asn1.Class;
  const subject: forge.pki.CertificateField[] = [
    { shortName: "CN", value: commonName, valueTagClass: tag(asn1.Type.UTF8) },
    ...(organization ? [{ shortName: "O", value: organization, valueTagClass: tag(asn1.Type.UTF8) }] : []),
    ...(email ? [{ name: "emailAddress", value: email, valueTagClass: tag(asn1.Type.IA5STRING) }] : []),
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", critical: true, cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, nonRepudiation: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const p12Asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: "aes256", friendlyName: commonName });
  return {
    p12: Buffer.from(asn1.toDer(p12Asn1).getBytes(), "binary"),
    certificatePem: pki.certificateToPem(cert),
    fingerprintSha256: fingerprintOf(certificateDer(cert)),
  };
}

/**
 * Reads a PKCS#12 and checks that it can sign: the passphrase opens it, it holds a passphrase-protected
 * RSA key (the only kind @signpdf's P12Signer takes) and the certificate of that key, valid at `now`.
 */
export function loadSigningIdentity(p12: Buffer, passphrase: string, source: string, now = new Date()): SigningIdentity {
  const fail = (reason: string, cause?: unknown): never => {
    throw new SigningIdentityError(source, reason, cause === undefined ? undefined : { cause });
  };
  let der: forge.asn1.Asn1;
  try {
    der = asn1.fromDer(forge.util.createBuffer(p12.toString("binary")));
  } catch (error) {
    const pem = p12.subarray(0, 64).toString("latin1").includes("-----BEGIN");
    return fail(
      pem
        ? "it is PEM text, not a PKCS#12 (.p12/.pfx) file; bundle key and certificate with `openssl pkcs12 -export`"
        : "it is not a PKCS#12 (.p12/.pfx) file",
      error,
    );
  }
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(der, false, passphrase);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Cannot read PKCS#12 PFX|version other than 3/.test(message)) return fail("it is not a PKCS#12 (.p12/.pfx) file", error);
    if (/password|decrypt/i.test(message)) return fail("the passphrase is wrong", error);
    return fail(`the PKCS#12 file could not be read (${message})`, error);
  }

  const shrouded = pfx.getBags({ bagType: OID.shroudedKeyBag })[OID.shroudedKeyBag] ?? [];
  const keyBag = shrouded[0];
  if (!keyBag) {
    const plain = pfx.getBags({ bagType: OID.keyBag })[OID.keyBag] ?? [];
    return fail(
      plain.length > 0
        ? "its private key is stored without encryption; export it again protected by a passphrase"
        : "it holds no private key (a certificate alone cannot sign)",
    );
  }
  const key = keyBag.key;
  if (!key) return fail("its private key is not an RSA key; caveat signs with RSA");
  const certs = (pfx.getBags({ bagType: OID.certBag })[OID.certBag] ?? []).flatMap((bag) => (bag.cert ? [bag.cert] : []));
  const cert = certs.find((c) => {
    const pub = c.publicKey as Partial<forge.pki.rsa.PublicKey>;
    return pub.n?.compareTo(key.n) === 0 && pub.e?.compareTo(key.e) === 0;
  });
  if (!cert) return fail("it holds no certificate for its private key");

  const { notBefore, notAfter } = cert.validity;
  if (now < notBefore) return fail(`its certificate is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) return fail(`its certificate expired on ${notAfter.toISOString()}; create or obtain a new signing identity`);
  return { p12, passphrase, source, subject: subjectOf(cert), fingerprintSha256: fingerprintOf(certificateDer(cert)), notBefore, notAfter };
}

/**
 * The report's pages, then appendPdf's, with the acknowledgement JSON attached, signed as a whole.
 * The report is loaded rather than copied page by page so that what Chromium wrote beside its pages
 * (document language, tagged structure for screen readers) survives.
 */
export async function signPdf(input: SignPdfInput): Promise<Buffer> {
  const { identity, signingTime, attachment } = input;
  const doc = await PDFDocument.load(input.pdf, { updateMetadata: false });
  if (input.appendPdf) {
    const extra = await PDFDocument.load(input.appendPdf, { updateMetadata: false });
    for (const page of await doc.copyPages(extra, extra.getPageIndices())) doc.addPage(page);
  }
  if (input.title !== undefined) doc.setTitle(input.title, { showInWindowTitleBar: true });
  doc.setAuthor(identity.subject.organization ?? identity.subject.commonName);
  doc.setCreator("caveat");
  doc.setProducer("caveat (pdf-lib, @signpdf)");
  doc.setCreationDate(signingTime);
  doc.setModificationDate(signingTime);

  const json = JSON.stringify(attachment.json, null, 2) as string | undefined;
  if (json === undefined) throw new TypeError(`the attachment ${attachment.name} has no JSON value`);
  await doc.attach(new TextEncoder().encode(json), attachment.name, {
    mimeType: "application/json",
    description: attachment.description,
    creationDate: signingTime,
    modificationDate: signingTime,
    afRelationship: AFRelationship.Data,
  });

  const pages = doc.getPages();
  pdflibAddPlaceholder({
    pdfDoc: doc,
    // The invisible signature field sits on the last page: the signature certificate page.
    pdfPage: pages[pages.length - 1],
    reason: pdfLiteral(input.reason),
    location: pdfLiteral(input.location),
    contactInfo: pdfLiteral(input.contactInfo),
    name: pdfLiteral(identity.subject.commonName),
    signingTime,
    signatureLength: SIGNATURE_LENGTH,
    subFilter: "adbe.pkcs7.detached",
    appName: "caveat",
  });
  // Object streams would hide the signature dictionary from the byte-level search @signpdf does.
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new IssuerPreservingP12Signer(identity.p12, { passphrase: identity.passphrase }), signingTime);
}

/**
 * P12Signer, with the signer's issuer name copied byte for byte from its certificate. node-forge keeps a
 * parsed name's values as raw bytes and UTF-8-encodes UTF8Strings again when it writes the SignerInfo
 * (forge issue #847, node-signpdf issue #111), so with an issuer like "Müller IT" no reader could find
 * the signer's certificate. The issuer is not under the RSA signature, so replacing it afterwards is sound.
 */
class IssuerPreservingP12Signer extends P12Signer {
  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const cms = asn1.fromDer(forge.util.createBuffer((await super.sign(pdfBuffer, signingTime)).toString("binary")));
    const signedData = children(children(cms)[1])[0];
    const parts = children(signedData);
    const certificates = parts.find((part) => part.tagClass === asn1.Class.CONTEXT_SPECIFIC && part.type === 0);
    const issuerAndSerial = children(children(parts[parts.length - 1])[0])[1];
    const [, serial] = children(issuerAndSerial);
    for (const cert of certificates ? children(certificates) : []) {
      const tbs = children(children(cert)[0]);
      // TBSCertificate: [0] version (absent in v1), serialNumber, signature, issuer, ...
      const first = tbs[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
      const issuer = tbs[first + 2];
      if (issuer && tbs[first]?.value === serial?.value) children(issuerAndSerial)[0] = issuer;
    }
    return Buffer.from(asn1.toDer(cms).getBytes(), "binary");
  }
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error("unexpected PKCS#7 structure from the signer");
  return node.value;
}

/** Checks the last signature of a PDF; reports what is wrong instead of throwing. */
export async function verifySignedPdf(bytes: Uint8Array): Promise<SignatureVerification> {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unsigned = (problem: string): SignatureVerification => ({ valid: false, problems: [problem], coversWholeFile: false });
  if (!file.subarray(0, 1024).includes("%PDF-")) return unsigned("the file is not a PDF (it has no %PDF- header)");
  const range = lastByteRange(file);
  if (!range) return unsigned("the PDF is not signed (it has no signature /ByteRange)");

  const problems: string[] = [];
  const result: SignatureVerification = { valid: false, problems, coversWholeFile: false };
  const [start, firstLength, secondStart, secondLength] = range;
  const gapStart = start + firstLength;
  const end = secondStart + secondLength;
  if (start !== 0) problems.push(`the signed bytes start at offset ${start}, not at the start of the file`);
  if (end < file.length) {
    problems.push(`the signature does not cover the whole file: ${file.length - end} bytes were added after signing (for example an incremental update)`);
  } else if (end > file.length) {
    problems.push(`the signed ranges end at byte ${end}, beyond the end of the file (${file.length} bytes): the file was cut short`);
  }
  result.coversWholeFile = start === 0 && end === file.length;

  const gap = gapStart < secondStart && end <= file.length ? file.subarray(gapStart, secondStart).toString("latin1") : "";
  const hex = /^<([0-9A-Fa-f]*)>$/.exec(gap)?.[1];
  if (hex === undefined || hex.length % 2 !== 0) {
    problems.push("the signature's /Contents does not exactly fill the gap between the signed byte ranges");
    return finish(result, file);
  }

  let signature: ParsedSignature | undefined;
  try {
    signature = readSignature(Buffer.from(hex, "hex"), problems);
  } catch (error) {
    // A hostile or broken signature can trip forge in places the checks above do not foresee.
    problems.push(`the signature could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (signature) {
    result.signer = signature.signer;
    if (signature.signingTime) result.signingTime = signature.signingTime.toISOString();
    const content = createHash(signature.hash).update(file.subarray(start, gapStart)).update(file.subarray(secondStart, end)).digest();
    if (!content.equals(signature.messageDigest)) {
      problems.push(`the document's content does not match its signature (${signature.hash.toUpperCase()} digest mismatch): it was changed after signing`);
    }
    const { signingTime, signer } = signature;
    if (signingTime && (signingTime < new Date(signer.notBefore) || signingTime > new Date(signer.notAfter))) {
      problems.push(`the signer's certificate (valid ${signer.notBefore} to ${signer.notAfter}) was not valid at the signing time ${signingTime.toISOString()}`);
    }
  }
  return finish(result, file);
}

/** The bytes of the embedded file called `name`, or undefined when the PDF has none by that name. */
export async function readAttachment(bytes: Uint8Array, name: string): Promise<Uint8Array | undefined> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const tree = doc.catalog.lookupMaybe(PDFName.of("Names"), PDFDict)?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict);
  const spec = tree && findInNameTree(tree, name, 0);
  if (!spec) return undefined;
  const stream = spec.lookupMaybe(PDFName.of("EF"), PDFDict)?.lookup(PDFName.of("F"));
  if (!(stream instanceof PDFRawStream)) throw new Error(`the embedded file ${name} has no file stream`);
  return decodePDFRawStream(stream).decode();
}

async function finish(result: SignatureVerification, file: Buffer): Promise<SignatureVerification> {
  try {
    const attached = await readAttachment(file, ACKNOWLEDGEMENT_ATTACHMENT);
    if (attached) result.attachment = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(attached)) as unknown;
  } catch (error) {
    result.problems.push(`the embedded ${ACKNOWLEDGEMENT_ATTACHMENT} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  result.valid = result.problems.length === 0;
  return result;
}

/** Name trees are a flat /Names array in small documents, /Kids of subtrees in large ones. */
function findInNameTree(node: PDFDict, name: string, depth: number): PDFDict | undefined {
  if (depth > 32) return undefined;
  const names = node.lookupMaybe(PDFName.of("Names"), PDFArray);
  for (let i = 0; names && i + 1 < names.size(); i += 2) {
    const key = names.lookup(i);
    if ((key instanceof PDFString || key instanceof PDFHexString) && key.decodeText() === name) return names.lookup(i + 1, PDFDict);
  }
  const kids = node.lookupMaybe(PDFName.of("Kids"), PDFArray);
  for (let i = 0; kids && i < kids.size(); i++) {
    const found = findInNameTree(kids.lookup(i, PDFDict), name, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The last /ByteRange in the file: the signature made last, which alone can cover the whole file. */
function lastByteRange(file: Buffer): [number, number, number, number] | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of file.toString("latin1").matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) last = match;
  return last ? [Number(last[1]), Number(last[2]), Number(last[3]), Number(last[4])] : undefined;
}

const HASH_BY_OID: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** What forge's PKCS#7 validator captures from a SignedData and its (first) SignerInfo. */
interface SignedDataCapture {
  certificates?: forge.asn1.Asn1;
  issuer?: forge.asn1.Asn1;
  serial?: string;
  digestAlgorithm?: string;
  authenticatedAttributes?: forge.asn1.Asn1[];
  signature?: string;
}

interface ParsedSignature {
  signer: SignerCertificate;
  signingTime?: Date;
  hash: string;
  messageDigest: Buffer;
}

/**
 * Parses the PKCS#7 SignedData and checks its signature over the signed attributes. Problems go to
 * `problems`; the result is undefined when there is nothing left to check the content against.
 */
function readSignature(der: Buffer, problems: string[]): ParsedSignature | undefined {
  let capture: SignedDataCapture;
  try {
    // The DER is followed by the zero padding of the placeholder: parse one object and stop. (Stripping
    // trailing zeros instead would cut signatures whose last byte happens to be zero.)
    const message = forge.pkcs7.messageFromAsn1(fromDerPrefix(forge.util.createBuffer(der.toString("binary")), { strict: false, parseAllBytes: false }));
    if ((message as { type?: string }).type !== OID.signedData) {
      problems.push("the signature is not a PKCS#7 SignedData");
      return undefined;
    }
    capture = (message as unknown as { rawCapture: SignedDataCapture }).rawCapture;
  } catch (error) {
    problems.push(`the signature could not be read as PKCS#7: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const { issuer, serial, digestAlgorithm, authenticatedAttributes: attributes, signature } = capture;
  if (!issuer || serial === undefined || !digestAlgorithm || signature === undefined) {
    problems.push("the signature has no signer information");
    return undefined;
  }
  const hash = HASH_BY_OID[asn1.derToOid(digestAlgorithm)];
  if (!hash) {
    problems.push(`the signature uses a digest algorithm caveat does not accept (OID ${asn1.derToOid(digestAlgorithm)})`);
    return undefined;
  }
  if (!attributes) {
    problems.push("the signature has no signed attributes (message digest, signing time)");
    return undefined;
  }

  // The signer is named by issuer and serial number; forge keeps a certificate's issuer as the SHA-1 of its DER.
  const issuerHash = nameHash(issuer);
  let signerCert: { cert: forge.pki.Certificate; der: Buffer; selfSigned: boolean } | undefined;
  try {
    for (const certAsn1 of (capture.certificates?.value ?? []) as forge.asn1.Asn1[]) {
      const cert = pki.certificateFromAsn1(certAsn1, true);
      if (cert.serialNumber === forge.util.bytesToHex(serial) && cert.issuer.hash === issuerHash) {
        const der = Buffer.from(asn1.toDer(certAsn1).getBytes(), "binary");
        // Issuer is subject and the certificate's own key verifies it. (Not checkIssued: OpenSSL's check
        // also wants the keyCertSign usage, which a signing certificate does not have.)
        const x509 = new X509Certificate(der);
        signerCert = { cert, der, selfSigned: cert.issuer.hash === cert.subject.hash && x509.verify(x509.publicKey) };
        break;
      }
    }
  } catch (error) {
    problems.push(`a certificate in the signature could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (!signerCert) {
    problems.push("the signature does not include the signer's certificate");
    return undefined;
  }
  const { cert } = signerCert;

  const messageDigest = attributeValue(attributes, OID.messageDigest);
  if (typeof messageDigest?.value !== "string") {
    problems.push("the signature has no message digest attribute");
    return undefined;
  }
  const time = attributeValue(attributes, OID.signingTime);
  let signingTime: Date | undefined;
  if (typeof time?.value === "string") {
    const parsed = time.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(time.value) : asn1.generalizedTimeToDate(time.value);
    if (Number.isNaN(parsed.getTime())) problems.push("the signature's signing time is not a valid time");
    else signingTime = parsed;
  }

  // The signature covers the DER of the signed attributes with their [0] IMPLICIT tag replaced by SET OF.
  const signedAttributes = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attributes)).getBytes();
  const attributesDigest = createHash(hash).update(Buffer.from(signedAttributes, "binary")).digest("binary");
  try {
    if (!(cert.publicKey as forge.pki.rsa.PublicKey).verify(attributesDigest, signature)) {
      problems.push("the signature does not verify with the signer certificate's public key");
    }
  } catch (error) {
    problems.push(`the signature does not verify with the signer certificate's public key (${error instanceof Error ? error.message : String(error)})`);
  }
  return {
    signer: {
      ...subjectOf(cert),
      fingerprintSha256: fingerprintOf(signerCert.der),
      selfSigned: signerCert.selfSigned,
      notBefore: cert.validity.notBefore.toISOString(),
      notAfter: cert.validity.notAfter.toISOString(),
    },
    ...(signingTime ? { signingTime } : {}),
    hash,
    messageDigest: Buffer.from(messageDigest.value, "binary"),
  };
}

/** The first value of the attribute `oid` (Attribute ::= SEQUENCE { type OID, values SET OF ANY }). */
function attributeValue(attributes: forge.asn1.Asn1[], oid: string): forge.asn1.Asn1 | undefined {
  for (const attribute of attributes) {
    const [type, values] = attribute.value as forge.asn1.Asn1[];
    if (type && typeof type.value === "string" && asn1.derToOid(type.value) === oid && Array.isArray(values?.value)) {
      return values.value[0];
    }
  }
  return undefined;
}

function subjectOf(cert: forge.pki.Certificate): CertificateSubject {
  const text = (shortName: string): string | undefined => {
    const field = cert.subject.getField(shortName) as { value: string; valueTagClass?: number } | null;
    if (!field) return undefined;
    // forge leaves attribute values as the raw bytes of their string type.
    const bytes = Buffer.from(field.value, "binary");
    if (field.valueTagClass === asn1.Type.UTF8) return new TextDecoder().decode(bytes);
    if (field.valueTagClass === asn1.Type.BMPSTRING) return Buffer.from(bytes.subarray(0, bytes.length & ~1)).swap16().toString("utf16le");
    return field.value;
  };
  const organization = text("O");
  return { commonName: text("CN") ?? "", ...(organization === undefined ? {} : { organization }) };
}

/** The SHA-1 of a name's DER, which forge keeps as `hash` on a parsed certificate's issuer and subject. */
function nameHash(name: forge.asn1.Asn1): string {
  return createHash("sha1").update(Buffer.from(asn1.toDer(name).getBytes(), "binary")).digest("hex");
}

function certificateDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), "binary");
}

function fingerprintOf(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:");
}

/** 16 random bytes read as a positive DER integer: the top bit clear, the top byte non-zero (minimal encoding). */
function positiveSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString("hex");
}

/**
 * pdf-lib's PDFString.of, which @signpdf uses for /Reason, /Location, /ContactInfo and /Name, writes its
 * text between parentheses unescaped and byte-truncated: an unbalanced parenthesis breaks the file and
 * "Ł" becomes "A". So hand it a literal that is already escaped, in UTF-16BE when the text is not ASCII,
 * with every byte outside printable ASCII as an octal escape.
 */
function pdfLiteral(text: string): string {
  const bytes = /^[\x20-\x7e]*$/.test(text) ? Buffer.from(text, "latin1") : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]);
  let literal = "";
  for (const byte of bytes) {
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x28 && byte !== 0x29 && byte !== 0x5c;
    literal += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return literal;
}
