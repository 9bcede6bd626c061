// Server-rendered HTML pages (collector/web/templates): Handlebars with every value escaped
// ({{value}}), no client-side script, the system's fonts (light on a phone), and a Content-Security-Policy
// that lets a page load nothing but inline styles and data: images. A test keeps {{{ out of these templates as for the report's.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { FastifyReply } from "fastify";

export type PageName = "sign" | "done" | "message" | "login" | "dashboard" | "client";

export interface Pages {
  render(name: PageName, context: Record<string, unknown>): string;
}

/** No script, no frames, nothing fetched: inline styles and data: images only; forms post back here. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function webTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "collector", "web", "templates");
    if (existsSync(join(candidate, "sign.hbs"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("cannot find the collector's page templates (collector/web/templates/sign.hbs) beside caveat");
}

let loaded: Promise<Pages> | undefined;

export function loadPages(): Promise<Pages> {
  loaded ??= (async () => {
    const dir = webTemplatesDir();
    const hbs = Handlebars.create();
    for (const file of await readdir(join(dir, "partials"))) {
      if (file.endsWith(".hbs")) hbs.registerPartial(file.slice(0, -4), hbs.compile(await readFile(join(dir, "partials", file), "utf8"), { knownHelpersOnly: true }));
    }
    const templates = new Map<string, Handlebars.TemplateDelegate>();
    for (const name of ["sign", "done", "message", "login", "dashboard", "client"] satisfies PageName[]) {
      templates.set(name, hbs.compile(await readFile(join(dir, `${name}.hbs`), "utf8"), { knownHelpersOnly: true, strict: false }));
    }
    return {
      render(name, context) {
        return templates.get(name)!({ accentColor: "#1f4e79", ...context });
      },
    };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/**
 * Sends a page with the headers every page gets: no caching, the CSP, and no referrer (a signing link is a
 * secret). Dashboard pages pass "same-origin": their URLs hold no secret, and with no-referrer Chromium
 * sends `Origin: null` on a form post, which the dashboard's same-origin check must refuse.
 */
export function sendPage(reply: FastifyReply, status: number, html: string, referrerPolicy: "no-referrer" | "same-origin" = "no-referrer"): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", PAGE_CSP)
    .header("cache-control", "no-store")
    .header("referrer-policy", referrerPolicy)
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY")
    .send(html);
}

/** Validated again where it is written into a <style> block. */
export function safeColor(value: unknown): string {
  return typeof value === "string" && /^#[0-9a-fA-F]{6}$/.test(value) ? value : "#1f4e79";
}
