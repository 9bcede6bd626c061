// The notes log of a client: every call, email, meeting and escalation about its risks, in one place
// ("document everything"). Each note also goes into the client's hash-chained audit trail, so a note
// cannot be edited or removed later without that showing, and it is part of the evidence pack.
import { randomUUID } from "node:crypto";
import type { ClientNote, Store } from "../store/types.js";
import { recordAudit } from "./audit.js";
import { requireClient } from "./catalogs.js";
import { ServiceError } from "./errors.js";
import { isIsoDate } from "../domain/dates.js";

export const NOTE_CHANNELS = ["phone", "email", "meeting", "letter", "ticket", "chat", "other"] as const;

export interface NoteInput {
  /** The day it happened, YYYY-MM-DD (default: today). */
  date?: string;
  channel: string;
  who: string;
  summary: string;
}

export async function addNote(store: Store, slug: string, input: NoteInput, actor: string, now: Date): Promise<ClientNote> {
  await requireClient(store, slug);
  const today = now.toISOString().slice(0, 10);
  const date = input.date ?? today;
  if (!isIsoDate(date)) throw new ServiceError("invalid_request", `date ${JSON.stringify(date)}: expected a day YYYY-MM-DD`);
  if (date > today) throw new ServiceError("invalid_request", `date ${date}: a note records what happened, so not after today (${today})`);
  if (!(NOTE_CHANNELS as readonly string[]).includes(input.channel)) throw new ServiceError("invalid_request", `channel ${JSON.stringify(input.channel)}: expected one of ${NOTE_CHANNELS.join(", ")}`);
  const who = input.who.trim();
  const summary = input.summary.trim();
  if (who === "" || who.length > 256 || /[\u0000-\u001f\u007f]/.test(who)) throw new ServiceError("invalid_request", "who: expected the people involved, 1 to 256 characters on one line");
  if (summary === "" || summary.length > 4000 || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(summary)) throw new ServiceError("invalid_request", "summary: expected 1 to 4000 characters of text");
  const note: ClientNote = { id: randomUUID(), clientSlug: slug, date, channel: input.channel, who, summary, recordedAt: now.toISOString(), recordedBy: actor };
  await store.notes.add(note);
  await recordAudit(store, slug, "note.added", { id: note.id, date, channel: note.channel, who, summary }, actor, now);
  return note;
}
