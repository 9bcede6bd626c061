import { buildServer } from "../../collector/src/http/server.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { createEvaluator } from "../../collector/src/service/evaluation.js";
import { reevaluateAll } from "../../collector/src/service/catalogs.js";
import { CliError } from "../errors.js";
import { log } from "../io.js";
import { parsePositiveInt } from "../options.js";
import { openDatabase } from "./database.js";
import { readSigningIdentity } from "./ack.js";
import { inputErrors } from "../input-errors.js";
import { loadBrandingFile } from "../../reports/src/branding.js";
import { createReportRenderer } from "../../reports/src/report.js";
import { deliverOutbox, queueWaiverReminders } from "../../collector/src/service/reminders.js";
import { describeChannels, parseReminderChannels, parseWarnDays, type ChannelOptions } from "./reminders.js";

export interface ServeOptions extends ChannelOptions {
  database?: string;
  port?: string;
  host?: string;
  bodyLimit?: string;
  maxIngests?: string;
  trustProxy?: boolean;
  lifecycleDir?: string;
  logLevel?: string;
  reevaluateEvery?: string;
  signingKey?: string;
  signingPassphraseFile?: string;
  publicUrl?: string;
  branding?: string;
  ignoreAfter?: string;
  reminderDays?: string;
}

const REMINDER_EVERY_MS = 15 * 60_000;

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Runs the collector until SIGTERM/SIGINT; closes connections and the database cleanly. */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const port = options.port === undefined ? 8080 : parsePort(options.port);
  const host = options.host ?? "127.0.0.1";
  const bodyLimit = options.bodyLimit === undefined ? undefined : parsePositiveInt(options.bodyLimit, "--body-limit");
  const maxConcurrentIngests = options.maxIngests === undefined ? undefined : parsePositiveInt(options.maxIngests, "--max-ingests");
  const reevaluateHours = options.reevaluateEvery === undefined ? 24 : parseHours(options.reevaluateEvery);
  const level = options.logLevel ?? "warn";
  if (!LEVELS.includes(level)) throw new CliError(`--log-level ${JSON.stringify(level)}: expected one of ${LEVELS.join(", ")}`);
  const publicUrl = options.publicUrl ?? process.env.CAVEAT_PUBLIC_URL;
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) throw new CliError(`--public-url ${JSON.stringify(publicUrl)}: expected an address like https://caveat.example.com`);
  // Checked before anything starts: a key that cannot sign is found now, not when a client signs.
  const identity = options.signingKey === undefined ? undefined : await readSigningIdentity(options.signingKey, options.signingPassphraseFile);
  if (options.branding !== undefined) await inputErrors(loadBrandingFile(options.branding));
  const reminderDays = parseWarnDays(options.reminderDays, "--reminder-days");
  const ignoreAfterDays = parseWarnDays(options.ignoreAfter, "--ignore-after");
  const channels = await parseReminderChannels(options);
  const { store, label } = await openDatabase(options.database);
  const dataset = await loadDataset(options.lifecycleDir);
  const evaluator = createEvaluator(store, dataset.index);
  const app = buildServer({
    store,
    evaluator,
    bodyLimit,
    maxConcurrentIngests,
    trustProxy: options.trustProxy ?? false,
    logger: level !== "silent",
    identity,
    publicUrl,
    renderer: () => createReportRenderer({ branding: options.branding }),
    ignoreAfterDays,
  });
  app.log.level = level;
  try {
    await app.listen({ port, host });
  } catch (error) {
    await store.close();
    throw new CliError(`cannot listen on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const address = app.server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
  log(`caveat collector listening on ${origin} (database: ${label})`);
  const users = (await store.users.list()).filter((u) => !u.disabledAt).length;
  log(`MSP dashboard: ${publicUrl ? publicUrl.replace(/\/+$/, "") : origin}/dashboard (${users ? `${users} user${users === 1 ? "" : "s"}` : "no user yet: add one with caveat user add EMAIL --name NAME"})`);
  if (identity) log(`signed acknowledgements are sealed with ${identity.subject.commonName} (SHA-256 ${identity.fingerprintSha256}, valid until ${identity.notAfter.toISOString().slice(0, 10)})`);
  else log("no --signing-key: signing links answer that signing is not set up (see caveat cert create)");
  // Current findings age even when nothing is submitted: an end-of-life date or a waiver's expiry passes.
  // Every instance does it (idempotent); the first run comes a minute after start, off the start-up path.
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      void reevaluateAll(store, evaluator, new Date())
        .then(({ clients, endpoints }) => app.log.info({ clients, endpoints }, "daily re-evaluation done"))
        .catch((error: unknown) => app.log.error({ err: error }, "daily re-evaluation failed"))
        .finally(() => schedule(reevaluateHours * 3_600_000));
    }, delayMs);
    timer.unref();
  };
  if (reevaluateHours > 0) schedule(60_000);
  // Waiver expiry reminders: queued once per waiver and stage (the outbox's dedupe key), so every
  // instance may run this; delivery is retried from the outbox. Only with a channel to deliver to.
  let reminderTimer: NodeJS.Timeout | undefined;
  const remind = (delayMs: number) => {
    reminderTimer = setTimeout(() => {
      void queueWaiverReminders(store, new Date(), { warnDays: reminderDays })
        .then(async (queued) => ({ queued, sent: await deliverOutbox(store, new Date(), channels) }))
        .then(({ queued, sent }) => app.log.info({ queued, sent }, "waiver reminders done"))
        .catch((error: unknown) => app.log.error({ err: error }, "waiver reminders failed"))
        .finally(() => remind(REMINDER_EVERY_MS));
    }, delayMs);
    reminderTimer.unref();
  };
  if (channels.webhook || channels.smtp) {
    log(`waiver expiry reminders (${reminderDays} days ahead and at expiry) go by ${describeChannels(channels)}`);
    remind(60_000);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      clearTimeout(timer);
      clearTimeout(reminderTimer);
      log(`${signal}: closing`);
      void app
        .close()
        .then(() => store.close())
        .finally(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

function parseHours(value: string): number {
  const m = /^(\d+)h$/.exec(value);
  if (!m || Number(m[1]) > 24 * 30) throw new CliError(`--reevaluate-every ${JSON.stringify(value)}: expected hours like 24h (0h: never)`);
  return Number(m[1]);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--port ${JSON.stringify(value)}: expected a port number (0 for any free port)`);
  return n;
}
