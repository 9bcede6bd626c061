// Signed acknowledgements from the command line: the MSP's signing certificate (cert create), requests
// and their signing links (ack request, ack list, ack get), wet-ink scans (ack import), and checking a
// signed PDF anywhere, without the database (ack verify).
import { readFile, stat } from "node:fs/promises";
import { SigningIdentityError, createSelfSignedIdentity, loadSigningIdentity, verifySignedPdf, type SigningIdentity } from "../../reports/src/pdf-signature.js";
import { importWetSigned, requestAcknowledgement } from "../../collector/src/service/acks.js";
import { cliActor } from "../../collector/src/service/audit.js";
import { createEvaluator } from "../../collector/src/service/evaluation.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { CliError, EXIT_FINDINGS } from "../errors.js";
import { inputErrors } from "../input-errors.js";
import { formatColumns, log, writeFileAtomic, writeStdout } from "../io.js";
import { parseClientSlug, parseFormat, parseIsoDate, readSecret } from "../options.js";
import { serviceErrors } from "./admin.js";
import { withClient, withDatabase } from "./database.js";
import { reportErrors } from "./report.js";

/** The passphrase of the signing key: a file (first line) or $CAVEAT_SIGNING_PASSPHRASE, never an argument (it would show in ps). */
export async function signingPassphrase(file: string | undefined): Promise<string> {
  const passphrase = await readSecret(file, "CAVEAT_SIGNING_PASSPHRASE", "passphrase");
  if (passphrase !== undefined) return passphrase;
  throw new CliError("the signing key's passphrase is needed: put it in a file and pass --passphrase-file FILE, or set CAVEAT_SIGNING_PASSPHRASE");
}

export async function readSigningIdentity(path: string, passphraseFile: string | undefined): Promise<SigningIdentity> {
  const passphrase = await signingPassphrase(passphraseFile);
  const p12 = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read the signing key ${path}: ${error.code ?? error.message}`);
  });
  try {
    return loadSigningIdentity(p12, passphrase, path);
  } catch (error) {
    if (error instanceof SigningIdentityError) throw new CliError(error.message);
    throw error;
  }
}

export async function certCreateCommand(options: { out: string; name: string; org?: string; email?: string; days?: string; passphraseFile?: string; force?: boolean }): Promise<void> {
  const days = options.days === undefined ? 1095 : Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError(`--days ${JSON.stringify(options.days)}: expected 1 to 3650`);
  if (options.name.trim() === "" || options.name.length > 64) throw new CliError("--name: expected the MSP's name as signers should see it (1 to 64 characters)");
  const passphrase = await signingPassphrase(options.passphraseFile);
  if (passphrase.length < 12) throw new CliError("the passphrase is shorter than 12 characters: the key it protects signs on the MSP's behalf");
  if (!options.force && (await stat(options.out).then(() => true, () => false))) throw new CliError(`${options.out} exists already; pass --force to replace it (signed PDFs made with it name its fingerprint)`);
  const made = createSelfSignedIdentity({ commonName: options.name.trim(), organization: options.org?.trim() || undefined, email: options.email, validDays: days, passphrase });
  await writeFileAtomic(options.out, made.p12, { mode: 0o600 });
  await writeFileAtomic(`${options.out.replace(/\.(p12|pfx)$/i, "")}.crt.pem`, made.certificatePem);
  log(`wrote ${options.out} (PKCS#12, AES-256, mode 600) and its certificate beside it; valid ${days} days`);
  log(`SHA-256 fingerprint: ${made.fingerprintSha256}`);
  log("self-signed: readers will say the signer is not trusted until they trust this certificate; a certificate from a CA (document signing) avoids that");
}

interface RequestOptions {
  client: string;
  signerEmail?: string;
  expires?: string;
  acceptFor?: string;
  baseline?: boolean;
  branding?: string;
  templates?: string;
  browser?: string;
  url?: string;
  out?: string;
  database?: string;
  lifecycleDir?: string;
}

export async function ackRequestCommand(options: RequestOptions): Promise<void> {
  parseClientSlug(options.client, "--client");
  const expiresDays = parseDays(options.expires ?? "14d", "--expires", 90);
  const acceptDays = parseDays(options.acceptFor ?? "365d", "--accept-for", 1095);
  const base = options.url ?? process.env.CAVEAT_PUBLIC_URL;
  if (base !== undefined && !/^https?:\/\/[^\s/]+/.test(base)) throw new CliError(`--url ${JSON.stringify(base)}: expected the collector's public address, like https://caveat.example.com`);
  const dataset = await inputErrors(loadDataset(options.lifecycleDir));
  // The renderer (puppeteer) is loaded only by the command that prints.
  const { createReportRenderer } = await import("../../reports/src/report.js");
  const renderer = await reportErrors(inputErrors(createReportRenderer({ branding: options.branding, templates: options.templates, browser: options.browser, launchNow: true })));
  try {
    await withDatabase(options.database, async (store) => {
      const evaluator = createEvaluator(store, dataset.index);
      const issued = await reportErrors(
        serviceErrors(() =>
          requestAcknowledgement(store, evaluator, renderer, options.client, { kind: options.baseline ? "baseline" : "periodic", signerEmail: options.signerEmail, expiresDays, acceptDays, actor: cliActor(), now: new Date() }),
        ),
      );
      for (const s of issued.skipped) log(`warning: ${s.hostname} left out (stored scan ${s.scanId}: ${s.reason}); the document lists it as not included`);
      if (options.out) await writeFileAtomic(options.out, (await store.acks.pdf(options.client, issued.document.id, "report"))!);
      const path = `/sign/${issued.token}`;
      const link = base ? `${base.replace(/\/+$/, "")}${path}` : path;
      log(`document ${issued.document.id} (${issued.document.kind}) for ${options.client}; link valid until ${issued.document.expiresAt}${options.out ? `; PDF -> ${options.out}` : ""}`);
      if (!base) log("no --url or CAVEAT_PUBLIC_URL: prefix the path with the collector's public address");
      log("the link is shown once: send it to the signer now (it is stored only as a hash)");
      await writeStdout(`${link}\n`);
    });
  } finally {
    await renderer.close();
  }
}

export async function ackListCommand(options: { client: string; format?: string; database?: string }): Promise<void> {
  const format = parseFormat(options.format, ["table", "json"]);
  await withClient(options.database, options.client, async (store) => {
    const documents = (await store.acks.list(options.client)).map(({ tokenHash: _hidden, ...d }) => d);
    if (format === "json") return writeStdout(`${JSON.stringify({ client: options.client, documents }, null, 2)}\n`);
    const now = Date.now();
    const status = (d: (typeof documents)[number]) => (d.status === "pending" && Date.parse(d.expiresAt) <= now ? "expired" : d.status);
    await writeStdout(formatColumns(["DOCUMENT", "KIND", "STATUS", "REQUESTED", "LINK EXPIRES", "SIGNED"], documents.map((d) => [d.id, d.kind, status(d), d.createdAt.slice(0, 16), d.expiresAt.slice(0, 16), d.signedAt?.slice(0, 16) ?? "-"])));
  });
}

export async function ackGetCommand(options: { client: string; document: string; signed?: boolean; out: string; database?: string }): Promise<void> {
  parseClientSlug(options.client, "--client");
  await withDatabase(options.database, async (store) => {
    const document = await store.acks.get(options.client, options.document);
    if (!document) throw new CliError(`client "${options.client}" has no acknowledgement document ${options.document} (see caveat ack list --client ${options.client})`);
    const pdf = await store.acks.pdf(options.client, document.id, options.signed ? "signed" : "report");
    if (!pdf) throw new CliError(`document ${document.id} is not signed yet (status ${document.status})`);
    await writeFileAtomic(options.out, pdf);
    log(`wrote ${options.out} (${options.signed ? (document.status === "wet-signed" ? "the wet-ink scan" : "the signed PDF") : "the report sent for signature"})`);
  });
}

export async function ackImportCommand(scanFile: string, options: { client: string; document: string; signer: string; title: string; signedOn?: string; database?: string }): Promise<void> {
  parseClientSlug(options.client, "--client");
  const now = new Date();
  // The default is today in UTC, the calendar importWetSigned checks the date against: the local date is a
  // day ahead of it (east of UTC) or behind the request's (west of UTC) for part of every day, and refused.
  const signedOn = options.signedOn === undefined ? now.toISOString().slice(0, 10) : parseIsoDate(options.signedOn, "--signed-on");
  const scan = await readFile(scanFile).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${scanFile}: ${error.code ?? error.message}`);
  });
  if (scan.length > 50 * 1024 * 1024) throw new CliError(`${scanFile} is larger than 50 MiB; scan at a lower resolution`);
  await withDatabase(options.database, async (store) => {
    const signature = await serviceErrors(() => importWetSigned(store, options.client, options.document, scan, { signerName: options.signer, signerTitle: options.title, signedOn, actor: cliActor(), now }));
    log(`recorded the wet-ink signature of ${signature.signerName} (${signature.signerTitle}) on ${signedOn} against ${options.document}; scan SHA-256 ${signature.pdfSha256}`);
  });
}

export async function ackVerifyCommand(file: string, options: { fingerprint?: string; format?: string }): Promise<void> {
  const format = parseFormat(options.format, ["text", "json"]);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  const result = await verifySignedPdf(bytes);
  const expected = options.fingerprint?.toUpperCase().replaceAll(/[^0-9A-F]/g, "");
  const actual = result.signer?.fingerprintSha256.replaceAll(":", "");
  const problems = [...result.problems];
  if (expected !== undefined && actual !== undefined && expected !== actual) problems.push(`it was signed with certificate ${result.signer!.fingerprintSha256}, not the expected ${options.fingerprint}`);
  if (format === "json") {
    await writeStdout(`${JSON.stringify({ file, ...result, valid: problems.length === 0, problems }, null, 2)}\n`);
  } else {
    const lines = [`${file}: ${problems.length === 0 ? "VALID" : "NOT VALID"}`];
    for (const p of problems) lines.push(`  problem: ${p}`);
    if (result.signer) lines.push(`  sealed by: ${result.signer.commonName}${result.signer.organization ? `, ${result.signer.organization}` : ""}${result.signer.selfSigned ? " (self-signed)" : ""}`, `  certificate SHA-256: ${result.signer.fingerprintSha256}`);
    if (result.signingTime) lines.push(`  sealed at: ${result.signingTime}`);
    const record = result.attachment as AckRecord | undefined;
    if (record?.schema === "caveat.acknowledgement/v1") {
      const s = record.signature;
      lines.push(
        `  document: ${record.document.id} (${record.document.kind}) for ${record.document.client.name}, findings as of ${record.document.asOf}`,
        `  signed by: ${s.name}, ${s.title}${s.email ? ` <${s.email}>` : ""} at ${s.signedAt}${s.ip ? ` from ${s.ip}` : ""}`,
        `  findings SHA-256: ${record.document.findingsSha256}`,
        `  decisions: ${record.decisions.filter((d) => d.decision === "accept").length} accepted, ${record.decisions.filter((d) => d.decision === "remediate").length} to remediate`,
      );
      for (const d of record.decisions) lines.push(`    ${d.decision === "accept" ? "accepted until" : "remediate by  "} ${d.until}  ${d.endpoint.hostname}  ${d.subject}`);
    } else if (result.valid) lines.push("  (no caveat acknowledgement record inside: this PDF was not signed by caveat)");
    await writeStdout(`${lines.join("\n")}\n`);
  }
  if (problems.length > 0) throw new CliError(`${file} does not verify`, EXIT_FINDINGS);
}

interface AckRecord {
  schema: string;
  document: { id: string; kind: string; client: { name: string }; asOf: string; findingsSha256: string };
  signature: { name: string; title: string; email?: string; signedAt: string; ip?: string };
  decisions: { decision: string; until: string; subject: string; endpoint: { hostname: string } }[];
}

function parseDays(value: string, flag: string, max: number): number {
  const m = /^(\d{1,4})d$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > max) throw new CliError(`${flag} ${JSON.stringify(value)}: expected days like 14d (1d to ${max}d)`);
  return Number(m[1]);
}
