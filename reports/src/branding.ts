// The MSP's branding file (caveat.branding/v1, YAML or JSON): name, logo, contacts, support policy.
// The logo is read here and embedded as a data: URI, because the page that prints the report may not
// fetch anything.
import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { assertBranding, ContractError, type Branding } from "../../schemas/validate.js";
import { parseYamlSource, typeInteger } from "../../schemas/yaml-source.js";

export type { Branding } from "../../schemas/validate.js";

export interface LoadedBranding {
  branding: Branding;
  /** data: URI of the logo, when the branding names one. */
  logo?: string;
}

/** What a report says when no branding file is given: neutral wording, no invented contacts. */
export const DEFAULT_BRANDING: Branding = { schema: "caveat.branding/v1", msp: { name: "Your managed service provider" } };

const MAX_LOGO_BYTES = 1024 * 1024;

export async function loadBrandingFile(path: string): Promise<LoadedBranding> {
  const text = await readSource(path, path, "the branding file");
  const branding = parseBranding(text, path);
  if (!branding.msp.logo) return { branding };
  const logoPath = resolve(dirname(path), branding.msp.logo);
  const bytes = await readSource(logoPath, path, "the logo", true);
  return { branding, logo: logoDataUri(bytes, logoPath, path) };
}

export function parseBranding(text: string, source: string): Branding {
  const { value, locate } = parseYamlSource(text, source, "caveat.branding/v1");
  if (typeof value === "object" && value !== null) typeInteger((value as { report?: unknown }).report, "decisionDays");
  return assertBranding(value, source, locate);
}

/** Only PNG, JPEG and SVG, recognised by content (not by name), and at most 1 MiB. */
export function logoDataUri(bytes: Buffer, logoPath: string, source: string): string {
  const refuse = (message: string) => new ContractError("caveat.branding/v1", source, [{ pointer: "/msp/logo", message: `${logoPath}: ${message}` }]);
  if (bytes.length > MAX_LOGO_BYTES) throw refuse(`is ${bytes.length} bytes; a logo may be at most 1 MiB`);
  const type = imageType(bytes, extname(logoPath).toLowerCase());
  if (!type) throw refuse("must be a PNG, JPEG or SVG image");
  return `data:${type};base64,${bytes.toString("base64")}`;
}

function imageType(bytes: Buffer, extension: string): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  // An SVG shown through <img> cannot run scripts or load anything, so embedding it is safe.
  const head = bytes.subarray(0, 1024).toString("utf8");
  if (extension === ".svg" && /<svg[\s>]/.test(head)) return "image/svg+xml";
  return undefined;
}

function readSource(path: string, source: string, what: string, binary: true): Promise<Buffer>;
function readSource(path: string, source: string, what: string): Promise<string>;
async function readSource(path: string, source: string, what: string, binary?: true): Promise<string | Buffer> {
  try {
    return binary ? await readFile(path) : await readFile(path, "utf8");
  } catch (error) {
    throw new ContractError("caveat.branding/v1", source, [{ pointer: binary ? "/msp/logo" : "", message: `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
}
