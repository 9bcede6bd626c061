import { readFile } from "node:fs/promises";
import { isIsoDate } from "../collector/src/domain/dates.js";
import { CLIENT_SLUG } from "../collector/src/domain/client-slug.js";
import { CliError } from "./errors.js";


export function parseClientSlug(value: string, flag: string): string {
  if (!CLIENT_SLUG.test(value)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a client slug (lowercase letters, digits and inner hyphens, e.g. acme-dental)`);
  return value;
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a positive whole number`);
  return n;
}

export function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a whole number (0 or more)`);
  return n;
}

/** --format: one of `allowed` (the first is the default when the option is absent). */
export function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[], flag = "--format"): T {
  if (value === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`);
  return value as T;
}

/** A calendar date written YYYY-MM-DD that exists (2026-02-30 does not). */
export function parseIsoDate(value: string, flag: string): string {
  if (!isIsoDate(value)) {
    throw new CliError(`${flag} ${JSON.stringify(value)}: expected a date written YYYY-MM-DD`);
  }
  return value;
}

/** Today's date in the machine's local time zone, YYYY-MM-DD (what "as of today" means to the person running it). */
export function todayIso(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A secret from a file (its first line) or an environment variable, never from an argument (it would show in ps). Undefined when neither is given. */
export async function readSecret(file: string | undefined, env: string, what: string): Promise<string | undefined> {
  if (file !== undefined) {
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read the ${what} file ${file}: ${error.code ?? error.message}`);
    });
    const line = text.split(/\r?\n/)[0] ?? "";
    if (line === "") throw new CliError(`the ${what} file ${file} is empty`);
    return line;
  }
  return process.env[env] || undefined;
}
