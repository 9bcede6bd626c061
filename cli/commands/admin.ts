// MSP administration straight on the database: clients, tokens, catalogs. The same use cases the
// HTTP API runs (collector/src/service), so both paths behave the same.
import { readFile } from "node:fs/promises";
import { loadCatalogFile } from "../../collector/src/catalog/load-catalog.js";
import { cliActor, createClient, exportClientAudit, revokeToken, verifyClientAudit } from "../../collector/src/service/audit.js";
import { putCatalog, putProcurement } from "../../collector/src/service/catalogs.js";
import { ServiceError } from "../../collector/src/service/errors.js";
import { createEvaluator } from "../../collector/src/service/evaluation.js";
import { issueToken } from "../../collector/src/service/tokens.js";
import { addNote } from "../../collector/src/service/notes.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { CliError, EXIT_FINDINGS } from "../errors.js";
import { inputErrors } from "../input-errors.js";
import { formatColumns, log, writeFileAtomic, writeStdout } from "../io.js";
import { parseClientSlug, parseFormat } from "../options.js";
import { withClient, withDatabase } from "./database.js";

export async function clientAddCommand(slug: string, options: { name?: string; database?: string }): Promise<void> {
  parseClientSlug(slug, "SLUG");
  const name = options.name?.trim();
  if (!name) throw new CliError('--name is required: the client\'s name as reports show it, e.g. --name "Acme Dental"');
  if (name.length > 256) throw new CliError(`--name is ${name.length} characters; a client's name may be at most 256 (the API's limit too)`);
  await withDatabase(options.database, async (store) => {
    if (!(await createClient(store, { slug, name, createdAt: new Date().toISOString() }, cliActor()))) throw new CliError(`client "${slug}" exists already`);
    log(`added client ${slug} (${name})`);
  });
}

export async function clientListCommand(options: { database?: string; format?: string }): Promise<void> {
  await withDatabase(options.database, async (store) => {
    const clients = await store.clients.list();
    if (options.format === "json") return writeStdout(`${JSON.stringify(clients, null, 2)}\n`);
    const rows = await Promise.all(clients.map(async (c) => [c.slug, c.name, String((await store.endpoints.list(c.slug)).length), c.createdAt.slice(0, 10)]));
    await writeStdout(formatColumns(["SLUG", "NAME", "ENDPOINTS", "CREATED"], rows));
  });
}

export async function tokenCreateCommand(options: { client?: string; admin?: boolean; label?: string; expires?: string; database?: string }): Promise<void> {
  if (Boolean(options.client) === Boolean(options.admin)) throw new CliError("give either --client SLUG (an agent token) or --admin (an MSP admin token)");
  const now = new Date();
  const expiresAt = options.expires === undefined ? undefined : parseExpiry(options.expires, now);
  await withDatabase(options.database, async (store) => {
    const issued = await serviceErrors(() => issueToken(store, { kind: options.admin ? "admin" : "agent", clientSlug: options.client, label: options.label, expiresAt, now, actor: cliActor() }));
    log(`created ${issued.record.kind} token ${issued.record.id}${options.client ? ` for client ${options.client}` : ""}${expiresAt ? `, expires ${expiresAt}` : ""}. It is shown once: only its hash is stored.`);
    await writeStdout(`${issued.token}\n`);
  });
}

export async function tokenListCommand(options: { client?: string; database?: string }): Promise<void> {
  await withDatabase(options.database, async (store) => {
    const tokens = await store.tokens.list(options.client);
    const rows = tokens.map((t) => [t.id, t.kind, t.clientSlug ?? "-", t.label ?? "", t.createdAt.slice(0, 10), t.expiresAt?.slice(0, 10) ?? "never", t.revokedAt ? `revoked ${t.revokedAt.slice(0, 10)}` : "active", t.lastUsedAt?.slice(0, 19) ?? "never"]);
    await writeStdout(formatColumns(["ID", "KIND", "CLIENT", "LABEL", "CREATED", "EXPIRES", "STATUS", "LAST USED"], rows));
  });
}

export async function tokenRevokeCommand(id: string, options: { database?: string }): Promise<void> {
  await withDatabase(options.database, async (store) => {
    if (!(await revokeToken(store, id, cliActor(), new Date()))) throw new CliError(`no active token ${id}`);
    log(`revoked token ${id}: agents using it now get 401`);
  });
}

export async function catalogPushCommand(file: string | undefined, options: { client: string; procurement?: string; database?: string; lifecycleDir?: string }): Promise<void> {
  parseClientSlug(options.client, "--client");
  if (!file && !options.procurement) throw new CliError("give the catalog file and/or --procurement CSV");
  const read = async (path: string) => readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => Promise.reject(new CliError(`${path}: cannot read (${error.code ?? error.message})`)));
  const dataset = await loadDataset(options.lifecycleDir);
  await withDatabase(options.database, async (store) => {
    const evaluator = createEvaluator(store, dataset.index);
    if (file) {
      const text = await read(file);
      // A procurementFile next to the catalog is read here and stored with it: the server has no such file.
      const local = await inputErrors(loadCatalogFile(file));
      const register = local.catalog.procurementFile ? local.procurement.slice((local.catalog.procurement ?? []).length) : undefined;
      const { reevaluated } = await serviceErrors(() => putCatalog(store, evaluator, options.client, text, new Date(), register, cliActor()), file);
      log(`stored the catalog of ${options.client} from ${file}${register ? ` with ${register.length} purchases from ${local.catalog.procurementFile}` : ""}; re-evaluated ${reevaluated} endpoint${reevaluated === 1 ? "" : "s"}`);
    }
    if (options.procurement) {
      const csv = await read(options.procurement);
      const { purchases, reevaluated } = await serviceErrors(() => putProcurement(store, evaluator, options.client, csv, new Date(), cliActor()), options.procurement);
      log(`stored ${purchases} purchase${purchases === 1 ? "" : "s"} for ${options.client} from ${options.procurement}; re-evaluated ${reevaluated} endpoint${reevaluated === 1 ? "" : "s"}`);
    }
  });
}

/**
 * Checks every client's audit chain (or one client's); exit 1 when an event was edited, removed or
 * reordered. --head SEQ:HASH (printed by an earlier verify or export) also catches removed newest events.
 */
export async function auditVerifyCommand(options: { client?: string; head?: string; database?: string }): Promise<void> {
  if (options.client !== undefined) parseClientSlug(options.client, "--client");
  const head = options.head === undefined ? undefined : parseHead(options.head);
  if (head && options.client === undefined) throw new CliError("--head belongs to one client's chain: give --client SLUG too");
  await withDatabase(options.database, async (store) => {
    const slugs = options.client !== undefined ? [options.client] : (await store.clients.list()).map((c) => c.slug);
    const broken: string[] = [];
    for (const slug of slugs) {
      const check = await serviceErrors(() => verifyClientAudit(store, slug, head));
      const headSeq = check.events;
      if (check.ok) log(`${slug}: ${check.events} event${check.events === 1 ? "" : "s"}, chain intact; head ${headSeq}:${check.head}`);
      else {
        broken.push(slug);
        for (const p of check.problems) log(`${slug}: event ${p.seq} ${p.problem}`);
      }
    }
    if (broken.length > 0) throw new CliError(`the audit trail of ${broken.join(", ")} was tampered with`, EXIT_FINDINGS);
  });
}

/** The evidence pack: every event of a client with the chain's verification, as JSON. */
export async function auditExportCommand(options: { client: string; out?: string; database?: string; format?: string; branding?: string; browser?: string }): Promise<void> {
  parseClientSlug(options.client, "--client");
  const format = parseFormat(options.format, ["json", "pdf"]);
  if (format === "pdf" && !options.out) throw new CliError("--format pdf writes a file: give --out FILE.pdf");
  await withDatabase(options.database, async (store) => {
    const pack = await serviceErrors(() => exportClientAudit(store, options.client, new Date()));
    if (format === "pdf") {
      const { createReportRenderer } = await import("../../reports/src/report.js");
      const { reportErrors } = await import("./report.js");
      const renderer = await reportErrors(inputErrors(createReportRenderer({ branding: options.branding, browser: options.browser })));
      try {
        await writeFileAtomic(options.out!, await reportErrors(renderer.printEvidence(pack)));
      } finally {
        await renderer.close();
      }
    } else if (options.out) await writeFileAtomic(options.out, `${JSON.stringify(pack, null, 2)}\n`);
    else await writeStdout(`${JSON.stringify(pack, null, 2)}\n`);
    log(`exported ${pack.events.length} audit events of ${options.client}${pack.verification.ok ? "" : " (THE CHAIN DOES NOT VERIFY: see verification.problems)"}; head ${pack.events.length}:${pack.verification.head}${options.out ? ` -> ${options.out}` : ""}`);
  });
}

function parseHead(value: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!m) throw new CliError(`--head ${JSON.stringify(value)}: expected SEQ:SHA256 as printed by caveat audit verify (e.g. 12:3f0c...)`);
  return { seq: Number(m[1]), hash: m[2]! };
}

/** 90d, 12h, or a date/date-time. */
function parseExpiry(value: string, now: Date): string {
  const relative = /^(\d{1,7})([dh])$/.exec(value);
  const date = relative ? now.getTime() + Number(relative[1]) * (relative[2] === "d" ? 86_400_000 : 3_600_000) : Date.parse(value);
  if (!Number.isNaN(date) && date > now.getTime() && date <= Date.parse("9999-12-31T23:59:59Z")) return new Date(date).toISOString();
  throw new CliError(`--expires ${JSON.stringify(value)}: expected a duration like 90d or 12h, or a future date (2027-01-31)`);
}

/** Service refusals become one-line CLI errors (file names replace the generic "catalog" source). */
export async function serviceErrors<T>(work: () => Promise<T>, file?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ServiceError) throw new CliError(file ? error.message.replaceAll(/^(catalog|procurement register)(?=[:\s])/gm, file) : error.message);
    throw error;
  }
}

export async function noteAddCommand(options: { client: string; channel: string; who: string; summary: string; date?: string; database?: string }): Promise<void> {
  parseClientSlug(options.client, "--client");
  await withDatabase(options.database, async (store) => {
    const note = await serviceErrors(() => addNote(store, options.client, { date: options.date, channel: options.channel, who: options.who, summary: options.summary }, cliActor(), new Date()));
    log(`noted for ${options.client}: ${note.date} ${note.channel} with ${note.who} (in the audit trail)`);
  });
}

export async function noteListCommand(options: { client: string; format?: string; database?: string }): Promise<void> {
  const format = parseFormat(options.format, ["table", "json"]);
  await withClient(options.database, options.client, async (store) => {
    const notes = await store.notes.list(options.client);
    if (format === "json") return writeStdout(`${JSON.stringify({ client: options.client, notes }, null, 2)}\n`);
    await writeStdout(formatColumns(["DATE", "CHANNEL", "WHO", "SUMMARY", "RECORDED BY"], notes.map((n) => [n.date, n.channel, n.who, n.summary.replaceAll(/\s+/g, " "), n.recordedBy])));
  });
}
