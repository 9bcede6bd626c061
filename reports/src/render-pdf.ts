// HTML -> PDF with headless Chromium through puppeteer. One browser serves many reports (the batch);
// each report gets a fresh page with JavaScript off and every network request refused: the HTML
// carries its fonts and images, so anything the page tries to fetch is a bug or an attack.
import puppeteer, { type Browser, type HTTPRequest } from "puppeteer";
import type { RenderedReport } from "./templates.js";

export class RenderTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`Chromium did not finish printing the report within ${seconds} s (raise --timeout for very large reports)`);
    this.name = "RenderTimeoutError";
  }
}

export class BrowserLaunchError extends Error {
  constructor(
    readonly executablePath: string,
    cause: Error,
  ) {
    super(
      `the browser ${executablePath} did not start: ${cause.message.split("\n")[0]}\n` +
        "Check that it is Chromium, Chrome or Edge and runs on this machine; as a non-root user in a container without user namespaces, Chromium's sandbox cannot start (run as root, or enable unprivileged user namespaces).",
    );
    this.name = "BrowserLaunchError";
  }
}

export interface PrintOptions {
  paper: "A4" | "Letter";
  /** Whole render (load + print), milliseconds. */
  timeoutMs: number;
}

export interface PrintResult {
  pdf: Uint8Array;
  /** Requests the page attempted and that were refused (none for caveat's own templates). */
  blocked: string[];
}

/** A browser in puppeteer's own download cache, if someone installed one there (caveat never downloads it). */
export function puppeteerCachedBrowser(): string | undefined {
  return puppeteer.executablePath();
}

export const PAGE_MARGIN = { top: "16mm", bottom: "18mm", left: "14mm", right: "14mm" };

export class PdfPrinter {
  private constructor(private readonly browser: Browser) {}

  static async launch(executablePath: string, timeoutMs = 60_000): Promise<PdfPrinter> {
    const browser = await puppeteer
      .launch({
      executablePath,
      headless: true,
      pipe: true,
      timeout: timeoutMs,
      args: [
        // Chromium's sandbox cannot start as root (containers, CI); elsewhere it stays on.
        ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
        "--disable-gpu",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--mute-audio",
        // Belt and braces beside request interception: no proxy answers, no name resolves.
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
      ],
    })
      .catch((error: Error) => {
        throw new BrowserLaunchError(executablePath, error);
      });
    return new PdfPrinter(browser);
  }

  /** False once the browser has crashed or been closed: a batch then starts a new one. */
  get connected(): boolean {
    return this.browser.connected;
  }

  async print(report: RenderedReport, options: PrintOptions): Promise<PrintResult> {
    const page = await this.browser.newPage();
    const blocked: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on("request", (request: HTTPRequest) => {
        const url = request.url();
        if (url.startsWith("data:") || url === "about:blank") void request.continue();
        else {
          blocked.push(url);
          void request.abort("blockedbyclient");
        }
      });
      const work = (async () => {
        await page.setContent(report.html, { waitUntil: "load", timeout: options.timeoutMs });
        return page.pdf({
          format: options.paper,
          printBackground: true,
          preferCSSPageSize: true,
          displayHeaderFooter: true,
          headerTemplate: "<span></span>",
          footerTemplate: report.footer,
          margin: PAGE_MARGIN,
          timeout: options.timeoutMs,
        });
      })();
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RenderTimeoutError(Math.round(options.timeoutMs / 1000))), options.timeoutMs);
      });
      const pdf = await Promise.race([work, deadline]);
      return { pdf, blocked };
    } finally {
      clearTimeout(timer);
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}
