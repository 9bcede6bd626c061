// The collector-side commands: evaluation, lifecycle data, the server and its administration.
// Kept out of program.ts so that the single-file agent does not bundle them.
import { type Command, Option } from "commander";
import { evaluateCommand } from "./commands/evaluate.js";
import { lifecycleImportCommand, lifecycleListCommand } from "./commands/lifecycle.js";

// The server and its administration load fastify, pg and better-sqlite3 (~0.2 s): only when one of them runs.
const admin = () => import("./commands/admin.js");

/** Adds the commands to program; returns the groups that have subcommands. */
export function addCollectorCommands(program: Command): Command[] {
  program
    .command("evaluate")
    .description("evaluate inventories against a client's catalog and the lifecycle data; write caveat.findings/v1")
    .argument("<inventories...>", "inventory files or directories (several scans of one endpoint are its history)")
    .requiredOption("-c, --catalog <file>", "the client's catalog (YAML or JSON, caveat.catalog/v1)")
    .option("--as-of <date>", "evaluate as of this date, YYYY-MM-DD (default: today)")
    .option("-f, --format <format>", "json, table or csv", "json")
    .option("--fail-on <severity>", "exit 1 when an unwaived finding is at or above: critical, high, medium, low, info, none", "high")
    .option("-o, --out <file>", "write to a file (atomically) instead of stdout")
    .option("--pretty", "indent the JSON")
    .option("--workers <n>", "worker threads that parse, check and evaluate inventories beside the main thread, which does too (default: one per further core, at most one per 250 files; 0: none)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates (default: $CAVEAT_LIFECYCLE_DIR or ~/.local/share/caveat/lifecycle)")
    .action(async (inventories: string[], options) => {
      await evaluateCommand(inventories, options);
    });

  const lifecycle = program.command("lifecycle").description("the end-of-life dataset: list what is known, import newer dates");
  lifecycle
    .command("list")
    .description("list products and release cycles with their end-of-life dates and status")
    .option("--product <id>", "only this product (windows, office, ubuntu...)")
    .option("-f, --format <format>", "table or json", "table")
    .option("--as-of <date>", "status as of this date, YYYY-MM-DD (default: today)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .action(async (options) => {
      await lifecycleListCommand(options);
    });
  lifecycle
    .command("import")
    .description("merge endoflife.date API JSON saved in FILE (/api/<product>.json or /api/v1/products/<product>) into the lifecycle updates")
    .argument("<file>", "the saved JSON")
    .option("--product <id>", "the product it describes (default: from the document or the file name)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .option("--dry-run", "show what would change, write nothing")
    .action(async (file: string, options) => {
      await lifecycleImportCommand(file, options);
    });

  const databaseOption = () => new Option("--database <url>", "PostgreSQL URL (postgres://...) or SQLite file (default: $CAVEAT_DATABASE or ./caveat.db)");
  program
    .command("report")
    .description("render the client-facing risk-acknowledgement report (PDF) from findings, for the client to sign")
    .option("--findings <file>", "a findings file written by caveat evaluate (caveat.findings/v1)")
    .option("--client <slug>", "one client's current findings from the collector's database")
    .option("--all-clients", "every client in the database, one browser for all (with --out-dir)")
    .addOption(databaseOption())
    .option("-o, --out <file>", "the PDF to write")
    .option("--html <file>", "also (or only) write the report's HTML")
    .option("--out-dir <dir>", "with --all-clients: where to write SLUG-DATE.pdf and SLUG-DATE.findings.json")
    .option("--branding <file>", "the MSP's branding (caveat.branding/v1 YAML: name, logo, contacts, support policy)")
    .option("--templates <dir>", "your own Handlebars templates: files named like reports/templates replace the bundled ones")
    .option("--report-date <date>", "the date printed as the report's date, YYYY-MM-DD (default: today)")
    .option("--as-of <date>", "with --client/--all-clients: evaluate as of this date, YYYY-MM-DD (default: now)")
    .option("--browser <path>", "the Chromium, Chrome or Edge executable (default: $CHROME_PATH, then chromium/google-chrome/Edge)")
    .option("--timeout <seconds>", "give up on a report that takes longer to print", "60")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .action(async (options) => {
      await (await import("./commands/report.js")).reportCommand(options);
    });
  program
    .command("serve")
    .description("run the collector: HTTP API for agents and the MSP, on SQLite (default) or PostgreSQL")
    .addOption(databaseOption())
    .option("--port <port>", "TCP port (0: any free port)", "8080")
    .option("--host <address>", "address to listen on (0.0.0.0 for every interface; put TLS in front)", "127.0.0.1")
    .option("--body-limit <bytes>", "largest accepted request body, compressed or not (default 8 MiB)")
    .option("--max-ingests <n>", "inventories processed at once; more get 503 busy (default 64)")
    .option("--trust-proxy", "take the client address from X-Forwarded-For (only behind a reverse proxy)")
    .option("--reevaluate-every <hours>", "evaluate every client's current findings again this often, e.g. 24h (0h: never)", "24h")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent", "warn")
    .option("--signing-key <file>", "the MSP's PKCS#12 (.p12) that seals signed acknowledgements (caveat cert create makes one)")
    .option("--signing-passphrase-file <file>", "the signing key's passphrase (default: $CAVEAT_SIGNING_PASSPHRASE)")
    .option("--public-url <url>", "the collector's public address, for signing links (default: $CAVEAT_PUBLIC_URL)")
    .option("--branding <file>", "the MSP's branding for acknowledgements requested through the API")
    .option("--reminder-days <days>", "remind this many days before a waiver expires (with --webhook or --smtp)", "30")
    .option("--ignore-after <days>", "dashboard standing: advice unanswered this many days after it was requested counts as ignored", "30")
    .option("--webhook <url>", "POST waiver expiry reminders as JSON to this address (default: $CAVEAT_WEBHOOK_URL)")
    .option("--webhook-secret-file <file>", "sign webhook bodies with this secret (x-caveat-signature: sha256=HMAC)")
    .option("--smtp <url>", "email waiver expiry reminders through smtp://user:pass@host:587 or smtps://... (default: $CAVEAT_SMTP_URL)")
    .option("--mail-from <address>", "the sender of reminder emails (default: $CAVEAT_MAIL_FROM)")
    .option("--mail-to <addresses>", "recipients of reminder emails, separated by commas (default: $CAVEAT_MAIL_TO)")
    .action(async (options) => {
      await (await import("./commands/serve.js")).serveCommand(options);
    });

  const client = program.command("client").description("the MSP's clients (tenants)");
  client
    .command("add")
    .description("add a client")
    .argument("<slug>", "short id: lowercase letters, digits, inner hyphens (acme-dental)")
    .option("--name <name>", "the client's name as reports show it")
    .addOption(databaseOption())
    .action(async (slug: string, options) => {
      await (await admin()).clientAddCommand(slug, options);
    });
  client
    .command("list")
    .description("list clients with their endpoint counts")
    .option("-f, --format <format>", "table or json", "table")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).clientListCommand(options);
    });

  const token = program.command("token").description("agent and admin tokens (shown once, stored hashed)");
  token
    .command("create")
    .description("create a token and print it once on stdout")
    .option("--client <slug>", "an agent token that submits inventories for this client only")
    .option("--admin", "an MSP admin token for the read and admin API")
    .option("--label <text>", "what it is for (e.g. the site or the deployment)")
    .option("--expires <when>", "90d, 12h or a date; default: never")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).tokenCreateCommand(options);
    });
  token
    .command("list")
    .description("list tokens (never the secrets)")
    .option("--client <slug>", "only this client's")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).tokenListCommand(options);
    });
  token
    .command("revoke")
    .description("revoke a token by id: its agents get 401 from now on")
    .argument("<id>", "the token id from token list")
    .addOption(databaseOption())
    .action(async (id: string, options) => {
      await (await admin()).tokenRevokeCommand(id, options);
    });

  const user = program.command("user").description("the MSP's dashboard users (passwords stored as scrypt hashes)");
  const users = () => import("./commands/users.js");
  user
    .command("add")
    .description("add a dashboard user; without --password-file or $CAVEAT_PASSWORD a password is generated and printed once")
    .argument("<email>", "what they sign in with")
    .option("--name <name>", "their name, as the audit trail shows it")
    .option("--password-file <file>", "their password (first line; 12 characters or more)")
    .addOption(databaseOption())
    .action(async (email: string, options) => {
      await (await users()).userAddCommand(email, options);
    });
  user
    .command("list")
    .description("list dashboard users (never the password hashes)")
    .option("-f, --format <format>", "table or json", "table")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await users()).userListCommand(options);
    });
  user
    .command("password")
    .description("give a user a new password (generated unless --password-file or $CAVEAT_PASSWORD); signs out their sessions")
    .argument("<email>")
    .option("--password-file <file>", "the new password (first line)")
    .addOption(databaseOption())
    .action(async (email: string, options) => {
      await (await users()).userPasswordCommand(email, options);
    });
  user
    .command("disable")
    .description("stop a user signing in; their sessions end at once")
    .argument("<email>")
    .addOption(databaseOption())
    .action(async (email: string, options) => {
      await (await users()).userDisableCommand(email, options);
    });

  const catalog = program.command("catalog").description("clients' catalogs on the collector");
  catalog
    .command("push")
    .description("store a client's catalog (YAML or JSON) and/or procurement register (CSV); current findings are re-evaluated")
    .argument("[file]", "the catalog file (caveat.catalog/v1)")
    .requiredOption("--client <slug>", "the client it belongs to")
    .option("--procurement <csv>", "the procurement register CSV")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .addOption(databaseOption())
    .action(async (file: string | undefined, options) => {
      await (await admin()).catalogPushCommand(file, options);
    });

  const audit = program.command("audit").description("each client's hash-chained audit trail: verify it, export it as evidence");
  audit
    .command("verify")
    .description("check every client's chain (or one client's); exit 1 when an event was edited, removed or reordered")
    .option("--client <slug>", "only this client")
    .option("--head <seq:hash>", "a head printed earlier by verify or export: also detects removed newest events")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).auditVerifyCommand(options);
    });
  audit
    .command("export")
    .description("write a client's evidence pack: audit trail with its verification, acknowledgements, notes (JSON, or PDF for a lawyer or insurer)")
    .requiredOption("--client <slug>", "the client")
    .option("-o, --out <file>", "write to a file instead of stdout (required for pdf)")
    .option("-f, --format <format>", "json or pdf", "json")
    .option("--branding <file>", "with pdf: the MSP's branding (caveat.branding/v1)")
    .option("--browser <path>", "with pdf: the Chromium, Chrome or Edge executable")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).auditExportCommand(options);
    });

  const note = program.command("note").description("each client's log of communications and escalations (part of the evidence pack)");
  note
    .command("add")
    .description("record a call, email, meeting or escalation")
    .requiredOption("--client <slug>", "the client")
    .requiredOption("--channel <channel>", "phone, email, meeting, letter, ticket, chat or other")
    .requiredOption("--who <people>", "who took part")
    .requiredOption("--summary <text>", "what was said or agreed")
    .option("--date <date>", "the day it happened, YYYY-MM-DD (default: today)")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).noteAddCommand(options);
    });
  note
    .command("list")
    .description("a client's notes, oldest first")
    .requiredOption("--client <slug>", "the client")
    .option("-f, --format <format>", "table or json", "table")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await admin()).noteListCommand(options);
    });

  const ack = () => import("./commands/ack.js");
  const cert = program.command("cert").description("the MSP's certificate that seals signed acknowledgements");
  cert
    .command("create")
    .description("make a self-signed signing identity (PKCS#12) for trials; use a CA-issued document-signing certificate in production")
    .requiredOption("-o, --out <file>", "the .p12 file to write (its certificate goes beside it as .crt.pem)")
    .requiredOption("--name <name>", "the MSP's name, as signed PDFs show the signer")
    .option("--org <organization>", "the organization (O=)")
    .option("--email <address>", "a contact address in the certificate")
    .option("--days <n>", "validity in days", "1095")
    .option("--passphrase-file <file>", "the passphrase that protects the key (default: $CAVEAT_SIGNING_PASSPHRASE)")
    .option("--force", "replace an existing file")
    .action(async (options) => {
      await (await ack()).certCreateCommand(options);
    });

  const acks = program.command("ack").description("risk acknowledgements: request a signature, list, fetch, record paper copies, verify signed PDFs");
  acks
    .command("request")
    .description("freeze a client's current findings into a document to sign and print its single-use signing link")
    .requiredOption("--client <slug>", "the client")
    .option("--signer-email <address>", "who is expected to sign (pre-filled on the page)")
    .option("--expires <days>", "how long the link works, e.g. 14d (at most 90d)", "14d")
    .option("--accept-for <days>", "how long an accepted risk stays accepted, e.g. 365d (at most 1095d)", "365d")
    .option("--baseline", "the onboarding acknowledgement of everything found on day one")
    .option("--url <url>", "the collector's public address, to print the whole link (default: $CAVEAT_PUBLIC_URL)")
    .option("-o, --out <file>", "also write the PDF sent for signature")
    .option("--branding <file>", "the MSP's branding (caveat.branding/v1)")
    .option("--templates <dir>", "your own report templates")
    .option("--browser <path>", "the Chromium, Chrome or Edge executable")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await ack()).ackRequestCommand(options);
    });
  acks
    .command("list")
    .description("a client's acknowledgement documents and their status")
    .requiredOption("--client <slug>", "the client")
    .option("-f, --format <format>", "table or json", "table")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await ack()).ackListCommand(options);
    });
  acks
    .command("get")
    .description("write a document's PDF: the report sent for signature, or with --signed the signed PDF (or the wet-ink scan)")
    .requiredOption("--client <slug>", "the client")
    .requiredOption("--document <id>", "the document id (CVT-...)")
    .requiredOption("-o, --out <file>", "the file to write")
    .option("--signed", "the signed copy")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await ack()).ackGetCommand(options);
    });
  acks
    .command("import")
    .description("record a paper copy signed in ink (scanned PDF, PNG or JPEG) against its document")
    .argument("<scan>", "the scanned, signed document")
    .requiredOption("--client <slug>", "the client")
    .requiredOption("--document <id>", "the document id printed on the paper copy (CVT-...)")
    .requiredOption("--signer <name>", "who signed, as written on the paper")
    .requiredOption("--title <title>", "their title")
    .option("--signed-on <date>", "the date written beside the signature, YYYY-MM-DD (default: today, in UTC)")
    .addOption(databaseOption())
    .action(async (scan: string, options) => {
      await (await ack()).ackImportCommand(scan, options);
    });
  acks
    .command("verify")
    .description("check a signed acknowledgement PDF: seal intact, nothing changed or added; print who signed what and when (exit 1 if not valid)")
    .argument("<file>", "the signed PDF")
    .option("--fingerprint <sha256>", "also require this signing certificate (its SHA-256 fingerprint, as cert create printed it)")
    .option("-f, --format <format>", "text or json", "text")
    .action(async (file: string, options) => {
      await (await ack()).ackVerifyCommand(file, options);
    });

  const reminderCommands = () => import("./commands/reminders.js");
  const reminders = program.command("reminders").description("waiver expiry reminders: queued in an outbox, delivered by webhook and/or email with retries");
  reminders
    .command("run")
    .description("queue reminders for waivers expiring soon or expired, then deliver what is due once")
    .option("--warn-days <days>", "remind this many days before a waiver expires", "30")
    .option("--webhook <url>", "POST each reminder as JSON to this address (default: $CAVEAT_WEBHOOK_URL)")
    .option("--webhook-secret-file <file>", "sign webhook bodies with this secret (x-caveat-signature: sha256=HMAC)")
    .option("--smtp <url>", "send reminder emails through smtp://user:pass@host:587 or smtps://... (default: $CAVEAT_SMTP_URL)")
    .option("--mail-from <address>", "the sender of reminder emails (default: $CAVEAT_MAIL_FROM)")
    .option("--mail-to <addresses>", "recipients, separated by commas (default: $CAVEAT_MAIL_TO)")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await reminderCommands()).remindersRunCommand(options);
    });
  reminders
    .command("list")
    .description("a client's reminders: queued, delivered or given up, with attempts and the last error")
    .requiredOption("--client <slug>", "the client")
    .option("-f, --format <format>", "table or json", "table")
    .addOption(databaseOption())
    .action(async (options) => {
      await (await reminderCommands()).remindersListCommand(options);
    });

  return [lifecycle, client, token, catalog, audit, note, cert, acks, reminders];
}
