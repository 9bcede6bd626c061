import { mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateScans } from "../../collector/src/evaluate/evaluate.js";
import { optionsFor, scanOf } from "../../collector/src/evaluate/test-support.js";
import { DEFAULT_BRANDING } from "./branding.js";
import { buildReportModel } from "./model.js";
import { webTemplatesDir } from "../../collector/src/http/pages.js";
import { bundledTemplatesDir, loadTemplates, ReportTemplateError } from "./templates.js";

const HOSTILE = `<script>alert("x")</script> & "quoted" 'single' \`tick\` =`;

function hostileModel() {
  const catalog = `schema: caveat.catalog/v1\nclient: acme-dental\nname: "<b>Acme</b> & Sons"\nsoftware:\n  deny:\n    - { name: "*script*", reason: "<i>no</i>" }\n`;
  const findings = evaluateScans([scanOf({ hostname: "<img src=x onerror=alert(1)>", software: [{ name: HOSTILE, version: "1.0" }] })], optionsFor(catalog));
  return buildReportModel({ findings, findingsSha256: "0".repeat(64), branding: { ...DEFAULT_BRANDING, msp: { name: "Northwind <IT>", address: "1 \"Main\" St" } }, reportDate: "2026-11-23" });
}

describe("report templates", () => {
  it("escape every value: hostile software, host, client and MSP names appear as text, never as markup", async () => {
    const { html, footer } = (await loadTemplates()).render(hostileModel());
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>Acme</b>");
    expect(html).not.toContain("<i>no</i>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot; &#x27;single&#x27; &#x60;tick&#x60; &#x3D;");
    expect(html).toContain("&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;");
    expect(footer).toContain("&lt;b&gt;Acme&lt;/b&gt; &amp; Sons");
    expect(footer).not.toContain("<b>");
  });

  it("never use the unescaped {{{triple-stash}}} form in the bundled templates, the report's and the collector's pages", async () => {
    const files: string[] = [];
    for (const dir of [bundledTemplatesDir(), webTemplatesDir()]) {
      files.push(...[...(await readdir(dir)).map((f) => join(dir, f)), ...(await readdir(join(dir, "partials"))).map((f) => join(dir, "partials", f))].filter((f) => f.endsWith(".hbs")));
    }
    expect(files.length).toBeGreaterThan(14);
    expect(files.some((f) => f.endsWith("sign.hbs"))).toBe(true);
    for (const file of files) expect(await readFile(file, "utf8"), file).not.toMatch(/\{\{\{|\{\{&/);
  });

  it("produce a page that needs nothing from the network: fonts and logo are data: URIs", async () => {
    const model = { ...hostileModel(), msp: { ...hostileModel().msp, logo: "data:image/svg+xml;base64,PHN2Zy8+" } };
    const { html } = (await loadTemplates()).render(model);
    const references = [...html.matchAll(/(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)/g)].map((m) => (m[1] ?? m[2])!.replace(/^['"]/, ""));
    expect(references.length).toBeGreaterThan(3);
    for (const ref of references) expect(ref).toMatch(/^data:/);
    expect(html).toMatch(/@font-face[^}]*font-family: 'Inter'[^}]*src: url\(data:font\/woff2;base64,/);
  });

  it("let an MSP replace one partial with its own wording and keep the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-templates-"));
    await mkdir(join(dir, "partials"));
    await writeFile(join(dir, "partials", "waiver-statement.hbs"), "<section><h1>Our own waiver for {{client.name}}</h1></section>");
    const templates = await loadTemplates(dir);
    const { html } = templates.render(hostileModel());
    expect(html).toContain("Our own waiver for &lt;b&gt;Acme&lt;/b&gt; &amp; Sons");
    expect(html).not.toContain("Acknowledgement of risk and waiver of liability");
    expect(html).toContain("Executive summary");
    expect(templates.sources["partials/waiver-statement"]).toBe(join(dir, "partials", "waiver-statement.hbs"));
    expect(templates.sources["partials/summary"]).toBe(join(bundledTemplatesDir(), "partials", "summary.hbs"));
  });

  it("name the file and line of a template syntax error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-templates-"));
    await mkdir(join(dir, "partials"));
    await writeFile(join(dir, "partials", "cover.hbs"), "<div>\n<p>\n{{#if msp.logo}}unclosed\n</div>\n");
    const error = await loadTemplates(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportTemplateError);
    expect((error as Error).message).toContain(join(dir, "partials", "cover.hbs"));
    expect((error as Error).message).toMatch(/line \d/);
  });

  it("refuse a templates directory with no templates, or one that does not exist", async () => {
    const empty = await mkdtemp(join(tmpdir(), "caveat-templates-"));
    await expect(loadTemplates(empty)).rejects.toThrow(/holds no \.hbs templates/);
    await expect(loadTemplates(join(empty, "missing"))).rejects.toThrow(/cannot read the templates directory .*ENOENT/);
  });

  it("report a partial that an override uses but nobody defined, naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-templates-"));
    await writeFile(join(dir, "report.hbs"), "<html>{{> no-such-partial}}</html>");
    const templates = await loadTemplates(dir);
    expect(() => templates.render(hostileModel())).toThrow(/no-such-partial/);
  });
});
