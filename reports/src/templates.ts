// Loads the report's Handlebars templates: the bundled ones in reports/templates, with any file of the
// same name in an MSP's own directory (`caveat report --templates DIR`) taking its place. Templates only
// format the view model; every value is HTML-escaped by Handlebars ({{value}}), and a test keeps the
// bundled templates free of the unescaped {{{value}}} form.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { CertificateModel } from "./certificate.js";
import type { EvidenceModel } from "./evidence.js";
import type { ReportModel } from "./model.js";

export class ReportTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportTemplateError";
  }
}

export interface RenderedReport {
  /** The whole document, fonts and images embedded: it loads nothing. */
  html: string;
  /** The page footer (document id, page X of Y, findings SHA-256), for the printer. */
  footer: string;
}

export interface ReportTemplates {
  render(model: ReportModel): RenderedReport;
  /** The waiver statement (partials/waiver-statement.hbs) alone, as HTML: what a signer agrees to. */
  renderStatement(model: ReportModel): string;
  /** The signature certificate page of a signed acknowledgement (certificate.hbs). */
  renderCertificate(model: CertificateModel): RenderedReport;
  /** A client's evidence pack (evidence.hbs). */
  renderEvidence(model: EvidenceModel): RenderedReport;
  /** Where each template came from (bundled or the override directory). */
  readonly sources: Record<string, string>;
}

/** The bundled templates: reports/templates, found from this module (source tree or dist/ bundle). */
export function bundledTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "reports", "templates");
    if (existsSync(join(candidate, "report.hbs"))) return candidate;
    if (existsSync(join(dir, "templates", "report.hbs"))) return join(dir, "templates");
    dir = dirname(dir);
  }
  throw new ReportTemplateError("cannot find the bundled report templates (reports/templates/report.hbs) beside caveat");
}

export async function loadTemplates(overrideDir?: string): Promise<ReportTemplates> {
  const files = await templateFiles(bundledTemplatesDir());
  if (overrideDir !== undefined) {
    const own = await templateFiles(overrideDir).catch((error: NodeJS.ErrnoException) => {
      throw new ReportTemplateError(`cannot read the templates directory ${overrideDir}: ${error.code ?? error.message}`);
    });
    if (own.size === 0) throw new ReportTemplateError(`${overrideDir} holds no .hbs templates (expected report.hbs, footer.hbs or partials/NAME.hbs)`);
    for (const [name, path] of own) files.set(name, path);
  }
  const hbs = Handlebars.create();
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  const sources: Record<string, string> = {};
  for (const [name, path] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const text = await readFile(path, "utf8");
    let template: Handlebars.TemplateDelegate;
    try {
      // precompile-time parse: a syntax error names the file and line now, not at the first report.
      Handlebars.parse(text);
      template = hbs.compile(text, { knownHelpersOnly: true, preventIndent: true });
    } catch (error) {
      throw new ReportTemplateError(`${path}: ${(error as Error).message.split("\n").slice(0, 3).join(" ")}`);
    }
    sources[name] = path;
    if (name.startsWith("partials/")) hbs.registerPartial(name.slice("partials/".length), template);
    else compiled.set(name, template);
  }
  const report = compiled.get("report");
  const footer = compiled.get("footer");
  const certificate = compiled.get("certificate");
  const evidence = compiled.get("evidence");
  if (!report || !footer || !certificate || !evidence) throw new ReportTemplateError("the templates must include report.hbs, footer.hbs, certificate.hbs and evidence.hbs");
  const fontFaces = new Handlebars.SafeString(await embeddedFontCss());
  /** One document and its page footer; `part` names it in the footer when it is not the report itself. */
  const page = (what: string, body: Handlebars.TemplateDelegate, model: object, part?: string): RenderedReport => {
    const context = { ...model, fontFaces, ...(part ? { part } : {}) };
    try {
      return { html: body(context), footer: footer(context) };
    } catch (error) {
      throw new ReportTemplateError(`rendering the ${what} failed: ${(error as Error).message}`);
    }
  };
  return {
    sources,
    render: (model) => page("report templates", report, model),
    renderStatement(model) {
      const statement = hbs.partials["waiver-statement"] as Handlebars.TemplateDelegate | undefined;
      if (!statement) throw new ReportTemplateError("the templates must include partials/waiver-statement.hbs");
      return page("waiver statement", statement, model).html;
    },
    renderEvidence: (model) => page("evidence pack", evidence, model, "Evidence pack"),
    renderCertificate: (model) => page("signature certificate", certificate, model, "Signature certificate"),
  };
}

/** name ("report", "partials/cover") -> path, for every .hbs file directly in dir and in dir/partials. */
async function templateFiles(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const sub of [dir, join(dir, "partials")]) {
    const entries = await readdir(sub, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" && sub !== dir) return [];
      throw error;
    });
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith(".hbs")) continue;
      const path = join(sub, entry.name);
      found.set(relative(dir, path).replaceAll("\\", "/").replace(/\.hbs$/, ""), path);
    }
  }
  return found;
}

let fontCss: Promise<string> | undefined;

/**
 * Inter (SIL Open Font License, from @fontsource/inter) as data: URIs, so the report looks the same on
 * every machine and the page loads no font from anywhere. Chromium embeds only the glyphs used.
 */
export function embeddedFontCss(): Promise<string> {
  fontCss ??= (async () => {
    const require = createRequire(import.meta.url);
    const parts: string[] = [];
    for (const weight of [400, 600, 700]) {
      let cssPath: string;
      try {
        cssPath = require.resolve(`@fontsource/inter/${weight}.css`);
      } catch {
        throw new ReportTemplateError("the report font is missing: the npm package @fontsource/inter is not installed (run npm ci in caveat's directory)");
      }
      const css = await readFile(cssPath, "utf8");
      const faces = await Promise.all(
        [...css.matchAll(/@font-face\s*{[^}]*}/g)].map(async ([face]) => {
          const woff2 = /url\(\.\/files\/([\w.-]+\.woff2)\)/.exec(face);
          if (!woff2) throw new ReportTemplateError(`unexpected font CSS in ${cssPath}`);
          const data = (await readFile(join(dirname(cssPath), "files", woff2[1]!))).toString("base64");
          return face.replace(/src:[^;]*;/, `src: url(data:font/woff2;base64,${data}) format('woff2');`);
        }),
      );
      parts.push(...faces);
    }
    return parts.join("\n");
  })();
  return fontCss;
}
