import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContractError } from "../../schemas/validate.js";
import { loadBrandingFile, parseBranding } from "./branding.js";

async function dir(files: Record<string, string | Buffer>): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "caveat-branding-"));
  for (const [name, content] of Object.entries(files)) await writeFile(join(d, name), content);
  return d;
}

const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

describe("branding", () => {
  it("loads the sample branding with its logo embedded as a data: URI", async () => {
    const loaded = await loadBrandingFile(join(import.meta.dirname, "..", "samples", "northwind.branding.yaml"));
    expect(loaded.branding.msp.name).toBe("Northwind IT Services");
    expect(loaded.branding.report?.decisionDays).toBe(14);
    expect(loaded.branding.support?.escalation).toHaveLength(3);
    expect(loaded.logo).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it("names file, line and field of a mistake", () => {
    const text = "schema: caveat.branding/v1\nmsp:\n  name: Northwind\n  fax: 123\nreport:\n  paper: A5\n";
    const error = (() => {
      try {
        parseBranding(text, "b.yaml");
      } catch (e) {
        return e as ContractError;
      }
    })()!;
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toContain("b.yaml:4: /msp/fax");
    expect(error.message).toContain("b.yaml:6: /report/paper");
  });

  it("types decisionDays from YAML text and refuses a non-number", () => {
    expect(parseBranding("schema: caveat.branding/v1\nmsp: { name: N }\nreport: { decisionDays: 30 }\n", "b.yaml").report?.decisionDays).toBe(30);
    expect(() => parseBranding("schema: caveat.branding/v1\nmsp: { name: N }\nreport: { decisionDays: soon }\n", "b.yaml")).toThrow(/b\.yaml:3: \/report\/decisionDays must be integer/);
  });

  it("embeds PNG logos by content and refuses anything that is not PNG, JPEG or SVG", async () => {
    const d = await dir({ "logo.png": PNG, "logo.gif": Buffer.from("GIF89a...."), "ok.yaml": "schema: caveat.branding/v1\nmsp: { name: N, logo: logo.png }\n", "bad.yaml": "schema: caveat.branding/v1\nmsp: { name: N, logo: logo.gif }\n" });
    expect((await loadBrandingFile(join(d, "ok.yaml"))).logo).toBe(`data:image/png;base64,${PNG.toString("base64")}`);
    await expect(loadBrandingFile(join(d, "bad.yaml"))).rejects.toThrow(/\/msp\/logo .*logo\.gif: must be a PNG, JPEG or SVG image/);
  });

  it("refuses a missing or oversized logo, naming it", async () => {
    const d = await dir({ "big.png": Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]), "big.yaml": "schema: caveat.branding/v1\nmsp: { name: N, logo: big.png }\n", "gone.yaml": "schema: caveat.branding/v1\nmsp: { name: N, logo: gone.png }\n" });
    await expect(loadBrandingFile(join(d, "big.yaml"))).rejects.toThrow(/big\.png: is \d+ bytes; a logo may be at most 1 MiB/);
    await expect(loadBrandingFile(join(d, "gone.yaml"))).rejects.toThrow(/cannot read the logo .*gone\.png: ENOENT/);
    await expect(loadBrandingFile(join(d, "nope.yaml"))).rejects.toThrow(/cannot read the branding file .*nope\.yaml: ENOENT/);
  });
});
