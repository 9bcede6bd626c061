// caveat reminders run / list: waiver expiry reminders queued in the outbox and delivered by webhook
// and/or email. `caveat serve` does the same on a timer with the same channel options.
import { readFile } from "node:fs/promises";
import { deliverOutbox, queueWaiverReminders, type ReminderChannels } from "../../collector/src/service/reminders.js";
import type { OutboxMessage } from "../../collector/src/store/types.js";
import { CliError } from "../errors.js";
import { formatColumns, log, writeStdout } from "../io.js";
import { parseCount, parseFormat } from "../options.js";
import { withClient, withDatabase } from "./database.js";

export interface ChannelOptions {
  webhook?: string;
  webhookSecretFile?: string;
  smtp?: string;
  mailFrom?: string;
  mailTo?: string;
}

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/** The delivery channels from options, else CAVEAT_WEBHOOK_URL, CAVEAT_SMTP_URL, CAVEAT_MAIL_FROM, CAVEAT_MAIL_TO. */
export async function parseReminderChannels(options: ChannelOptions, env: NodeJS.ProcessEnv = process.env): Promise<ReminderChannels> {
  const webhookUrl = options.webhook ?? env.CAVEAT_WEBHOOK_URL;
  const smtpUrl = options.smtp ?? env.CAVEAT_SMTP_URL;
  const from = options.mailFrom ?? env.CAVEAT_MAIL_FROM;
  const to = options.mailTo ?? env.CAVEAT_MAIL_TO;
  const channels: ReminderChannels = {};
  if (webhookUrl !== undefined) {
    if (!urlWith(webhookUrl, ["http:", "https:"])) throw new CliError(`--webhook ${JSON.stringify(webhookUrl)}: expected an http:// or https:// address, e.g. https://hooks.example.com/caveat`);
    channels.webhook = { url: webhookUrl, ...(options.webhookSecretFile !== undefined ? { secret: await readSecret(options.webhookSecretFile) } : {}) };
  } else if (options.webhookSecretFile !== undefined) throw new CliError("--webhook-secret-file signs webhook requests: give --webhook URL too");
  if (smtpUrl !== undefined) {
    if (!urlWith(smtpUrl, ["smtp:", "smtps:"])) throw new CliError(`--smtp ${JSON.stringify(smtpUrl)}: expected smtp://user:pass@host:587 or smtps://user:pass@host:465`);
    if (from === undefined) throw new CliError("--smtp needs --mail-from ADDRESS (or $CAVEAT_MAIL_FROM): the sender of reminder emails");
    if (!ADDRESS.test(from)) throw new CliError(`--mail-from ${JSON.stringify(from)}: expected an email address like caveat@msp.example`);
    if (to === undefined) throw new CliError("--smtp needs --mail-to ADDRESS[,ADDRESS] (or $CAVEAT_MAIL_TO): who gets reminder emails");
    const recipients = to.split(",").map((a) => a.trim()).filter((a) => a !== "");
    const bad = recipients.find((a) => !ADDRESS.test(a));
    if (recipients.length === 0 || bad !== undefined) throw new CliError(`--mail-to ${JSON.stringify(bad ?? to)}: expected email addresses separated by commas, e.g. sam@msp.example,dana@acme.example`);
    channels.smtp = { url: smtpUrl, from, to: recipients };
  } else if (options.mailFrom !== undefined || options.mailTo !== undefined) throw new CliError("--mail-from and --mail-to need --smtp URL (the mail server)");
  return channels;
}

export function parseWarnDays(value: string | undefined, flag: string): number {
  if (value === undefined) return 30;
  const days = parseCount(value, flag);
  if (days > 3650) throw new CliError(`${flag} ${JSON.stringify(value)}: expected at most 3650 days`);
  return days;
}

export function describeChannels(channels: ReminderChannels): string {
  const names = [...(channels.webhook ? [`webhook ${new URL(channels.webhook.url).origin}`] : []), ...(channels.smtp ? [`email to ${channels.smtp.to.join(", ")}`] : [])];
  return names.length > 0 ? names.join(" and ") : "no channel";
}

export async function remindersRunCommand(options: ChannelOptions & { warnDays?: string; database?: string }): Promise<void> {
  const warnDays = parseWarnDays(options.warnDays, "--warn-days");
  const channels = await parseReminderChannels(options);
  await withDatabase(options.database, async (store) => {
    const queued = await queueWaiverReminders(store, new Date(), { warnDays });
    log(`queued ${queued.expiring} expiring and ${queued.expired} expired reminder${queued.expired === 1 ? "" : "s"} (${queued.waivers} waiver${queued.waivers === 1 ? "" : "s"} of ${queued.clients} client${queued.clients === 1 ? "" : "s"} checked, ${warnDays} days ahead)`);
    if (!channels.webhook && !channels.smtp) return log("no --webhook or --smtp: the reminders stay queued until a channel is given");
    const sent = await deliverOutbox(store, new Date(), channels);
    log(`by ${describeChannels(channels)}: ${sent.delivered} delivered, ${sent.retrying} to retry, ${sent.failed} given up`);
  });
}

export async function remindersListCommand(options: { client: string; format?: string; database?: string }): Promise<void> {
  const format = parseFormat(options.format, ["table", "json"]);
  await withClient(options.database, options.client, async (store) => {
    const messages = await store.outbox.list(options.client);
    if (format === "json") return writeStdout(`${JSON.stringify({ client: options.client, messages: messages.map((m) => ({ ...m, status: statusOf(m) })) }, null, 2)}\n`);
    const rows = messages.map((m) => {
      const waiver = (m.payload as { waiver?: { ref?: string; subject?: string; expires?: string } }).waiver ?? {};
      return [m.createdAt.slice(0, 19), m.kind, waiver.ref ?? waiver.subject ?? "", waiver.expires ?? "", statusOf(m), String(m.attempts), m.lastError ?? ""];
    });
    await writeStdout(formatColumns(["QUEUED", "KIND", "WAIVER", "EXPIRES", "STATUS", "ATTEMPTS", "LAST ERROR"], rows));
  });
}

function statusOf(message: OutboxMessage): "queued" | "delivered" | "failed" {
  return message.deliveredAt ? "delivered" : message.failedAt ? "failed" : "queued";
}

function urlWith(value: string, protocols: string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false; // not a URL at all: the caller says what was expected
  }
}

async function readSecret(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => Promise.reject(new CliError(`--webhook-secret-file ${file}: cannot read (${error.code ?? error.message})`)));
  const secret = text.trim();
  if (secret === "") throw new CliError(`--webhook-secret-file ${file}: the file is empty`);
  return secret;
}
