import { CliError } from "./errors.js";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function parseClientSlug(value: string, flag: string): string {
  if (!SLUG.test(value)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a client slug (lowercase letters, digits and inner hyphens, e.g. acme-dental)`);
  return value;
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a positive whole number`);
  return n;
}
